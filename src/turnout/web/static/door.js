// The door page: find a party as you type, check it in with one tap (or n of it), undo; live counts.
// Every tap sends the count this screen showed ("seen"); the server checks the party in only if it
// is still that, so two doors tapping the same party at once check it in once, and the slower one
// is told who did it and when.
(function () {
  "use strict";
  var root = document.querySelector(".door");
  var eventId = root.getAttribute("data-event");
  var csrf = root.getAttribute("data-csrf");
  var base = "/app/door/" + encodeURIComponent(eventId);
  var find = document.getElementById("find");
  var results = document.getElementById("results");
  var signal = document.getElementById("signal");
  var timer = null;
  var asked = 0;

  function say(text, kind) {
    signal.textContent = text || "";
    signal.className = "signal" + (kind ? " " + kind : "");
  }

  function looksLikeTicket(text) {
    return /^T\d+-\d+-\d+-[0-9A-Z]{16}$/i.test(text.trim().replace(/ /g, ""));
  }

  function search(text, thenCheckIn) {
    var mine = ++asked;
    if (!text.trim()) { results.textContent = ""; say(""); return; }
    fetch(base + "/find?q=" + encodeURIComponent(text), { headers: { Accept: "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (body) {
        if (mine !== asked) return;  // a later keystroke's answer wins
        show(body.results || []);
        if (body.signal) say(body.signal, "bad");
        else if (!body.results || !body.results.length) say("Nobody found.", "warn");
        else say("");
        if (thenCheckIn && body.ticket && body.results.length === 1) {
          var p = body.results[0];
          if (!p.cancelled && p.checked_in < p.party_size) checkIn(p, p.party_size);
          else describe(p);
        }
      })
      .catch(function () { say("No connection to the server. Try again.", "bad"); });
  }

  function describe(p) {
    if (p.cancelled) say(label(p) + ": registration " + p.status + " — do not admit.", "bad");
    else if (p.checked_in >= p.party_size) say(label(p) + ": already checked in at " + p.checked_in_at + " by " + p.checked_in_by + ".", "warn");
  }

  function label(p) { return p.name || p.email || p.id; }

  function button(text, onClick, cls) {
    var b = document.createElement("button");
    b.type = "button";
    b.textContent = text;
    if (cls) b.className = cls;
    b.addEventListener("click", onClick);
    return b;
  }

  function show(parties) {
    results.textContent = "";
    parties.forEach(function (p) { results.appendChild(partyItem(p)); });
  }

  function partyItem(p) {
    var li = document.createElement("li");
    li.setAttribute("data-registration", p.id);
    var who = document.createElement("div");
    who.className = "who-line";
    who.textContent = label(p) + " · party of " + p.party_size;
    var sub = document.createElement("div");
    sub.className = "sub";
    sub.textContent = p.email;
    var state = document.createElement("div");
    state.className = "state";
    var buttons = document.createElement("div");
    buttons.className = "buttons";
    if (p.cancelled) {
      state.textContent = "Registration " + p.status + " — do not admit";
      state.className += " bad";
    } else {
      state.textContent = p.checked_in + " of " + p.party_size + " checked in" +
        (p.checked_in ? " (" + p.checked_in_at + ", " + p.checked_in_by + ")" : "");
      if (p.checked_in >= p.party_size) state.className += " done";
      if (p.checked_in < p.party_size) {
        buttons.appendChild(button(p.party_size === 1 ? "Check in" : "Check in all " + p.party_size,
          function () { checkIn(p, p.party_size); }));
        if (p.party_size > 1) buttons.appendChild(someControl(p));
      }
      if (p.checked_in > 0) buttons.appendChild(button("Undo", function () { checkIn(p, 0); }, "secondary"));
    }
    li.appendChild(who); li.appendChild(sub); li.appendChild(state); li.appendChild(buttons);
    return li;
  }

  function someControl(p) {
    var wrap = document.createElement("span");
    var select = document.createElement("select");
    select.setAttribute("aria-label", "How many of " + label(p) + "'s party are here");
    for (var n = p.checked_in + 1; n < p.party_size; n++) {
      var o = document.createElement("option");
      o.value = String(n); o.textContent = String(n);
      select.appendChild(o);
    }
    if (!select.options.length) return wrap;
    wrap.appendChild(select);
    wrap.appendChild(button("Check in these", function () { checkIn(p, Number(select.value)); }, "secondary"));
    return wrap;
  }

  function checkIn(p, present) {
    var form = new URLSearchParams({ seen: String(p.checked_in), present: String(present) });
    fetch(base + "/check-in/" + encodeURIComponent(p.id), {
      method: "POST",
      headers: { Accept: "application/json", "X-CSRF-Token": csrf, "Content-Type": "application/x-www-form-urlencoded" },
      body: form.toString(),
    })
      .then(function (r) { return r.json().then(function (body) { return { status: r.status, body: body }; }); })
      .then(function (answer) {
        var party = answer.body.party;
        if (answer.status === 200) {
          say(present === 0 ? "Undone: " + label(party) + "." : label(party) + ": " + party.checked_in + " of " + party.party_size + " checked in.", "good");
        } else if (answer.body.error === "already_checked_in" && party) {
          say(label(party) + " changed meanwhile: " + party.checked_in + " of " + party.party_size +
              " checked in" + (party.checked_in ? " at " + party.checked_in_at + " by " + party.checked_in_by : "") + ".", "warn");
        } else {
          say(answer.body.message || answer.body.error || "That did not work.", "bad");
        }
        if (party) replace(party);
      })
      .catch(function () { say("No connection to the server. Try again.", "bad"); });
  }

  function replace(party) {
    var old = results.querySelector('[data-registration="' + CSS.escape(party.id) + '"]');
    if (old) results.replaceChild(partyItem(party), old);
  }

  find.addEventListener("input", function () {
    clearTimeout(timer);
    var text = find.value;
    timer = setTimeout(function () { search(text, false); }, 120);
  });
  // A scanner acting as a keyboard types the code and presses Enter: check the ticket's party in.
  find.addEventListener("keydown", function (e) {
    if (e.key !== "Enter") return;
    e.preventDefault();
    clearTimeout(timer);
    search(find.value, looksLikeTicket(find.value));
  });

  if (window.EventSource) {
    var live = new EventSource(base + "/live");
    live.addEventListener("counts", function (message) {
      var counts = JSON.parse(message.data);
      document.getElementById("checked-in").textContent = counts.checked_in;
      document.getElementById("expected").textContent = counts.expected;
    });
  }

  // The phone's camera, where the browser can read QR codes itself (BarcodeDetector).
  var scan = document.getElementById("scan");
  if ("BarcodeDetector" in window && navigator.mediaDevices) {
    scan.hidden = false;
    scan.addEventListener("click", function () {
      var video = document.getElementById("camera");
      var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
      navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then(function (stream) {
        video.srcObject = stream; video.hidden = false; video.play();
        var look = function () {
          detector.detect(video).then(function (codes) {
            if (codes.length) {
              stream.getTracks().forEach(function (t) { t.stop(); });
              video.hidden = true;
              find.value = codes[0].rawValue;
              search(find.value, true);
            } else { requestAnimationFrame(look); }
          }).catch(function () { requestAnimationFrame(look); });
        };
        look();
      }).catch(function () { say("The camera is not available.", "bad"); });
    });
  }
})();
