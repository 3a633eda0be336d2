// Live counters on the event page: the same server-sent events as the door page.
(function () {
  var box = document.querySelector("[data-live]");
  if (!box || !window.EventSource) return;
  var source = new EventSource(box.getAttribute("data-live"));
  source.addEventListener("counts", function (message) {
    var counts = JSON.parse(message.data);
    Object.keys(counts).forEach(function (name) {
      var cell = box.querySelector('[data-count="' + name + '"]');
      if (cell) cell.textContent = counts[name];
    });
  });
})();
