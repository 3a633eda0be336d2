"""Guest seats and duplicate emails under concurrency on /api/v1 (K39, and the issue's 150 parties).

As in test_concurrency.py, the negative control runs the same harness against a server whose seat
check reads outside the transaction, and must see the oversell.
"""

from __future__ import annotations

import random
from collections import Counter

from tests.live import LiveServer, Tenant, make_tenant
from tests.race import Request, Sampler, burst
from tests.webkasa import code, create_event, event_counts


def party(event_id: str, i: int, guests: int) -> Request:
    body = {"attendee_email": f"p{i}@example.org", "attendee_name": f"P{i}", "guest_count": guests}
    return lambda http: http.post(f"/api/v1/events/{event_id}/registrations", json=body)


def rush(
    tenant: Tenant, slots: int, parties: list[int]
) -> tuple[str, list[int], list[int], Sampler]:
    """Register the parties (sizes 1–3) at once; (event id, statuses, sizes, seats sampled)."""
    event = create_event(tenant.http, slots=slots)
    requests = [party(event["id"], i, size - 1) for i, size in enumerate(parties)]
    with Sampler(lambda: event_counts(tenant.http, event["id"])["seats_taken"]) as sampler:
        responses = burst(tenant.server.url, tenant.key, requests)
    return event["id"], [r.status_code for r in responses], parties, sampler


def sizes(n: int, seed: int) -> list[int]:
    rng = random.Random(seed)
    return [rng.randint(1, 3) for _ in range(n)]


def test_150_parties_never_take_more_than_100_seats(tenant: Tenant) -> None:
    event_id, statuses, parties, sampler = rush(tenant, 100, sizes(150, seed=1))
    assert set(statuses) <= {201, 409}
    accepted = sum(size for size, status in zip(parties, statuses, strict=True) if status == 201)
    taken = event_counts(tenant.http, event_id)["seats_taken"]
    assert taken == accepted <= 100
    assert max(sampler.seen, default=0) <= 100
    assert accepted >= 98  # seats run out only when no party of the sizes left fits
    listed = tenant.http.get(
        f"/api/v1/events/{event_id}/registrations", params={"limit": 100}
    ).json()
    assert listed["meta"]["total"] == statuses.count(201)


def test_40_guest_parties_on_30_slots(tenant: Tenant) -> None:  # K39
    event_id, statuses, _, _ = rush(tenant, 30, [2] * 40)
    assert Counter(statuses) == Counter({201: 15, 409: 25})
    assert event_counts(tenant.http, event_id)["seats_taken"] == 30


def test_20_parallel_same_email_make_one_registration(tenant: Tenant) -> None:  # K39
    event = create_event(tenant.http)
    body = {"attendee_email": "same@example.org", "attendee_name": "S"}
    url = f"/api/v1/events/{event['id']}/registrations"
    requests: list[Request] = [lambda http: http.post(url, json=body)] * 20
    responses = burst(tenant.server.url, tenant.key, requests, threads=20)
    assert Counter(r.status_code for r in responses) == Counter({201: 1, 409: 19})
    assert {code(r) for r in responses if r.status_code == 409} == {"DUPLICATE_REGISTRATION"}
    assert event_counts(tenant.http, event["id"])["registrations"] == 1


def test_negative_control_guest_parties_oversell_without_the_guard(
    unguarded_server: LiveServer,
) -> None:
    with make_tenant(unguarded_server) as tenant:
        event_id, statuses, _, _ = rush(tenant, 100, sizes(150, seed=1))
        taken = event_counts(tenant.http, event_id)["seats_taken"]
    assert taken > 100, (taken, Counter(statuses))
