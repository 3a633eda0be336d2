"""No oversold seat under concurrency, on each database (issue: 200 parties on capacity 50; C46).

Requests are released together from a barrier of threads over real HTTP. The negative control runs
the same harness against a server whose seat check reads outside the transaction, with a race
window, and must see an oversell: that is what shows this harness can catch the bug.
"""

from __future__ import annotations

from collections import Counter

from tests.builders import counters, make_event
from tests.live import LiveServer, Tenant, make_tenant
from tests.race import Request, burst


def race(tenant: Tenant, event_id: str, n: int, threads: int = 50) -> Counter[int]:
    """Send n distinct registrations at once from `threads` clients; count the status codes."""

    def upsert(i: int) -> Request:
        body = {"registration_id": f"r{i}", "status": "accepted"}
        return lambda http: http.post(f"/v1/bookable_events/{event_id}/registrations", json=body)

    responses = burst(tenant.server.url, tenant.key, [upsert(i) for i in range(n)], threads)
    return Counter(r.status_code for r in responses)


def recount(tenant: Tenant, event_id: str) -> int:
    """Seats held, counted row by row through the API (the counters are what is under test)."""
    seats, url = 0, f"/v1/bookable_events/{event_id}/registrations"
    while url:
        body = tenant.http.get(url).json()
        seats += sum(
            1 + r["guest_count"]
            for r in body["registrations"]
            if r["status"] in ("pending", "tentative", "accepted")
        )
        url = body["pages"].get("next_page")
    return seats


def test_200_concurrent_parties_on_capacity_50_take_exactly_50(tenant: Tenant) -> None:
    make_event(tenant.http, "rush", capacity=50)
    statuses = race(tenant, "rush", 200)
    assert statuses == Counter({200: 50, 422: 150})
    c = counters(tenant.http, "rush")
    assert c["seats_taken"] == 50 == recount(tenant, "rush")
    assert c["total_count"] == 50


def test_cap1_500_requests_from_50_clients_on_capacity_100_five_times(tenant: Tenant) -> None:
    """reliability.md CAP-1: exactly 100 accepted, each accepted one stored and each refused one
    absent (no lost or phantom write), the counter right, no 5xx; five independent runs."""
    for run in range(5):
        event_id = f"cap1_{run}"
        make_event(tenant.http, event_id, capacity=100)
        url = f"/v1/bookable_events/{event_id}/registrations"

        def upsert(i: int, url: str = url) -> Request:
            return lambda http: http.post(
                url, json={"registration_id": f"r{i}", "status": "accepted"}
            )

        responses = burst(tenant.server.url, tenant.key, [upsert(i) for i in range(500)], 50)
        assert Counter(r.status_code for r in responses) == Counter({200: 100, 422: 400}), run
        stored = set()
        page: str | None = url
        while page:
            body = tenant.http.get(page).json()
            stored |= {r["registration_id"] for r in body["registrations"]}
            page = body["pages"].get("next_page")
        accepted = {f"r{i}" for i, r in enumerate(responses) if r.status_code == 200}
        assert stored == accepted, run
        assert counters(tenant.http, event_id)["seats_taken"] == 100 == recount(tenant, event_id)


def test_50_concurrent_upserts_on_capacity_10(tenant: Tenant) -> None:  # C46
    make_event(tenant.http, "c46", capacity=10)
    statuses = race(tenant, "c46", 50)
    assert statuses == Counter({200: 10, 422: 40})
    assert counters(tenant.http, "c46")["seats_taken"] == 10 == recount(tenant, "c46")


def test_negative_control_without_the_guard_oversells(unguarded_server: LiveServer) -> None:
    with make_tenant(unguarded_server) as tenant:
        make_event(tenant.http, "rush", capacity=50)
        statuses = race(tenant, "rush", 200)
        seats = counters(tenant.http, "rush")["seats_taken"]
    assert statuses[200] > 50, statuses
    assert seats > 50
