"""CAP-2, CAP-3 and CAP-5 of reliability.md: seats and check-ins under concurrency, on each database.

Requests are released together from a barrier of client threads over real HTTP (tests/race.py).
Each race runs twice per database in `make test`. The negative controls run the same harness against
`unguarded_server` (seats checked on a stale read, outside the write transaction, with a 5 ms
window) and must see what the guard prevents.
"""

from __future__ import annotations

import itertools
import random
from collections import Counter

import httpx
import pytest

from tests.builders import counters, make_event
from tests.live import LiveServer, Tenant, make_tenant
from tests.race import Request, Sampler, burst
from tests.test_history import history

RUNS = [1, 2]

EVENTS, CAPACITY, PER_EVENT = 20, 10, 20  # CAP-2: 400 accepts on 200 seats


def accept(event_id: str, registration_id: str) -> Request:
    body = {"registration_id": registration_id, "status": "accepted"}
    return lambda http: http.post(f"/v1/bookable_events/{event_id}/registrations", json=body)


def cancel(event_id: str, registration_id: str) -> Request:
    return lambda http: http.delete(
        f"/v1/bookable_events/{event_id}/registrations/{registration_id}"
    )


def most_seats_taken(http: httpx.Client, prefix: str) -> int:
    """The most seats any of this run's events holds, from one list read (W1 with counts)."""
    listed = http.get("/api/v1/events", params={"limit": 100, "include_counts": "true"})
    assert listed.status_code == 200, listed.text
    return max(
        (e["counts"]["seats_taken"] for e in listed.json()["data"] if e["id"].startswith(prefix)),
        default=0,
    )


def rush_many_events(
    tenant: Tenant, seed: int
) -> tuple[list[tuple[str, str, str]], list[httpx.Response], Sampler]:
    """CAP-2's burst: 400 accepts spread over 20 events of capacity 10, and 40 cancels of some of
    those registrations, shuffled together. Returns (kind, event, registration) per request."""
    prefix = f"cap2_{seed}_"
    for e in range(EVENTS):
        make_event(tenant.http, f"{prefix}{e}", capacity=CAPACITY)
    plan = [("accept", f"{prefix}{e}", f"r{i}") for e in range(EVENTS) for i in range(PER_EVENT)]
    rng = random.Random(seed)
    plan += [("cancel", event, rid) for _, event, rid in rng.sample(plan, len(plan) // 10)]
    rng.shuffle(plan)
    requests = [(accept if kind == "accept" else cancel)(e, r) for kind, e, r in plan]
    with Sampler(lambda: most_seats_taken(tenant.http, prefix)) as sampler:
        responses = burst(tenant.server.url, tenant.key, requests)
    return plan, responses, sampler


@pytest.mark.parametrize("run", RUNS)
def test_many_events_with_cancels_never_pass_capacity(tenant: Tenant, run: int) -> None:  # CAP-2
    plan, responses, sampler = rush_many_events(tenant, seed=run)
    assert {r.status_code for r in responses} <= {200, 404, 422}
    assert len(sampler.seen) > 5  # the sampler really watched the burst
    assert max(sampler.seen) <= CAPACITY
    for e in range(EVENTS):
        event_id = f"cap2_{run}_{e}"
        mine = [
            (k, rid, r) for (k, ev, rid), r in zip(plan, responses, strict=True) if ev == event_id
        ]
        accepted = {rid for k, rid, r in mine if k == "accept" and r.status_code == 200}
        cancelled = {rid for k, rid, r in mine if k == "cancel" and r.status_code == 200}
        refused = [r for k, _, r in mine if k == "accept" and r.status_code == 422]
        assert cancelled <= accepted  # only a registration that was made can be cancelled
        assert {r.json()["errors"]["status"][0]["key"] for r in refused} <= {
            "errors.capacity_reached"
        }
        assert len(accepted) >= min(CAPACITY, PER_EVENT)  # refusals only when full
        assert len(accepted) <= CAPACITY + len(cancelled)  # a seat is reused only once freed
        listed = tenant.http.get(f"/v1/bookable_events/{event_id}/registrations").json()
        statuses = {x["registration_id"]: x["status"] for x in listed["registrations"]}
        assert {rid for rid, s in statuses.items() if s == "accepted"} == accepted - cancelled
        assert {rid for rid, s in statuses.items() if s == "removed"} == cancelled
        assert counters(tenant.http, event_id)["seats_taken"] == len(accepted - cancelled)


def test_negative_control_many_events_oversell_without_the_guard(
    unguarded_server: LiveServer,
) -> None:
    with make_tenant(unguarded_server) as tenant:
        _, _, sampler = rush_many_events(tenant, seed=1)
        final = most_seats_taken(tenant.http, "cap2_1_")
    assert max(final, *sampler.seen) > CAPACITY


def lower_capacity(event_id: str, capacity: int) -> Request:
    body = {
        "bookable_event_id": event_id,
        "start": "2030-01-24T12:30:00Z",
        "end": "2030-01-24T17:00:00Z",
        "status": "confirmed",
        "registration": {"capacity": capacity},
    }
    return lambda http: http.post("/v1/bookable_events", json=body)


def rush_while_lowering(tenant: Tenant, event_id: str, at: int) -> tuple[list[httpx.Response], int]:
    """CAP-3's burst: 200 accepts on capacity 100, with capacity lowered to 50 as request `at`
    (50 threads: 0–49 start together, 50–99 follow). Returns the accepts' responses and the seats
    taken when the capacity changed."""
    make_event(tenant.http, event_id, capacity=100)
    requests = [accept(event_id, f"r{i}") for i in range(200)]
    requests.insert(at, lower_capacity(event_id, 50))
    responses = burst(tenant.server.url, tenant.key, requests)
    lowered = responses.pop(at)
    assert lowered.status_code == 200, lowered.text
    assert lowered.json()["registration"]["capacity"] == 50
    return responses, lowered.json()["registration"]["seats_taken"]


def seats_after(response: httpx.Response) -> tuple[int, int]:
    """(capacity, seats taken) of the event as the write left it."""
    event = response.json()["registration"]
    return event["capacity"], event["seats_taken"]


@pytest.mark.parametrize("run", RUNS)
def test_lowering_capacity_during_a_rush_stops_accepts_at_the_new_capacity(
    tenant: Tenant, run: int
) -> None:  # CAP-3
    event_id = f"cap3_{run}"
    responses, at_lowering = rush_while_lowering(tenant, event_id, at=25 * run)
    assert {r.status_code for r in responses} <= {200, 422}
    accepted = [seats_after(r) for r in responses if r.status_code == 200]
    # An accept written under the new capacity leaves at most 50 seats taken: none succeeds once
    # 50 are taken. Under the old one, at most 100.
    assert all(seats <= capacity for capacity, seats in accepted), accepted
    after = [seats for capacity, seats in accepted if capacity == 50]
    if at_lowering >= 50:
        assert after == []
    final = counters(tenant.http, event_id)
    assert final["capacity"] == 50
    assert final["seats_taken"] == len(accepted) == max(50, at_lowering)  # nobody was evicted


def test_negative_control_lowering_capacity_without_the_guard(
    unguarded_server: LiveServer,
) -> None:
    with make_tenant(unguarded_server) as tenant:
        responses, at_lowering = rush_while_lowering(tenant, "cap3_n", at=25)
        final = counters(tenant.http, "cap3_n")["seats_taken"]
    accepted = [seats_after(r) for r in responses if r.status_code == 200]
    broken = [seats for capacity, seats in accepted if seats > capacity]
    assert broken or final > max(50, at_lowering), (at_lowering, final)


def check_in_burst(
    tenant: Tenant, event_id: str, counts: list[int | None]
) -> tuple[str, list[httpx.Response]]:
    """Check one registration (a party of 3) in, concurrently, once per item of `counts`."""
    make_event(tenant.http, event_id, capacity=10)
    url = f"/api/v1/events/{event_id}/registrations"
    made = tenant.http.post(
        url, json={"attendee_email": "a@example.org", "attendee_name": "A", "guest_count": 2}
    )
    assert made.status_code == 201, made.text
    check_in_url = f"{url}/{made.json()['data']['id']}/check-in"

    def check_in(count: int | None) -> Request:
        body = {} if count is None else {"count": count}
        return lambda http: http.post(check_in_url, json=body)

    responses = burst(tenant.server.url, tenant.key, [check_in(c) for c in counts])
    return made.json()["data"]["id"], responses


@pytest.mark.parametrize("run", RUNS)
def test_50_concurrent_check_ins_have_one_effect(tenant: Tenant, run: int) -> None:  # CAP-5
    event_id = f"cap5_{run}"
    registration_id, responses = check_in_burst(tenant, event_id, [None] * 50)
    # Check-in is absolute (the whole party is present), so every repeat is a 200 replay of the
    # one effect: the same count and the same timestamp, set once.
    assert Counter(r.status_code for r in responses) == Counter({200: 50})
    seen = {
        (r.json()["data"]["checked_in_count"], r.json()["data"]["checked_in_at"]) for r in responses
    }
    assert len(seen) == 1 and next(iter(seen))[0] == 3
    assert history(tenant, event_id, registration_id) == [("pending", 0), ("accepted", 3)]
    listed = tenant.http.get(f"/api/v1/events/{event_id}", params={"include_counts": "true"})
    assert listed.json()["data"]["counts"]["checked_in"] == 3


def test_control_the_history_sees_each_distinct_check_in(tenant: Tenant) -> None:
    """The measurement above can see more than one effect: check-ins that differ (1, 2, 3 people)
    each leave a row. (The check-in guard, the registration's version checked under the event's
    lock, has no debug switch to turn it off, so this is the control CAP-5 has.)"""
    registration_id, responses = check_in_burst(tenant, "cap5_control", [1, 2, 3] * 10)
    assert {r.status_code for r in responses} == {200}
    rows = history(tenant, "cap5_control", registration_id)
    assert len(rows) > 2
    assert all(a != b for a, b in itertools.pairwise(rows))  # a repeat adds no row
