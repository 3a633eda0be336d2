"""The web app in a real browser (Debian's Chromium under Playwright) against a live server, on
SQLite and PostgreSQL: sign-in, CSRF, roles, events, registrations, the door at phone size, two
doors at once, live counts, screenshots and an accessibility check."""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from tests.browser import (
    AXE,
    CHROMIUM,
    CHROMIUM_ARGS,
    DESKTOP,
    JSQR,
    PHONE,
    QR_DETECTOR,
    axe_violations,
    camera_video,
    make_endpoint,
    make_event,
    make_hub,
    make_key,
    make_party,
    median_ms,
    off_loop,
    screenshot,
    seed_million,
)
from tests.live import LiveServer, Tenant, make_tenant
from tests.web import UNREACHABLE_HOOK, csrf_of, make_person

# The event page at a million registrations may take at most this many times the API's plain read
# of a first page (it renders HTML around the same 50 rows).
LATENCY_BOUND = 5


@pytest.fixture(scope="module")
def camera(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the camera test writes the video Chromium's fake camera plays (read when a page asks
    for the camera, so it can be written after the launch)."""
    return tmp_path_factory.mktemp("camera") / "ticket.y4m"


@pytest.fixture(scope="module")
def chromium(server: LiveServer, camera: Path) -> Iterator[Browser]:
    """Chromium, for this module's tests only: while Playwright's loop runs in this thread, nothing
    else here may call asyncio.run, so the server (and its database) is made first. Its camera is
    a fake device playing `camera`, granted without asking."""
    if not Path(CHROMIUM).exists():
        message = f"{CHROMIUM} is missing: `make browser` installs Debian's chromium"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    with sync_playwright() as p:
        fake_camera = [
            "--use-fake-device-for-media-stream",
            "--use-fake-ui-for-media-stream",
            f"--use-file-for-fake-video-capture={camera}",
        ]
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS + fake_camera)
        yield browser
        browser.close()


@pytest.fixture
def org(server: LiveServer) -> Iterator[Tenant]:
    """A tenant of its own, made off Playwright's event loop."""
    context = make_tenant(server)
    tenant = off_loop(context.__enter__)
    yield tenant
    context.__exit__(None, None, None)


class Visit:
    """Browser contexts (each a separate browser profile) that fail the test on a script error."""

    def __init__(self, chromium: Browser, server: LiveServer) -> None:
        self.chromium, self.server = chromium, server
        self.contexts: list[BrowserContext] = []
        self.errors: list[str] = []

    def page(
        self, viewport: dict[str, int] = DESKTOP, bypass_csp: bool = False, init: str = ""
    ) -> Page:
        context = self.chromium.new_context(
            base_url=self.server.url,
            viewport=viewport,
            bypass_csp=bypass_csp,  # type: ignore[arg-type]
        )
        if init:  # before any page script, outside the page's CSP
            context.add_init_script(init)
        self.contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        return page

    def signed_in(self, tenant: Tenant, role: str, **options: object) -> Page:
        email, password = off_loop(make_person, self.server, tenant, role)
        page = self.page(**options)  # type: ignore[arg-type]
        sign_in(page, email, password)
        return page


def sign_in(page: Page, email: str, password: str) -> None:
    page.goto("/app/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Events")).to_be_visible()


@pytest.fixture
def visit(chromium: Browser, server: LiveServer) -> Iterator[Visit]:
    visits = Visit(chromium, server)
    yield visits
    for context in visits.contexts:
        context.close()
    assert visits.errors == []


def test_sign_in_and_sign_out(visit: Visit, org: Tenant) -> None:
    email, password = off_loop(make_person, visit.server, org, "staff")
    page = visit.page()
    page.goto("/app/events/new")
    expect(page).to_have_url(f"{visit.server.url}/app/signin?next=%2Fapp%2Fevents%2Fnew")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("do not match an account")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="New event")).to_be_visible()  # back where it was going
    page.get_by_role("button", name="Sign out", exact=True).click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.goto("/app/")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


def test_a_form_without_its_csrf_token_is_refused(visit: Visit, org: Tenant) -> None:
    page = visit.signed_in(org, "staff")
    status = page.evaluate(
        """() => fetch('/app/events', {method: 'POST',
             headers: {'Content-Type': 'application/x-www-form-urlencoded'},
             body: 'id=forged&title=Forged&start=2030-01-01T10:00&end=2030-01-01T11:00'})
           .then(r => r.status)"""
    )
    assert status == 403
    page.goto("/app/?q=forged")
    expect(page.get_by_text("No events match")).to_be_visible()


def test_the_door_role_sees_only_the_door(visit: Visit, org: Tenant) -> None:
    event_id = make_event(visit.server, org, "Door only")
    page = visit.signed_in(org, "door")
    expect(page.get_by_role("link", name="New event")).to_have_count(0)
    expect(page.get_by_role("link", name="API keys")).to_have_count(0)
    page.goto(f"/app/events/{event_id}")
    expect(page.get_by_role("alert")).to_contain_text("needs the staff role")
    page.goto("/app/")
    page.get_by_role("link", name="Door check-in").click()
    expect(page.get_by_text("checked in of")).to_be_visible()


def test_staff_create_an_event_register_a_party_and_find_it(visit: Visit, org: Tenant) -> None:
    page = visit.signed_in(org, "staff")
    page.get_by_role("link", name="New event").click()
    page.get_by_label("Title").fill("Spring gala")
    page.get_by_label("Starts").fill("2030-04-01T19:00")
    page.get_by_label("Ends").fill("2030-04-01T23:00")
    page.get_by_label("Time zone").fill("Europe/Paris")
    page.get_by_label("Seats (empty: unlimited)").fill("40")
    page.get_by_role("button", name="Create event").click()
    expect(page.get_by_role("heading", name="Spring gala")).to_contain_text("draft")
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_role("heading", name="Spring gala")).to_contain_text("confirmed")
    page.get_by_text("Add a registration").click()
    page.get_by_label("Name").fill("Grace Hopper")
    page.get_by_label("Email").fill("grace@example.org")
    page.get_by_label("Guests").fill("2")
    page.get_by_role("button", name="Add").click()
    expect(page.get_by_role("heading", name="Grace Hopper")).to_be_visible()
    expect(page.get_by_text("3 (2 guests)")).to_be_visible()
    expect(page.locator(".ticket svg")).to_be_visible()
    page.get_by_role("link", name="← Spring gala").click()
    page.get_by_role("searchbox", name="Search").fill("grace")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("link", name="Grace Hopper")).to_be_visible()
    page.goto("/app/?q=spring")
    expect(page.get_by_role("meter")).to_have_attribute("value", "3")


def _door(visit: Visit, org: Tenant, event_id: str, viewport: dict[str, int] = PHONE) -> Page:
    page = visit.signed_in(org, "door", viewport=viewport)
    page.goto(f"/app/door/{event_id}")
    return page


def test_check_in_a_party_at_a_phone_sized_door(visit: Visit, org: Tenant) -> None:
    event_id = make_event(visit.server, org, "Phone door")
    make_party(visit.server, org, event_id, "Ada Lovelace", size=3)
    page = _door(visit, org, event_id)
    expect(page.locator("#expected")).to_have_text("3")
    page.get_by_label("Name, email or ticket code").fill("ada")
    page.get_by_role("button", name="Check in all 3").click()
    expect(page.locator("#signal")).to_have_text("Ada Lovelace: 3 of 3 checked in.")
    expect(page.locator("#checked-in")).to_have_text("3")
    page.get_by_role("button", name="Undo").click()
    expect(page.locator("#signal")).to_have_text("Undone: Ada Lovelace.")
    expect(page.locator("#checked-in")).to_have_text("0")
    page.get_by_label("How many of Ada Lovelace's party are here").select_option("2")
    page.get_by_role("button", name="Check in these").click()
    expect(page.locator("#signal")).to_have_text("Ada Lovelace: 2 of 3 checked in.")


def test_two_doors_tapping_the_same_party_check_it_in_once(visit: Visit, org: Tenant) -> None:
    event_id = make_event(visit.server, org, "Two doors")
    make_party(visit.server, org, event_id, "Alan Turing", size=2)
    doors = [_door(visit, org, event_id) for _ in range(2)]
    for door in doors:
        door.get_by_label("Name, email or ticket code").fill("alan")
        expect(door.get_by_role("button", name="Check in all 2")).to_be_visible()
    # Both taps leave before either answer arrives: each door sends "I saw 0 checked in".
    for door in doors:
        door.get_by_role("button", name="Check in all 2").dispatch_event("click")
    signals = []
    for door in doors:
        expect(door.locator("#signal")).not_to_have_text("")
        signals.append(door.locator("#signal").text_content() or "")
    assert sorted(signals) == [
        "Alan Turing changed meanwhile: 2 of 2 checked in at "
        + signals[0 if "meanwhile" in signals[0] else 1].split(" at ", 1)[1],
        "Alan Turing: 2 of 2 checked in.",
    ]
    assert "by door-" in next(s for s in signals if "meanwhile" in s)
    for door in doors:
        expect(door.locator("#checked-in")).to_have_text("2")


def test_live_counts_reach_another_door_within_a_second(visit: Visit, org: Tenant) -> None:
    event_id = make_event(visit.server, org, "Live counts")
    make_party(visit.server, org, event_id, "Edsger Dijkstra", size=1)
    watching, tapping = _door(visit, org, event_id), _door(visit, org, event_id)
    expect(watching.locator("#checked-in")).to_have_text("0")
    tapping.get_by_label("Name, email or ticket code").fill("edsger")
    tapping.get_by_role("button", name="Check in").click()
    expect(tapping.locator("#signal")).to_contain_text("1 of 1 checked in")
    started = time.monotonic()
    expect(watching.locator("#checked-in")).to_have_text("1", timeout=1000)
    assert time.monotonic() - started < 1.0


def test_a_ticket_from_a_scanner_checks_its_party_in(visit: Visit, org: Tenant) -> None:
    event_id = make_event(visit.server, org, "Tickets")
    other_event = make_event(visit.server, org, "Another night")
    make_party(visit.server, org, event_id, "Barbara Liskov", size=2)
    other_party = make_party(visit.server, org, other_event, "Ken Thompson")
    staff = visit.signed_in(org, "staff")
    ticket = {}
    for event, name in ((event_id, "Barbara Liskov"), (other_event, "Ken Thompson")):
        staff.goto(f"/app/events/{event}")
        staff.get_by_role("link", name=name).click()
        ticket[name] = staff.locator(".ticket-code").text_content() or ""
    assert other_party
    page = _door(visit, org, event_id)
    find = page.get_by_label("Name, email or ticket code")
    find.fill(ticket["Barbara Liskov"].lower())  # a scanner types, then presses Enter
    find.press("Enter")
    expect(page.locator("#signal")).to_have_text("Barbara Liskov: 2 of 2 checked in.")
    find.fill(ticket["Barbara Liskov"])
    find.press("Enter")
    expect(page.locator("#signal")).to_contain_text("already checked in at")
    find.fill(ticket["Ken Thompson"])
    find.press("Enter")
    expect(page.locator("#signal")).to_have_text("This ticket is for another event: Another night.")


def test_the_door_camera_reads_a_ticket_and_checks_its_party_in(
    visit: Visit, org: Tenant, camera: Path
) -> None:
    """door.js's camera path, in Chromium with a fake camera. Real: the ticket (its code read off the
    registration page), its QR code made by segno, the video of it that Chromium's fake camera plays,
    door.js asking for the camera, showing the stream, looking at frames until a code is read, and
    checking in that ticket's party on the server. Stood in: Chromium on Linux has no
    BarcodeDetector, so the page gets one (tests/browser.py QR_DETECTOR) that reads the video's real
    frames with jsQR. Without it the Scan button stays hidden, as on any browser lacking one."""
    event_id = make_event(visit.server, org, "Camera door")
    make_party(visit.server, org, event_id, "Frances Allen", size=2)
    staff = visit.signed_in(org, "staff")
    staff.goto(f"/app/events/{event_id}")
    staff.get_by_role("link", name="Frances Allen").click()
    code = staff.locator(".ticket-code").text_content() or ""
    camera_video(camera, code)
    plain = _door(visit, org, event_id)
    expect(plain.locator("#find")).to_be_visible()
    expect(plain.get_by_role("button", name="Scan")).to_be_hidden()
    email, password = off_loop(make_person, visit.server, org, "door")
    page = visit.page(PHONE, init=JSQR.read_text() + QR_DETECTOR)
    sign_in(page, email, password)
    page.goto(f"/app/door/{event_id}")
    page.get_by_role("button", name="Scan").click()
    expect(page.locator("#signal")).to_have_text("Frances Allen: 2 of 2 checked in.")
    expect(page.get_by_label("Name, email or ticket code")).to_have_value(code)
    expect(page.locator("#camera")).to_be_hidden()  # the stream stops once a code is read
    expect(page.locator("#checked-in")).to_have_text("2")


def test_the_door_works_by_keyboard_and_refuses_a_cancelled_party(
    visit: Visit, org: Tenant
) -> None:
    event_id = make_event(visit.server, org, "Keyboard door")
    make_party(visit.server, org, event_id, "Linus Torvalds")
    make_party(visit.server, org, event_id, "Richard Stallman", status="removed")
    page = _door(visit, org, event_id, viewport=DESKTOP)
    find = page.get_by_label("Name, email or ticket code")
    find.fill("richard")
    expect(page.get_by_text("Registration removed — do not admit")).to_be_visible()
    expect(page.get_by_role("button", name="Check in")).to_have_count(0)
    find.fill("linus")
    expect(page.get_by_role("button", name="Check in")).to_be_visible()
    focused = ""
    for _ in range(4):  # from the search box to the party's button, by Tab alone
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement.textContent")
        if focused == "Check in":
            break
    assert focused == "Check in"
    page.keyboard.press("Enter")
    expect(page.locator("#signal")).to_have_text("Linus Torvalds: 1 of 1 checked in.")


PAGES = [
    ("events", "/app/"),
    ("event", "/app/events/{event}"),
    ("event-form", "/app/events/new"),
    ("registration", "/app/events/{event}/registrations/{registration}"),
    ("door", "/app/door/{event}"),
    ("keys", "/app/keys"),
    ("people", "/app/people"),
    ("hubs", "/app/hubs"),
    ("hub", "/app/hubs/{hub}"),
    ("webhooks", "/app/webhooks"),
    ("webhook", "/app/webhooks/{endpoint}"),
]


def _sample(visit: Visit, org: Tenant) -> dict[str, str]:
    """An event with parties, a labelled key, a hub, and an endpoint whose deliveries fail (the
    dispatcher refuses loopback), so every page has something to show."""
    hub = "social-" + org.name.replace("_", "-")
    make_hub(visit.server, org, hub)
    make_key(visit.server, org, "read", "Ticket office screen")
    endpoint = make_endpoint(visit.server, org, UNREACHABLE_HOOK, "Mailing list sync")
    event_id = make_event(visit.server, org, "Screenshot social")
    registration_id = make_party(visit.server, org, event_id, "Margaret Hamilton", size=2)
    for name in ("Katherine Johnson", "Dorothy Vaughan", "Mary Jackson"):
        make_party(visit.server, org, event_id, name)
    return {"event": event_id, "registration": registration_id, "hub": hub, "endpoint": endpoint}


# The page's width, and the element reaching furthest right, to name what makes it scroll sideways.
WIDEST = """() => {
  let far = null, right = 0;
  for (const e of document.querySelectorAll("body *")) {
    const r = e.getBoundingClientRect().right;
    if (r > right && !e.closest(".scroll")) { right = r; far = e; }
  }
  const where = far ? far.tagName + "." + far.className + "#" + far.id : "";
  return {width: document.documentElement.scrollWidth, widest: where};
}"""


def test_screenshots_of_every_page_at_desktop_and_phone_sizes(
    visit: Visit, org: Tenant, backend: str
) -> None:
    ids = _sample(visit, org)
    wide: dict[str, object] = {}
    for size, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        page = visit.signed_in(org, "owner", viewport=viewport)
        for name, path in PAGES:
            page.goto(path.format(**ids))
            if name == "door":
                page.get_by_label("Name, email or ticket code").fill("a")
                expect(page.locator("#results li").first).to_be_visible()
            screenshot(page, backend, f"{name}-{size}")
            widest = page.evaluate(WIDEST)
            if widest["width"] > viewport["width"]:
                wide[f"{name}-{size}"] = widest
        signin = visit.page(viewport=viewport)
        signin.goto("/app/signin")
        screenshot(signin, backend, f"signin-{size}")
    assert wide == {}, "pages wider than the screen (they would scroll sideways)"


def test_every_page_passes_axe(visit: Visit, org: Tenant) -> None:
    assert AXE.exists(), "make install puts axe-core under tests/axe/node_modules"
    ids = _sample(visit, org)
    page = visit.signed_in(org, "owner", bypass_csp=True)  # axe is injected as an inline script
    found = {}
    for name, path in PAGES:
        page.goto(path.format(**ids))
        found[name] = axe_violations(page)
    signin = visit.page(bypass_csp=True)
    signin.goto("/app/signin")
    found["signin"] = axe_violations(signin)
    assert {name: v for name, v in found.items() if v} == {}


def test_an_owner_manages_keys_hubs_and_webhooks(visit: Visit, org: Tenant) -> None:
    """The owner's pages by hand: what is shown once shows, a revocation asks first, and the pages
    in their one-time states (and the confirm step) pass axe too. Staff find none of them."""
    page = visit.signed_in(org, "owner", bypass_csp=True)
    found = {}
    page.get_by_role("link", name="API keys").click()
    page.get_by_label("Label").fill("Door tablets")
    page.get_by_label("write", exact=True).uncheck()
    page.get_by_label("read", exact=True).check()
    page.get_by_role("button", name="Create key").click()
    key = page.locator("#new-key").text_content() or ""
    assert key.startswith("tk_")
    found["key shown"] = axe_violations(page)
    page.get_by_role("button", name=f"Revoke {key[:15]}").click()
    expect(page.get_by_role("heading", name=f"Revoke key {key[:15]}?")).to_be_visible()
    found["confirm"] = axe_violations(page)
    page.get_by_role("button", name="Revoke key").click()
    expect(page.get_by_role("status")).to_have_text(f"Key {key[:15]} is revoked.")
    page.get_by_role("link", name="Hubs").click()
    hub = "doorbell-" + org.name.replace("_", "-")
    page.get_by_label("Name").fill(hub)
    page.get_by_role("button", name="Create hub").click()
    expect(page.get_by_role("status").locator("code.connection")).to_have_count(2)
    found["hub made"] = axe_violations(page)
    page.get_by_role("link", name="← Notification hubs").click()
    page.get_by_role("link", name=hub).click()
    expect(page.locator("code.connection")).to_have_count(1)  # listen-only; full when asked
    page.get_by_role("button", name=f"Show the connection string of {hub}-full").click()
    expect(page.get_by_role("status")).to_contain_text(f"SharedAccessKeyName={hub}-full")
    page.get_by_role("link", name="Webhooks").click()
    page.get_by_label("URL").fill("https://crm.example.org/turnout")
    page.get_by_label("Description").fill("CRM")
    page.get_by_role("button", name="Add endpoint").click()
    expect(page.locator("#secret")).to_contain_text("whsec_")
    found["endpoint made"] = axe_violations(page)
    page.get_by_role("button", name="Disable").click()
    expect(page.get_by_role("status")).to_have_text("Disabled: nothing is sent.")
    assert {name: v for name, v in found.items() if v} == {}
    staff = visit.signed_in(org, "staff")
    for link in ("API keys", "Hubs", "Webhooks"):
        expect(staff.get_by_role("link", name=link)).to_have_count(0)
    staff.goto("/app/webhooks")
    expect(staff.get_by_role("alert")).to_contain_text("needs the owner role")


def test_the_accessibility_check_can_fail(visit: Visit) -> None:
    page = visit.page(bypass_csp=True)
    page.set_content('<html><body><input id="x"><p style="color:#ccc">faint</p></body></html>')
    assert {v["id"] for v in axe_violations(page)} >= {"label", "color-contrast", "html-has-lang"}


def test_a_million_registration_event_page_stays_fast(
    visit: Visit, org: Tenant, backend: str
) -> None:
    """The event page at 1,000,000 registrations, first page and deep pages, against the plain API
    read of the same event's first page, measured side by side in this run (median of 15 each)."""
    event_id = make_event(visit.server, org, "Stadium", capacity=None)
    seed_million(visit.server, org, event_id)
    email, password = off_loop(make_person, visit.server, org, "staff")
    web = httpx.Client(base_url=visit.server.url, timeout=60)
    api = org.client(org.key)
    try:
        token = csrf_of(web.get("/app/signin").text)
        web.post("/app/signin", data={"csrf": token, "email": email, "password": password})
        reads = {
            "first page": f"/app/events/{event_id}",
            "page after 900,000": f"/app/events/{event_id}?after=900000",
            "declined after 500,000": f"/app/events/{event_id}?status=declined&after=500000",
            "page before 1,000,000": f"/app/events/{event_id}?before=1000000",
            "email search": f"/app/events/{event_id}?q=p999999%40",
        }
        api_read = f"/api/v1/events/{event_id}/registrations?limit=50"
        # Round by round, interleaved, so a burst of load on a shared machine hits both sides.
        timings: dict[str, list[float]] = {name: [] for name in ["api", *reads]}
        for _ in range(15):
            timings["api"].append(median_ms(lambda: api.get(api_read), 1))
            for name, path in reads.items():
                timings[name].append(median_ms(lambda p=path: web.get(p), 1))
        base = statistics.median(timings["api"])
        ratios = {name: statistics.median(timings[name]) / base for name in reads}
    finally:
        web.close()
        api.close()
    report = ", ".join(f"{name} {ratio:.1f}×" for name, ratio in ratios.items())
    Path("var").mkdir(exist_ok=True)
    Path(f"var/latency-{backend}.txt").write_text(
        f"API first page {base:.1f} ms; event page: {report}\n"
    )
    print(f"\n{backend}: API first page {base:.1f} ms; event page: {report}")
    assert max(ratios.values()) < LATENCY_BOUND, report
    page = visit.signed_in(org, "staff")
    page.goto(f"/app/events/{event_id}?after=999950")
    expect(page.get_by_role("link", name="Person 1000000")).to_be_visible()
