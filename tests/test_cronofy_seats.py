"""The seat rule (§7): C40–C45. The concurrency lines are in test_concurrency.py."""

from __future__ import annotations

from tests.builders import counters, error_key, make_event, register
from tests.live import Tenant


def full_event(tenant: Tenant) -> None:
    make_event(tenant.http, "be_1", capacity=2)
    assert register(tenant.http, "be_1", "r1", "accepted").status_code == 200
    assert register(tenant.http, "be_1", "r2", "pending").status_code == 200


def test_full_event_refuses_a_new_party(tenant: Tenant) -> None:  # C40
    full_event(tenant)
    before = counters(tenant.http, "be_1")
    r = register(tenant.http, "be_1", "r3", "tentative")
    assert r.status_code == 422
    assert error_key(r, "status") == "errors.capacity_reached"
    assert counters(tenant.http, "be_1") == before
    assert tenant.http.get("/v1/bookable_events/be_1/registrations/r3").status_code == 404


def test_full_event_allows_resend_and_metadata_edit(tenant: Tenant) -> None:  # C41
    full_event(tenant)
    assert register(tenant.http, "be_1", "r2", "pending").status_code == 200
    assert register(tenant.http, "be_1", "r1", "accepted", metadata={"x": 1}).status_code == 200


def test_declining_frees_a_seat(tenant: Tenant) -> None:  # C41
    full_event(tenant)
    assert register(tenant.http, "be_1", "r1", "declined").status_code == 200
    assert register(tenant.http, "be_1", "r3", "tentative").status_code == 200
    assert counters(tenant.http, "be_1")["seats_taken"] == 2


def test_moves_among_holding_statuses_are_free(tenant: Tenant) -> None:
    full_event(tenant)
    assert register(tenant.http, "be_1", "r2", "accepted").status_code == 200
    assert register(tenant.http, "be_1", "r1", "tentative").status_code == 200


def test_removed_back_to_accepted_needs_a_seat(tenant: Tenant) -> None:  # C42
    full_event(tenant)
    assert register(tenant.http, "be_1", "r1", "removed").status_code == 200
    register(tenant.http, "be_1", "r3", "accepted")
    r = register(tenant.http, "be_1", "r1", "accepted")
    assert r.status_code == 422
    assert error_key(r, "status") == "errors.capacity_reached"


def test_unlimited_capacity_never_refuses(tenant: Tenant) -> None:  # C42
    make_event(tenant.http, "be_1")
    for i in range(30):
        assert register(tenant.http, "be_1", f"r{i}", guest_count=5).status_code == 200
    assert counters(tenant.http, "be_1")["seats_taken"] == 180


def test_lowering_capacity_evicts_nobody(tenant: Tenant) -> None:  # C43
    full_event(tenant)
    event = make_event(tenant.http, "be_1", capacity=1)
    assert event["registration"]["seats_taken"] == 2
    assert register(tenant.http, "be_1", "r3", "accepted").status_code == 422
    register(tenant.http, "be_1", "r1", "declined")
    register(tenant.http, "be_1", "r2", "declined")
    assert register(tenant.http, "be_1", "r3", "accepted").status_code == 200


def test_guests_take_seats(tenant: Tenant) -> None:  # C44
    make_event(tenant.http, "be_1", capacity=2)
    assert register(tenant.http, "be_1", "r1", "accepted", guest_count=1).status_code == 200
    c = counters(tenant.http, "be_1")
    assert (c["registered_count"], c["seats_taken"]) == (1, 2)
    r = register(tenant.http, "be_1", "r2", "pending")
    assert error_key(r, "status") == "errors.capacity_reached"


def test_raising_guest_count_needs_seats(tenant: Tenant) -> None:
    make_event(tenant.http, "be_1", capacity=3)
    register(tenant.http, "be_1", "r1", "accepted", guest_count=1)
    assert register(tenant.http, "be_1", "r1", "accepted", guest_count=3).status_code == 422
    assert register(tenant.http, "be_1", "r1", "accepted", guest_count=2).status_code == 200
    assert counters(tenant.http, "be_1")["seats_taken"] == 3


def test_cancelled_event_refuses_seats_but_allows_release(tenant: Tenant) -> None:  # C45
    make_event(tenant.http, "be_1", capacity=5)
    register(tenant.http, "be_1", "r1", "accepted")
    register(tenant.http, "be_1", "r2", "accepted")
    make_event(tenant.http, "be_1", status="cancelled")
    r = register(tenant.http, "be_1", "r3", "accepted")
    assert r.status_code == 422
    assert error_key(r, "status") == "errors.event_cancelled"
    assert register(tenant.http, "be_1", "r1", "declined").status_code == 200
    assert tenant.http.delete("/v1/bookable_events/be_1/registrations/r2").status_code == 200
    make_event(tenant.http, "be_1", status="confirmed")
    assert register(tenant.http, "be_1", "r3", "accepted").status_code == 200


def test_counters_follow_every_status(tenant: Tenant) -> None:
    make_event(tenant.http, "be_1")
    for i, status in enumerate(["pending", "tentative", "accepted", "declined", "removed"]):
        register(tenant.http, "be_1", f"r{i}", status, guest_count=1)
    c = counters(tenant.http, "be_1")
    assert (c["registered_count"], c["total_count"], c["seats_taken"]) == (3, 5, 6)
