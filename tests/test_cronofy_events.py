"""E1 event upsert: the spec's conformance lines C10–C18."""

from __future__ import annotations

import pytest

from tests.builders import END, START, counters, error_key, event_body, make_event, register
from tests.live import Tenant

SPEC_EXAMPLE = {
    "bookable_event_id": "83hi8qhfiaif",
    "start": "2025-01-24T12:30:00Z",
    "end": "2025-01-24T17:00:00Z",
    "status": "confirmed",
    "registration": {"capacity": 5},
}


def test_spec_example_creates_the_event_with_that_body(tenant: Tenant) -> None:  # C10
    r = tenant.http.post("/v1/bookable_events", json=SPEC_EXAMPLE)
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/json; charset=utf-8"
    assert r.json() == {
        "bookable_event_id": "83hi8qhfiaif",
        "start": "2025-01-24T12:30:00Z",
        "end": "2025-01-24T17:00:00Z",
        "status": "confirmed",
        "timezone": "UTC",
        "registration": {
            "capacity": 5,
            "registered_count": 0,
            "total_count": 0,
            "seats_taken": 0,
            "registrations": [],
        },
    }


def test_reupsert_replaces_times_and_capacity_and_keeps_registrations(
    tenant: Tenant,
) -> None:  # C11
    make_event(tenant.http, "be_1", capacity=5)
    assert register(tenant.http, "be_1", "r1").status_code == 200
    body = event_body("be_1", 10, start="2030-02-01T10:00:00Z", end="2030-02-01T11:00:00Z")
    r = tenant.http.post("/v1/bookable_events", json=body)
    assert r.status_code == 200
    event = r.json()
    assert (event["start"], event["end"]) == ("2030-02-01T10:00:00Z", "2030-02-01T11:00:00Z")
    assert event["registration"]["capacity"] == 10
    assert event["registration"]["registered_count"] == 1
    assert [x["registration_id"] for x in event["registration"]["registrations"]] == ["r1"]


def test_reupsert_without_registration_keeps_capacity(tenant: Tenant) -> None:  # C12
    make_event(tenant.http, "be_1", capacity=5)
    assert make_event(tenant.http, "be_1")["registration"]["capacity"] == 5


def test_reupsert_with_null_capacity_makes_it_unlimited(tenant: Tenant) -> None:  # C12
    make_event(tenant.http, "be_1", capacity=5)
    event = make_event(tenant.http, "be_1", registration={"capacity": None})
    assert event["registration"]["capacity"] is None


def test_reupsert_cancelled_keeps_registrations(tenant: Tenant) -> None:  # C12
    make_event(tenant.http, "be_1", capacity=5)
    register(tenant.http, "be_1", "r1")
    event = make_event(tenant.http, "be_1", status="cancelled")
    assert event["status"] == "cancelled"
    assert event["registration"]["registered_count"] == 1


def test_capacity_over_cronofy_plan_limit_is_accepted(tenant: Tenant) -> None:  # C13
    assert make_event(tenant.http, "be_1", capacity=257)["registration"]["capacity"] == 257


@pytest.mark.parametrize(
    ("capacity", "key"),
    [
        (0, "errors.out_of_range"),
        (2147483648, "errors.out_of_range"),
        ("5", "errors.must_be_integer"),
        (5.0, "errors.must_be_integer"),
        (True, "errors.must_be_integer"),
    ],
)
def test_bad_capacity_is_refused(tenant: Tenant, capacity: object, key: str) -> None:  # C13
    r = tenant.http.post(
        "/v1/bookable_events", json=event_body("be_1", registration={"capacity": capacity})
    )
    assert r.status_code == 422
    assert error_key(r, "registration.capacity") == key
    assert tenant.http.get("/v1/bookable_events/be_1").status_code == 404


def test_missing_start_is_required(tenant: Tenant) -> None:  # C14
    body = event_body("be_1")
    del body["start"]
    r = tenant.http.post("/v1/bookable_events", json=body)
    assert r.status_code == 422
    assert error_key(r, "start") == "errors.required"


def test_draft_status_is_not_accepted_here(tenant: Tenant) -> None:  # C14
    r = tenant.http.post("/v1/bookable_events", json=event_body("be_1", status="draft"))
    assert r.status_code == 422
    assert error_key(r, "status") == "errors.invalid"


def test_every_field_error_is_reported_together(tenant: Tenant) -> None:
    r = tenant.http.post("/v1/bookable_events", json={"bookable_event_id": "a.b", "status": "x"})
    assert r.status_code == 422
    assert set(r.json()["errors"]) == {"bookable_event_id", "start", "end", "status"}


@pytest.mark.parametrize(
    ("event_id", "status", "key"),
    [("a.b", 422, "errors.invalid"), ("x" * 65, 422, "errors.too_long"), ("x" * 64, 200, None)],
)
def test_event_id_pattern_and_length(
    tenant: Tenant, event_id: str, status: int, key: str | None
) -> None:  # C15
    r = tenant.http.post("/v1/bookable_events", json=event_body(event_id))
    assert r.status_code == status
    if key:
        assert error_key(r, "bookable_event_id") == key


@pytest.mark.parametrize(
    ("start", "echoed"),
    [
        ("2030-01-24T12:30:00.000Z", "2030-01-24T12:30:00Z"),
        ("2030-01-24T12:30:00.123Z", "2030-01-24T12:30:00Z"),  # stored to the second
        ("2030-01-24T14:30:00+02:00", "2030-01-24T12:30:00Z"),
        ("2030-01-24T07:30:00-05:00", "2030-01-24T12:30:00Z"),
    ],
)
def test_times_are_normalised_to_utc(tenant: Tenant, start: str, echoed: str) -> None:  # C16
    assert make_event(tenant.http, "be_1", start=start)["start"] == echoed


@pytest.mark.parametrize(
    "start",
    [
        "2030-01-24T12:30:00.Z",
        "2030-01-24T12:30:00",
        "2030-01-24",
        "2030-01-24 12:30:00Z",
        1234,
        "2030-02-30T00:00:00Z",
    ],
)
def test_bad_times_are_refused(tenant: Tenant, start: object) -> None:  # C16
    r = tenant.http.post("/v1/bookable_events", json=event_body("be_1", start=start))
    assert r.status_code == 422
    assert error_key(r, "start") == "errors.invalid"


def test_end_equal_to_start_is_refused_on_end(tenant: Tenant) -> None:  # C16
    r = tenant.http.post("/v1/bookable_events", json=event_body("be_1", end=START))
    assert r.status_code == 422
    assert error_key(r, "end") == "errors.invalid"


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b"{not json", "application/json"),
        (b"[]", "application/json"),
        (b'"x"', "application/json"),
        (b'{"a": NaN}', "application/json"),
        (b"\xff\xfe", "application/json"),
        (b"[" * 20_000, "application/json"),
        (b"bookable_event_id=be_1&status=confirmed", "application/x-www-form-urlencoded"),
    ],
)
def test_malformed_bodies_are_invalid_json(
    tenant: Tenant, content: bytes, content_type: str
) -> None:  # C17
    r = tenant.http.post(
        "/v1/bookable_events", content=content, headers={"Content-Type": content_type}
    )
    assert r.status_code == 422
    assert error_key(r, "body") == "errors.invalid_json"


def test_unknown_keys_and_bearer_token_in_body_are_ignored(tenant: Tenant) -> None:  # C18
    event = make_event(tenant.http, "be_1", foo=1, bearer_token=tenant.key)
    assert "foo" not in event and "bearer_token" not in event


def test_body_without_content_type_is_parsed_as_json(tenant: Tenant) -> None:
    import json

    r = tenant.http.post("/v1/bookable_events", content=json.dumps(event_body("be_1")).encode())
    assert r.status_code == 200


def test_body_over_the_limit_is_413(tenant: Tenant) -> None:
    limit = tenant.server.settings.max_body_bytes
    r = tenant.http.post("/v1/bookable_events", json=event_body("be_1", pad="x" * limit))
    assert r.status_code == 413
    assert r.json() == {}


def test_identical_reupsert_changes_nothing(tenant: Tenant) -> None:
    first = make_event(tenant.http, "be_1", capacity=3)
    assert make_event(tenant.http, "be_1", capacity=3) == first
    assert counters(tenant.http, "be_1")["capacity"] == 3


def test_end_is_echoed(tenant: Tenant) -> None:
    assert make_event(tenant.http, "be_1")["end"] == END
