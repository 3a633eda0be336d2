"""Hostile values — at the edges of the calendar, in other scripts' digits, with NUL characters —
are refused with the surface's 4xx or shown correctly, never a 500, on both databases."""

from __future__ import annotations

import pytest

from tests.builders import event_body, make_event, register
from tests.cronofy_errors import cronofy_body
from tests.live import Tenant
from tests.webkasa import code, create_event


@pytest.mark.parametrize(
    ("start", "end"),
    [
        ("9999-12-31T23:00:00Z", "9999-12-31T23:59:59-05:00"),  # the end is in year 10000 in UTC
        ("0001-01-01T00:30:00+05:00", "0001-01-01T10:00:00Z"),  # the start is before year 1 in UTC
    ],
)
def test_v1_times_outside_years_1_to_9999_are_refused(tenant: Tenant, start: str, end: str) -> None:
    r = tenant.http.post("/v1/bookable_events", json=event_body("edge", start=start, end=end))
    assert r.status_code == 422, r.text
    assert tenant.http.get("/v1/bookable_events/edge").status_code == 404


@pytest.mark.parametrize(
    "fields",
    [
        {"start_date": "9999-12-31", "start_time": "23:30"},  # the default hour ends in year 10000
        {"start_date": "9999-12-31", "start_time": "22:00", "timezone": "Pacific/Kiritimati"},
        {"start_date": "0001-01-01", "start_time": "00:10", "timezone": "Asia/Tokyo"},
    ],
)
def test_webkasa_schedules_outside_years_1_to_9999_are_refused(
    tenant: Tenant, fields: dict[str, str]
) -> None:
    r = tenant.http.post("/api/v1/events", json={"title": "T", **fields})
    assert r.status_code == 422, r.text
    assert r.json()["code"] == "VALIDATION_ERROR"
    assert tenant.http.get("/api/v1/events").json()["meta"]["total"] == 0


def test_years_before_1000_are_shown_with_four_digits(tenant: Tenant) -> None:
    start, end = "0692-02-18T10:00:00Z", "0692-02-18T11:00:00Z"
    event = make_event(tenant.http, "ancient", start=start, end=end)
    assert (event["start"], event["end"]) == (start, end)
    data = tenant.http.get("/api/v1/events/ancient").json()["data"]
    assert (data["start_date"], data["end_date"]) == ("0692-02-18", "0692-02-18")


@pytest.mark.parametrize("start", ["٢٠٣٠-01-24T12:30:00Z", "2030-01-24T١٢:30:00Z"])
def test_v1_times_in_other_scripts_digits_are_refused(tenant: Tenant, start: str) -> None:
    r = tenant.http.post("/v1/bookable_events", json=event_body("digits", start=start))
    assert r.status_code == 422, r.text
    assert list(r.json()["errors"]) == ["start"]


def test_webkasa_times_and_numbers_in_other_scripts_digits_are_refused(tenant: Tenant) -> None:
    r = tenant.http.post(
        "/api/v1/events", json={"title": "T", "start_date": "2030-05-01", "start_time": "١٢:٣٠"}
    )
    assert (r.status_code, code(r)) == (422, "VALIDATION_ERROR")
    r = tenant.http.get("/api/v1/events", params={"limit": "٣"})
    assert (r.status_code, code(r)) == (422, "VALIDATION_ERROR")


def test_nul_characters_in_bodies_are_refused(tenant: Tenant) -> None:
    # PostgreSQL cannot store U+0000 in text; both databases refuse it, naming the field.
    make_event(tenant.http, "nul")
    r = register(tenant.http, "nul", "r1", metadata={"email": "a\x00@example.com"})
    assert r.status_code == 422, r.text
    assert list(r.json()["errors"]) == ["metadata"]
    r = tenant.http.post("/api/v1/events", json={"title": "a\x00", "start_date": "2030-05-01"})
    assert r.status_code == 422, r.text
    assert [d["field"] for d in r.json()["details"]] == ["title"]


def test_ids_that_cannot_exist_are_not_found(tenant: Tenant) -> None:
    make_event(tenant.http, "nul")
    event = create_event(tenant.http)
    for path in (
        "/v1/bookable_events/nul%00",
        "/v1/bookable_events/nul/registrations/r%00",
        f"/api/v1/events/{event['id']}%00",
        f"/api/v1/events/{event['id']}/registrations/r%00",
    ):
        assert tenant.http.get(path).status_code == 404, path
    r = tenant.http.patch(f"/api/v1/events/{event['id']}%00", json={"title": "x"})
    assert (r.status_code, code(r)) == (404, "NOT_FOUND")
    r = tenant.http.delete("/v1/bookable_events/nul/registrations/r%00")
    assert (r.status_code, cronofy_body(r)) == (404, {})
    r = tenant.http.post(
        "/v1/availability", json={"bookable_events": [{"bookable_event_id": "nul\x00"}]}
    )
    assert r.status_code == 422, r.text
    assert list(r.json()["errors"]) == ["bookable_events"]


@pytest.mark.parametrize("body", [b" ", b"\x0b"])
def test_a_blank_body_is_malformed_not_empty(tenant: Tenant, body: bytes) -> None:
    event = create_event(tenant.http)
    r = tenant.http.patch(f"/api/v1/events/{event['id']}", content=body)
    assert (r.status_code, code(r)) == (422, "VALIDATION_ERROR")
    assert tenant.http.patch(f"/api/v1/events/{event['id']}", content=b"").status_code == 200
