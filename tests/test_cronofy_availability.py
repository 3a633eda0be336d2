"""E7 availability: C50–C51."""

from __future__ import annotations

from tests.builders import error_key, make_event, register
from tests.live import Tenant
from turnout.core.events import EventChanges, put_event


def ask(tenant: Tenant, *ids: str):  # type: ignore[no-untyped-def]
    return tenant.http.post(
        "/v1/availability", json={"bookable_events": [{"bookable_event_id": i} for i in ids]}
    )


def test_only_open_events_with_seats_are_available(
    tenant: Tenant, other_tenant: Tenant
) -> None:  # C50
    make_event(tenant.http, "open", capacity=2)
    register(tenant.http, "open", "r1")
    make_event(tenant.http, "full", capacity=1)
    register(tenant.http, "full", "r1")
    make_event(tenant.http, "cancelled", status="cancelled")
    make_event(tenant.http, "ended", start="2020-01-01T10:00:00Z", end="2020-01-01T11:00:00Z")
    draft = EventChanges(start_at=1_900_000_000, end_at=1_900_003_600, status="draft")
    tenant.server.run(lambda store: put_event(store, tenant.id, "draft", draft))
    make_event(other_tenant.http, "theirs")
    r = ask(tenant, "open", "full", "cancelled", "ended", "draft", "unknown", "theirs", "open")
    assert r.status_code == 200
    assert r.json() == {
        "available_bookable_events": [
            {
                "bookable_event_id": "open",
                "start": "2030-01-24T12:30:00Z",
                "end": "2030-01-24T17:00:00Z",
                "registration": {"capacity": 2, "registered_count": 1, "seats_taken": 1},
            }
        ]
    }


def test_results_follow_request_order(tenant: Tenant) -> None:
    make_event(tenant.http, "a")
    make_event(tenant.http, "b")
    ids = [
        e["bookable_event_id"] for e in ask(tenant, "b", "a").json()["available_bookable_events"]
    ]
    assert ids == ["b", "a"]


def test_nothing_available_is_an_empty_list(tenant: Tenant) -> None:
    assert ask(tenant, "nope").json() == {"available_bookable_events": []}


def test_missing_list_is_required(tenant: Tenant) -> None:  # C51
    r = tenant.http.post("/v1/availability", json={})
    assert r.status_code == 422
    assert error_key(r, "bookable_events") == "errors.required"


def test_more_than_100_is_too_many(tenant: Tenant) -> None:  # C51
    r = ask(tenant, *[f"e{i}" for i in range(101)])
    assert r.status_code == 422
    assert error_key(r, "bookable_events") == "errors.too_many"


def test_malformed_items_are_invalid(tenant: Tenant) -> None:
    r = tenant.http.post("/v1/availability", json={"bookable_events": ["x"]})
    assert error_key(r, "bookable_events") == "errors.invalid"
