"""The dashboard's writes go through the core: the API's rules and errors, on a page; and no input,
however odd, gets a 5xx."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import base_settings
from tests.live import LiveServer, Tenant, make_tenant
from tests.web import Browsers, csrf_of, make_person, post_form

EVENT = {
    "title": "Workshop",
    "start": "2030-03-01T09:00",
    "end": "2030-03-01T12:00",
    "timezone": "Europe/Berlin",
    "capacity": "3",
}


@pytest.fixture
def staff(server: LiveServer, tenant: Tenant) -> Iterator[httpx.Client]:
    browsers = Browsers(server)
    yield browsers.signed_in_as(tenant, "staff")
    browsers.close()


def create_event(client: httpx.Client, event_id: str, **fields: str) -> httpx.Response:
    return post_form(client, "/app/events", {**EVENT, "id": event_id, **fields}, "/app/events/new")


def test_an_event_made_on_the_page_is_the_apis_event(staff: httpx.Client, tenant: Tenant) -> None:
    assert create_event(staff, "workshop").status_code == 303
    event = tenant.http.get("/api/v1/events/workshop").json()["data"]
    assert event["title"] == "Workshop" and event["slots"] == 3 and event["status"] == "draft"
    assert event["timezone"] == "Europe/Berlin" and event["start_time"] == "09:00"


def test_an_event_ending_before_it_starts_is_refused_with_the_cores_message(
    staff: httpx.Client, tenant: Tenant
) -> None:
    answer = create_event(staff, "backwards", end="2030-03-01T08:00")
    assert answer.status_code == 422
    assert "end must be after start" in answer.text
    assert 'value="backwards"' in answer.text  # the form keeps what was typed
    assert tenant.http.get("/api/v1/events/backwards").status_code == 404


def test_a_taken_id_is_refused(staff: httpx.Client) -> None:
    assert create_event(staff, "twice").status_code == 303
    answer = create_event(staff, "twice", title="Other")
    assert answer.status_code == 422 and "an event has this id" in answer.text


def test_edit_publish_and_cancel(staff: httpx.Client, tenant: Tenant) -> None:
    create_event(staff, "lifecycle")
    edited = post_form(
        staff,
        "/app/events/lifecycle/edit",
        {**EVENT, "title": "Renamed"},
        "/app/events/lifecycle/edit",
    )
    assert edited.status_code == 303
    for action, status in (("publish", "published"), ("cancel", "cancelled")):
        done = post_form(
            staff, "/app/events/lifecycle/status", {"action": action}, "/app/events/lifecycle"
        )
        assert done.status_code == 303
        event = tenant.http.get("/api/v1/events/lifecycle").json()["data"]
        assert (event["title"], event["status"]) == ("Renamed", status)


def test_a_party_larger_than_the_seats_left_is_refused_as_the_api_refuses_it(
    staff: httpx.Client, tenant: Tenant
) -> None:
    create_event(staff, "small")
    post_form(staff, "/app/events/small/status", {"action": "publish"}, "/app/events/small")
    added = post_form(
        staff,
        "/app/events/small/registrations",
        {"name": "Ann", "guest_count": "1"},
        "/app/events/small",
    )
    assert added.status_code == 303
    too_big = post_form(
        staff,
        "/app/events/small/registrations",
        {"name": "Bo", "guest_count": "1"},
        "/app/events/small",
    )
    assert too_big.status_code == 409 and "2 seats requested, 1 available" in too_big.text
    registration = added.headers["location"]
    grown = post_form(staff, registration, {"guest_count": "3"}, registration)
    assert grown.status_code == 409 and "2 seats requested, 1 available" in grown.text
    shrunk = post_form(
        staff, registration, {"guest_count": "0", "status": "tentative"}, registration
    )
    assert shrunk.status_code == 303
    page = staff.get(registration).text
    assert "tentative" in page and "1 (0 guests)" in page


BAD_PATHS = [
    "/app/events/%00",
    "/app/events/" + "x" * 500,
    "/app/events/nope/registrations/%F0%9F%92%A9",
    "/app/?status=bogus&q=%00%25_",
    "/app/events/small?after=abc&before=-1&status=nonsense",
    "/app/events/small?after=99999999999999999999999",
    "/app/door/small/find?q=T1-2-3-AAAAAAAAAAAAAAAA",
    "/app/door/small/find?q=" + "%E2%82%AC" * 300,
    "/app/setup?token=%00",
]


def test_odd_paths_and_queries_never_get_a_5xx(staff: httpx.Client) -> None:
    create_event(staff, "small")
    for path in BAD_PATHS:
        assert staff.get(path).status_code < 500, path


def test_odd_forms_never_get_a_5xx(staff: httpx.Client) -> None:
    create_event(staff, "odd")
    token = csrf_of(staff.get("/app/").text)
    forms = [
        (
            "/app/events",
            {
                "id": "bad id!",
                "start": "yesterday",
                "end": "",
                "timezone": "Mars/Base",
                "capacity": "-1",
            },
        ),
        (
            "/app/events",
            {
                "id": "y",
                "start": "2030-03-31T02:30",
                "end": "2030-03-31T03:30",
                "timezone": "Europe/Berlin",
            },
        ),
        (
            "/app/events",
            {"id": "z", "start": "99999-01-01T00:00", "end": "2030-01-01T00:00", "capacity": "1e9"},
        ),
        ("/app/events/odd/registrations", {"guest_count": "10000", "email": "x" * 300}),
        ("/app/events/odd/registrations/missing", {"status": "unknown"}),
        ("/app/events/odd/status", {"action": "explode"}),
        ("/app/door/odd/check-in/missing", {"seen": "-1", "present": "x"}),
        ("/app/door/odd/check-in/missing", {"seen": "0", "present": "1"}),
        ("/app/keys", {"scope": "admin"}),
    ]
    for path, data in forms:
        answer = staff.post(path, data={"csrf": token, **data})
        assert 400 <= answer.status_code < 500, (path, answer.status_code)
    huge = staff.post("/app/events", data={"csrf": token, "description": "x" * 200_000})
    assert huge.status_code == 413


def test_keyset_pages_walk_every_registration_once_both_ways(
    staff: httpx.Client, server: LiveServer
) -> None:
    create_event(staff, "paged", capacity="")
    token = csrf_of(staff.get("/app/").text)
    for n in range(120):
        status = "declined" if n % 3 == 0 else "accepted"
        form = {"csrf": token, "name": f"P{n:03}", "status": status}
        assert staff.post("/app/events/paged/registrations", data=form).status_code == 303
    names, path = [], "/app/events/paged"
    while path:
        page = staff.get(path).text
        names += re.findall(r">(P\d{3})</a>", page)
        later = re.search(r'href="\?after=(\d+)" rel="next"', page)
        path = f"/app/events/paged?after={later.group(1)}" if later else ""
    assert names == [f"P{n:03}" for n in range(120)]
    last = staff.get("/app/events/paged?after=100").text
    earlier = re.search(r'href="\?before=(\d+)" rel="prev"', last)
    assert earlier
    back = re.findall(
        r">(P\d{3})</a>", staff.get(f"/app/events/paged?before={earlier.group(1)}").text
    )
    assert back == [f"P{n:03}" for n in range(50, 100)]
    declined = re.findall(r">(P\d{3})</a>", staff.get("/app/events/paged?status=declined").text)
    assert declined == [f"P{n:03}" for n in range(0, 120, 3)]


def test_sessions_on_https_have_secure_cookies(database_url: str, tmp_path: Path) -> None:
    settings = base_settings(str(tmp_path), database_url, public_url="https://turnout.example")
    with LiveServer(settings) as https_server, make_tenant(https_server) as tenant:
        email, password = make_person(https_server, tenant, "door")
        with httpx.Client(base_url=https_server.url, timeout=30) as browser:
            form = browser.get("/app/signin")
            assert "secure" in form.headers["set-cookie"].lower()
            seed = form.headers["set-cookie"].split(";")[0]  # a browser sends it back over https
            answer = browser.post(
                "/app/signin",
                data={"csrf": csrf_of(form.text), "email": email, "password": password},
                headers={"Cookie": seed},
            )
        assert answer.status_code == 303
        assert "secure" in answer.headers["set-cookie"].lower()


def test_check_in_and_undo_from_the_registration_page(staff: httpx.Client, tenant: Tenant) -> None:
    create_event(staff, "desk")
    post_form(staff, "/app/events/desk/status", {"action": "publish"}, "/app/events/desk")
    added = post_form(
        staff, "/app/events/desk/registrations", {"name": "Di", "guest_count": "1"}, "/app/"
    )
    registration = added.headers["location"]
    check_in = registration.replace("/app/events/desk/registrations/", "/app/door/desk/check-in/")
    done = post_form(staff, check_in, {"seen": "0", "present": "2"}, registration)
    assert done.status_code == 303 and done.headers["location"] == registration
    page = staff.get(registration).text
    assert "Undo check-in" in page and "by staff-" in page
    stale = post_form(staff, check_in, {"seen": "0", "present": "2"}, registration)
    assert stale.status_code == 409 and "2 of 2 already checked in" in stale.text
    assert (
        post_form(staff, check_in, {"seen": "2", "present": "0"}, registration).status_code == 303
    )
    api = tenant.http.get("/api/v1/events/desk/registrations/" + registration.rsplit("/", 1)[1])
    assert api.json()["data"]["checked_in_count"] == 0


def test_the_apis_ticket_code_is_the_one_on_the_registration_page(
    staff: httpx.Client, tenant: Tenant
) -> None:
    start = {"start": "2030-06-01T10:00:00Z", "end": "2030-06-01T12:00:00Z"}
    assert (
        tenant.http.post(
            "/v1/bookable_events",
            json={"bookable_event_id": "api_event", "status": "confirmed", **start},
        ).status_code
        < 300
    )
    put = tenant.http.post(
        "/v1/bookable_events/api_event/registrations",
        json={"registration_id": "api_reg", "status": "accepted", "metadata": {"name": "Kay"}},
    )
    assert put.status_code < 300, put.text
    read = tenant.http.get("/v1/bookable_events/api_event/registrations/api_reg").json()
    code = read["registration"]["ticket_code"]
    page = staff.get("/app/events/api_event/registrations/api_reg").text
    assert f'<code class="ticket-code">{code}</code>' in page
    found = staff.get("/app/door/api_event/find", params={"q": code}).json()
    assert [p["id"] for p in found["results"]] == ["api_reg"]
