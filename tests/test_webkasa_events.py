"""W1–W4 events on /api/v1: the spec's conformance lines K20–K28, K05 for events, and W4 rules."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest

from tests.builders import make_event
from tests.live import Tenant
from tests.webkasa import SPEC_EVENT, code, create_event, create_registration, detail_fields

UTC_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z\Z")


def total_events(tenant: Tenant) -> int:
    r = tenant.http.get("/api/v1/events")
    assert r.status_code == 200, r.text
    return int(r.json()["meta"]["total"])


def listed_ids(tenant: Tenant, **params: str) -> list[str]:
    r = tenant.http.get("/api/v1/events", params=params)
    assert r.status_code == 200, r.text
    return [e["id"] for e in r.json()["data"]]


def v1_event(tenant: Tenant, event_id: str) -> dict[str, Any]:
    r = tenant.http.get(f"/v1/bookable_events/{event_id}")
    assert r.status_code == 200, r.text
    return dict(r.json())


def patch(tenant: Tenant, event_id: str, **fields: Any) -> dict[str, Any]:
    r = tenant.http.patch(f"/api/v1/events/{event_id}", json=fields)
    assert r.status_code == 200, r.text
    return dict(r.json()["data"])


def read(tenant: Tenant, event_id: str) -> dict[str, Any]:
    r = tenant.http.get(f"/api/v1/events/{event_id}")
    assert r.status_code == 200, r.text
    return dict(r.json()["data"])


# W3 create


def test_minimal_create_is_a_one_hour_utc_draft_at_midnight(tenant: Tenant) -> None:  # K20
    r = tenant.http.post("/api/v1/events", json={"title": "T", "start_date": "2024-05-01"})
    assert r.status_code == 201, r.text
    event = r.json()["data"]
    assert re.fullmatch(r"evt_[A-Za-z0-9]{16,}", event["id"])
    assert len(event["id"]) <= 64
    assert r.headers["location"] == (
        tenant.server.settings.base_url + f"/api/v1/events/{event['id']}"
    )
    assert event["status"] == "draft"
    assert (event["start_date"], event["start_time"]) == ("2024-05-01", "00:00")
    assert (event["end_date"], event["end_time"]) == ("2024-05-01", "01:00")
    assert event["timezone"] == "UTC"
    assert event["slots"] is None


def test_spec_example_creates_the_spec_body(tenant: Tenant) -> None:  # K21
    r = tenant.http.post("/api/v1/events", json=SPEC_EVENT)
    assert r.status_code == 201, r.text
    assert r.headers["content-type"] == "application/json; charset=utf-8"
    event = r.json()["data"]
    assert re.fullmatch(r"evt_[A-Za-z0-9]{16,}", event["id"])
    assert UTC_TIME.match(event["created_at"])
    assert UTC_TIME.match(event["updated_at"])
    rest = {k: v for k, v in event.items() if k not in ("id", "created_at", "updated_at")}
    assert rest == {
        "title": "Monthly Meditation",
        "description": None,
        "start_date": "2024-02-15",
        "start_time": "19:00",
        "end_time": "21:00",
        "end_date": "2024-02-15",
        "timezone": "America/Los_Angeles",
        "location": "Community Center",
        "cost": 25.0,
        "slots": 30,
        "status": "published",
    }
    assert isinstance(event["cost"], float)
    assert r.headers["location"].endswith(f"/api/v1/events/{event['id']}")


def test_spec_example_shows_its_utc_instants_on_v1(tenant: Tenant) -> None:  # K21
    event_id = tenant.http.post("/api/v1/events", json=SPEC_EVENT).json()["data"]["id"]
    v1 = v1_event(tenant, event_id)
    assert (v1["start"], v1["end"]) == ("2024-02-16T03:00:00Z", "2024-02-16T05:00:00Z")
    assert v1["status"] == "confirmed"
    assert v1["registration"]["capacity"] == 30


VALID = {"title": "T", "start_date": "2030-05-01", "start_time": "18:00"}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("title", None),  # None: leave the field out
        ("start_date", "2024-02-30"),
        ("start_time", "7pm"),
        ("start_time", "9:00"),
        ("timezone", "Mars/Base"),
        ("slots", 0),
        ("slots", 2.5),
        ("slots", "30"),
        ("status", "live"),
        ("cost", -1),
        ("cost", 1.234),
    ],
)
def test_bad_field_is_refused_and_named(tenant: Tenant, field: str, value: object) -> None:  # K22
    create_event(tenant.http)
    body = dict(VALID)
    if value is None:
        body.pop(field)
    else:
        body[field] = value
    r = tenant.http.post("/api/v1/events", json=body)
    assert r.status_code == 422, r.text
    assert code(r) == "VALIDATION_ERROR"
    assert detail_fields(r) == {field}
    assert total_events(tenant) == 1


def test_every_bad_field_is_reported_at_once(tenant: Tenant) -> None:  # K22
    body = {
        "start_date": "2024-02-30",
        "start_time": "9:00",
        "timezone": "Mars/Base",
        "slots": 0,
        "status": "live",
        "cost": -1,
    }
    r = tenant.http.post("/api/v1/events", json=body)
    assert r.status_code == 422
    assert code(r) == "VALIDATION_ERROR"
    assert detail_fields(r) == {"title", *body}
    assert total_events(tenant) == 0


def test_end_before_start_without_end_date_is_refused(tenant: Tenant) -> None:  # K23
    body = {**VALID, "start_time": "22:00", "end_time": "01:00"}
    r = tenant.http.post("/api/v1/events", json=body)
    assert r.status_code == 422
    assert detail_fields(r) == {"end_time"}
    assert total_events(tenant) == 0


def test_end_date_on_the_next_day_crosses_midnight(tenant: Tenant) -> None:  # K23
    body = {**VALID, "start_time": "22:00", "end_time": "01:00", "end_date": "2030-05-02"}
    r = tenant.http.post("/api/v1/events", json={**body, "status": "published"})
    assert r.status_code == 201, r.text
    event = r.json()["data"]
    assert (event["start_date"], event["start_time"]) == ("2030-05-01", "22:00")
    assert (event["end_date"], event["end_time"]) == ("2030-05-02", "01:00")
    v1 = v1_event(tenant, event["id"])
    assert (v1["start"], v1["end"]) == ("2030-05-01T22:00:00Z", "2030-05-02T01:00:00Z")


def test_end_date_without_end_time_is_refused(tenant: Tenant) -> None:  # K23
    r = tenant.http.post("/api/v1/events", json={**VALID, "end_date": "2030-05-02"})
    assert r.status_code == 422
    assert "end_date" in detail_fields(r)
    assert total_events(tenant) == 0


def test_local_time_in_a_dst_gap_is_refused(tenant: Tenant) -> None:  # K24
    body = {**VALID, "start_date": "2024-03-10", "start_time": "02:30"}
    r = tenant.http.post("/api/v1/events", json={**body, "timezone": "America/New_York"})
    assert r.status_code == 422
    assert code(r) == "VALIDATION_ERROR"
    assert detail_fields(r) == {"start_time"}


def test_ambiguous_local_time_means_the_earlier_instant(tenant: Tenant) -> None:  # K24
    event = create_event(
        tenant.http, start_date="2024-11-03", start_time="01:30", timezone="America/New_York"
    )
    assert (event["start_date"], event["start_time"]) == ("2024-11-03", "01:30")
    assert v1_event(tenant, event["id"])["start"] == "2024-11-03T05:30:00Z"


# W1 list


def test_status_filter_lists_only_that_status(tenant: Tenant) -> None:  # K25
    published = create_event(tenant.http)["id"]
    draft = create_event(tenant.http, status="draft")["id"]
    cancelled = create_event(tenant.http, status="cancelled")["id"]
    assert listed_ids(tenant, status="draft") == [draft]
    assert listed_ids(tenant, status="published") == [published]
    assert listed_ids(tenant, status="cancelled") == [cancelled]
    assert set(listed_ids(tenant)) == {published, draft, cancelled}


def test_unknown_status_filter_is_refused(tenant: Tenant) -> None:  # K25
    r = tenant.http.get("/api/v1/events", params={"status": "live"})
    assert r.status_code == 422
    assert detail_fields(r) == {"status"}


def _past_current_future(tenant: Tenant) -> tuple[str, str, str]:
    today = dt.datetime.now(dt.UTC).date()
    past = create_event(tenant.http, start_date="2020-01-01")["id"]
    current = create_event(
        tenant.http,
        start_date=(today - dt.timedelta(days=1)).isoformat(),
        start_time="00:00",
        end_date=(today + dt.timedelta(days=1)).isoformat(),
        end_time="23:00",
    )["id"]
    future = create_event(tenant.http, start_date="2099-01-01")["id"]
    return past, current, future


def test_upcoming_lists_events_that_have_not_ended(tenant: Tenant) -> None:  # K25
    _past, current, future = _past_current_future(tenant)
    assert listed_ids(tenant, upcoming="true") == [current, future]


def test_past_lists_only_ended_events(tenant: Tenant) -> None:  # K25
    past, _current, _future = _past_current_future(tenant)
    assert listed_ids(tenant, past="true") == [past]


def test_upcoming_and_past_together_are_refused(tenant: Tenant) -> None:  # K25
    create_event(tenant.http)
    r = tenant.http.get("/api/v1/events", params={"upcoming": "true", "past": "true"})
    assert r.status_code == 422
    assert code(r) == "VALIDATION_ERROR"


def test_false_upcoming_and_past_filter_nothing(tenant: Tenant) -> None:  # K25
    ids = set(_past_current_future(tenant))
    assert set(listed_ids(tenant, upcoming="false", past="false")) == ids


@pytest.mark.parametrize(
    ("start_time", "timezone"), [("00:00", "UTC"), ("23:30", "America/Los_Angeles")]
)
@pytest.mark.parametrize(
    ("params", "days"),
    [
        ({"start_date": "2030-01-02"}, ["2030-01-02", "2030-01-03"]),
        ({"end_date": "2030-01-02"}, ["2030-01-01", "2030-01-02"]),
        ({"start_date": "2030-01-02", "end_date": "2030-01-02"}, ["2030-01-02"]),
    ],
)
def test_date_bounds_are_inclusive_local_start_days(
    tenant: Tenant, start_time: str, timezone: str, params: dict[str, str], days: list[str]
) -> None:  # K25
    by_day = {
        day: create_event(tenant.http, start_date=day, start_time=start_time, timezone=timezone)[
            "id"
        ]
        for day in ("2030-01-03", "2030-01-01", "2030-01-02")
    }
    r = tenant.http.get("/api/v1/events", params=params)
    assert r.status_code == 200
    assert [e["id"] for e in r.json()["data"]] == [by_day[d] for d in days]
    assert r.json()["meta"]["total"] == len(days)


def test_include_counts_adds_counts(tenant: Tenant) -> None:  # K25
    limited = create_event(tenant.http, slots=10)["id"]
    unlimited = create_event(tenant.http, start_date="2030-05-02")["id"]
    assert create_registration(tenant.http, limited, guest_count=2).status_code == 201
    r = tenant.http.get("/api/v1/events", params={"include_counts": "true"})
    assert r.status_code == 200
    counts = {e["id"]: e["counts"] for e in r.json()["data"]}
    assert counts == {
        limited: {"registrations": 1, "seats_taken": 3, "seats_available": 7, "checked_in": 0},
        unlimited: {
            "registrations": 0,
            "seats_taken": 0,
            "seats_available": None,
            "checked_in": 0,
        },
    }


def test_without_include_counts_there_are_no_counts(tenant: Tenant) -> None:  # K25
    create_event(tenant.http, slots=10)
    for params in ({}, {"include_counts": "false"}):
        data = tenant.http.get("/api/v1/events", params=params).json()["data"]
        assert len(data) == 1
        assert "counts" not in data[0]


def test_site_id_is_ignored(tenant: Tenant) -> None:  # K25
    ids = [create_event(tenant.http, start_date=f"2030-05-0{d}")["id"] for d in (1, 2)]
    r = tenant.http.get("/api/v1/events", params={"site_id": "x"})
    assert r.status_code == 200
    assert [e["id"] for e in r.json()["data"]] == ids
    assert r.json()["meta"]["total"] == 2


def test_total_counts_the_matching_events(tenant: Tenant) -> None:  # K25
    for _ in range(3):
        create_event(tenant.http, status="draft")
    create_event(tenant.http)
    r = tenant.http.get("/api/v1/events", params={"status": "draft", "limit": "1"})
    assert r.status_code == 200
    assert len(r.json()["data"]) == 1
    assert r.json()["meta"] == {"total": 3, "limit": 1, "offset": 0, "hasMore": True}


def test_events_are_listed_by_start_instant(tenant: Tenant) -> None:  # K25
    # Local dates and creation order both disagree with the order of the instants.
    late = create_event(
        tenant.http, start_date="2029-12-31", start_time="23:00", timezone="America/Los_Angeles"
    )["id"]  # 2030-01-01T07:00Z
    middle = create_event(tenant.http, start_date="2030-01-01", start_time="00:00")["id"]
    early = create_event(
        tenant.http, start_date="2030-01-01", start_time="10:00", timezone="Pacific/Auckland"
    )["id"]  # 2029-12-31T21:00Z
    assert listed_ids(tenant) == [early, middle, late]


def test_limit_and_offset_page_through_events(tenant: Tenant) -> None:  # K25
    ids = [create_event(tenant.http, start_date=f"2030-05-0{d}")["id"] for d in range(1, 6)]
    pages = [
        ({"limit": "2"}, ids[0:2], True),
        ({"limit": "2", "offset": "2"}, ids[2:4], True),
        ({"limit": "2", "offset": "3"}, ids[3:5], False),
        ({"limit": "2", "offset": "4"}, ids[4:5], False),
        ({"offset": "5"}, [], False),
    ]
    for params, expected, has_more in pages:
        r = tenant.http.get("/api/v1/events", params=params)
        assert r.status_code == 200
        assert [e["id"] for e in r.json()["data"]] == expected, params
        meta = r.json()["meta"]
        assert meta["total"] == 5
        assert meta["offset"] == int(params.get("offset", "0"))
        assert meta["limit"] == int(params.get("limit", "50"))
        assert meta["hasMore"] is has_more, params


@pytest.mark.parametrize(("text", "upcoming"), [("1", True), ("0", False), ("TRUE", True)])
def test_booleans_accept_one_zero_and_any_case(
    tenant: Tenant, text: str, upcoming: bool
) -> None:  # K25
    past = create_event(tenant.http, start_date="2020-01-01")["id"]
    future = create_event(tenant.http, start_date="2099-01-01")["id"]
    expected = [future] if upcoming else [past, future]
    assert listed_ids(tenant, upcoming=text) == expected
    data = tenant.http.get("/api/v1/events", params={"include_counts": text}).json()["data"]
    assert all(("counts" in e) is upcoming for e in data)


@pytest.mark.parametrize("name", ["upcoming", "past", "include_counts"])
def test_boolean_yes_is_refused(tenant: Tenant, name: str) -> None:  # K25
    r = tenant.http.get("/api/v1/events", params={name: "yes"})
    assert r.status_code == 422
    assert code(r) == "VALIDATION_ERROR"
    assert detail_fields(r) == {name}


# W4 update


def test_lowering_slots_below_seats_taken_evicts_nobody_and_refuses_new_seats(
    tenant: Tenant,
) -> None:  # K26
    event_id = create_event(tenant.http, slots=5)["id"]
    r = create_registration(tenant.http, event_id, "a@example.com", guest_count=2)
    assert r.status_code == 201
    assert create_registration(tenant.http, event_id, "b@example.com").status_code == 201
    before = tenant.http.get(f"/api/v1/events/{event_id}/registrations").json()["data"]
    assert patch(tenant, event_id, slots=2)["slots"] == 2
    after = tenant.http.get(f"/api/v1/events/{event_id}/registrations").json()["data"]
    assert after == before
    counts = tenant.http.get(f"/api/v1/events/{event_id}", params={"include_counts": "1"})
    assert counts.json()["data"]["counts"]["seats_taken"] == 4
    assert counts.json()["data"]["counts"]["seats_available"] == 0
    r = create_registration(tenant.http, event_id, "c@example.com")
    assert r.status_code == 409
    assert code(r) == "EVENT_FULL"


def test_status_maps_onto_v1_status(tenant: Tenant) -> None:  # K27
    event_id = create_event(tenant.http, status="draft")["id"]
    r = tenant.http.get(f"/v1/bookable_events/{event_id}")
    assert r.status_code == 404
    assert patch(tenant, event_id, status="published")["status"] == "published"
    assert v1_event(tenant, event_id)["status"] == "confirmed"
    assert patch(tenant, event_id, status="cancelled")["status"] == "cancelled"
    assert v1_event(tenant, event_id)["status"] == "cancelled"
    assert patch(tenant, event_id, status="draft")["status"] == "draft"
    assert tenant.http.get(f"/v1/bookable_events/{event_id}").status_code == 404


def test_v1_event_reads_as_published_untitled_utc(tenant: Tenant) -> None:  # K28
    make_event(tenant.http, "be_1", capacity=5)  # 2030-01-24 12:30–17:00 UTC
    event = read(tenant, "be_1")
    assert event["status"] == "published"
    assert event["title"] is None
    assert event["timezone"] == "UTC"
    assert (event["start_date"], event["start_time"]) == ("2030-01-24", "12:30")
    assert (event["end_date"], event["end_time"]) == ("2030-01-24", "17:00")
    assert event["slots"] == 5
    assert (event["description"], event["location"], event["cost"]) == (None, None, None)


def test_v1_event_with_seconds_reads_without_them(tenant: Tenant) -> None:  # K28
    make_event(tenant.http, "be_1", start="2030-01-24T23:59:59Z", end="2030-01-25T00:30:15Z")
    event = read(tenant, "be_1")
    assert (event["start_date"], event["start_time"]) == ("2030-01-24", "23:59")
    assert (event["end_date"], event["end_time"]) == ("2030-01-25", "00:30")


def test_v1_cancelled_event_reads_cancelled(tenant: Tenant) -> None:  # K28
    make_event(tenant.http, "be_1", status="cancelled")
    assert read(tenant, "be_1")["status"] == "cancelled"


def test_patch_title_null_is_refused(tenant: Tenant) -> None:  # W4
    event = create_event(tenant.http)
    r = tenant.http.patch(f"/api/v1/events/{event['id']}", json={"title": None})
    assert r.status_code == 422
    assert code(r) == "VALIDATION_ERROR"
    assert detail_fields(r) == {"title"}
    assert read(tenant, event["id"])["title"] == "T"


@pytest.mark.parametrize("field", ["description", "location", "cost"])
def test_patch_null_clears_optional_field(tenant: Tenant, field: str) -> None:  # W4
    event = create_event(tenant.http, description="D", location="L", cost=5.5)
    assert event[field] is not None
    assert patch(tenant, event["id"], **{field: None})[field] is None
    after = read(tenant, event["id"])
    assert after[field] is None
    others = {"description": "D", "location": "L", "cost": 5.5}
    del others[field]
    assert {k: after[k] for k in others} == others


def test_patch_slots_null_makes_the_event_unlimited(tenant: Tenant) -> None:  # W4
    event_id = create_event(tenant.http, slots=1)["id"]
    assert create_registration(tenant.http, event_id, "a@example.com").status_code == 201
    assert patch(tenant, event_id, slots=None)["slots"] is None
    assert v1_event(tenant, event_id)["registration"]["capacity"] is None
    r = create_registration(tenant.http, event_id, "b@example.com", guest_count=50)
    assert r.status_code == 201


def test_patch_end_time_null_ends_an_hour_after_start(tenant: Tenant) -> None:  # W4
    event_id = create_event(tenant.http, start_time="18:00", end_time="21:00")["id"]
    event = patch(tenant, event_id, end_time=None)
    assert (event["start_date"], event["start_time"]) == ("2030-05-01", "18:00")
    assert (event["end_date"], event["end_time"]) == ("2030-05-01", "19:00")
    v1 = v1_event(tenant, event_id)
    assert (v1["start"], v1["end"]) == ("2030-05-01T18:00:00Z", "2030-05-01T19:00:00Z")


def test_patch_end_time_null_after_midnight_crossing(tenant: Tenant) -> None:  # W4
    event_id = create_event(
        tenant.http, start_time="23:30", end_date="2030-05-02", end_time="02:00"
    )["id"]
    event = patch(tenant, event_id, end_time=None)
    assert (event["end_date"], event["end_time"]) == ("2030-05-02", "00:30")


def test_patch_start_date_moves_the_end_by_as_many_days(tenant: Tenant) -> None:  # W4
    event_id = create_event(
        tenant.http, start_time="22:00", end_date="2030-05-02", end_time="01:00"
    )["id"]
    event = patch(tenant, event_id, start_date="2030-05-10")
    assert (event["start_date"], event["start_time"]) == ("2030-05-10", "22:00")
    assert (event["end_date"], event["end_time"]) == ("2030-05-11", "01:00")
    v1 = v1_event(tenant, event_id)
    assert (v1["start"], v1["end"]) == ("2030-05-10T22:00:00Z", "2030-05-11T01:00:00Z")


def test_patch_timezone_keeps_local_times_and_moves_instants(tenant: Tenant) -> None:  # W4
    event_id = create_event(tenant.http, start_time="18:00", end_time="20:00")["id"]
    v1 = v1_event(tenant, event_id)
    assert (v1["start"], v1["end"]) == ("2030-05-01T18:00:00Z", "2030-05-01T20:00:00Z")
    event = patch(tenant, event_id, timezone="Europe/Berlin")
    assert event["timezone"] == "Europe/Berlin"
    assert (event["start_date"], event["start_time"]) == ("2030-05-01", "18:00")
    assert (event["end_date"], event["end_time"]) == ("2030-05-01", "20:00")
    v1 = v1_event(tenant, event_id)
    assert (v1["start"], v1["end"]) == ("2030-05-01T16:00:00Z", "2030-05-01T18:00:00Z")


def test_patch_unknown_event_is_not_found(tenant: Tenant) -> None:  # W4
    r = tenant.http.patch("/api/v1/events/evt_nope", json={"title": "X"})
    assert r.status_code == 404
    assert code(r) == "NOT_FOUND"
    assert total_events(tenant) == 0


@pytest.mark.parametrize("body", [b"", b"{}"])
def test_patch_with_empty_body_changes_nothing(tenant: Tenant, body: bytes) -> None:  # W4
    event = create_event(tenant.http, slots=3, cost=1.5, description="D")
    r = tenant.http.patch(
        f"/api/v1/events/{event['id']}",
        content=body,
        headers={"Content-Type": "application/json"},
    )
    assert r.status_code == 200, r.text
    assert r.json()["data"] == event
    assert read(tenant, event["id"]) == event


# Tenancy, unknown ids and routes


def test_other_tenants_event_is_not_found(tenant: Tenant, other_tenant: Tenant) -> None:  # K05
    event = create_event(tenant.http)
    for r in (
        other_tenant.http.get(f"/api/v1/events/{event['id']}"),
        other_tenant.http.patch(f"/api/v1/events/{event['id']}", json={"title": "Stolen"}),
    ):
        assert r.status_code == 404
        assert code(r) == "NOT_FOUND"
    assert read(tenant, event["id"]) == event


def test_other_tenants_event_is_not_listed(tenant: Tenant, other_tenant: Tenant) -> None:  # K05
    create_event(tenant.http)
    mine = create_event(other_tenant.http)["id"]
    r = other_tenant.http.get("/api/v1/events")
    assert [e["id"] for e in r.json()["data"]] == [mine]
    assert r.json()["meta"]["total"] == 1


def test_unknown_event_is_not_found(tenant: Tenant) -> None:
    r = tenant.http.get("/api/v1/events/evt_doesnotexist000000")
    assert r.status_code == 404
    body = r.json()
    assert body["code"] == "NOT_FOUND"
    assert isinstance(body["error"], str) and body["error"]
    assert "data" not in body


@pytest.mark.parametrize("path", ["/api/v1/bookings", "/api/v1/users", "/api/v1/events/x/posts"])
def test_unknown_path_is_not_found(tenant: Tenant, path: str) -> None:
    r = tenant.http.get(path)
    assert r.status_code == 404
    assert code(r) == "NOT_FOUND"


def test_deleting_an_event_is_not_allowed(tenant: Tenant) -> None:
    event = create_event(tenant.http)
    r = tenant.http.delete(f"/api/v1/events/{event['id']}")
    assert r.status_code == 405
    assert code(r) == "METHOD_NOT_ALLOWED"
    assert read(tenant, event["id"]) == event


def test_null_optional_fields_on_create_mean_their_defaults(tenant: Tenant) -> None:
    r = tenant.http.post(
        "/api/v1/events",
        json={
            "title": "T",
            "start_date": "2030-05-01",
            "end_date": None,
            "timezone": None,
            "status": None,
        },
    )
    assert r.status_code == 201, r.text
    data = r.json()["data"]
    assert (data["timezone"], data["status"], data["end_time"]) == ("UTC", "draft", "01:00")


def test_event_status_is_case_insensitive(tenant: Tenant) -> None:
    r = tenant.http.post(
        "/api/v1/events", json={"title": "T", "start_date": "2030-05-01", "status": "Published"}
    )
    assert r.json()["data"]["status"] == "published"
