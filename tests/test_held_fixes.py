"""Regression tests for the inconsistencies issue 9 held, on both databases."""

from __future__ import annotations

from tests.builders import error_key, make_event, register
from tests.live import Tenant
from tests.webkasa import create_event, create_registration


def test_an_over_long_phone_is_too_long_like_an_over_long_email(tenant: Tenant) -> None:
    event = create_event(tenant.http)
    r = create_registration(
        tenant.http, event["id"], email="a" * 251 + "@x.org", attendee_phone="1" * 257
    )
    assert r.status_code == 422
    codes = {d["field"]: d["code"] for d in r.json()["details"]}
    assert codes == {"attendee_email": "too_long", "attendee_phone": "too_long"}


def test_slots_above_32_bits_say_the_range(tenant: Tenant) -> None:
    r = tenant.http.post(
        "/api/v1/events", json={"title": "T", "start_date": "2030-05-01", "slots": 2**31}
    )
    assert r.status_code == 422
    assert r.json()["details"] == [
        {
            "field": "slots",
            "code": "out_of_range",
            "message": "slots must be between 1 and 2147483647",
        }
    ]


def test_v1_raising_guest_count_past_capacity_is_reported_on_guest_count(tenant: Tenant) -> None:
    make_event(tenant.http, "be_1", capacity=3)
    assert register(tenant.http, "be_1", "r1", "accepted", guest_count=1).status_code == 200
    r = register(tenant.http, "be_1", "r1", "accepted", guest_count=3)
    assert r.status_code == 422
    assert error_key(r, "guest_count") == "errors.capacity_reached"
    assert "status" not in r.json()["errors"]
    r = register(tenant.http, "be_1", "r2", "accepted", guest_count=5)  # a new party: its status
    assert error_key(r, "status") == "errors.capacity_reached"


def test_api_v1_404s_name_what_is_missing(tenant: Tenant) -> None:
    event = create_event(tenant.http)
    r = tenant.http.get("/api/v1/events/evt_nope")
    assert (r.status_code, r.json()["error"]) == (404, "Event not found")
    r = tenant.http.get(f"/api/v1/events/{event['id']}/registrations/reg_nope")
    message = "Registration not found in this event"
    assert (r.status_code, r.json()["error"]) == (404, message)


def test_api_v1_capacity_refusal_names_the_field_that_asked(tenant: Tenant) -> None:
    event = create_event(tenant.http, slots=2)
    first = create_registration(tenant.http, event["id"], status="CONFIRMED", guest_count=1)
    rid = first.json()["data"]["id"]
    path = f"/api/v1/events/{event['id']}/registrations/{rid}"
    assert tenant.http.patch(path, json={"status": "CANCELLED"}).status_code == 200
    other = create_registration(tenant.http, event["id"], "b@example.com", status="CONFIRMED")
    assert other.status_code == 201
    r = tenant.http.patch(path, json={"status": "CONFIRMED"})
    assert (r.status_code, r.json()["details"][0]["field"]) == (409, "status")
    r = create_registration(tenant.http, event["id"], "c@example.com", guest_count=3)
    assert (r.status_code, r.json()["details"][0]["field"]) == (409, "guest_count")
