"""`turnout serve --workers 3` on PostgreSQL: three processes, one state.

The workers are real OS processes behind one listening socket. Requests on fresh connections spread
over them (pg_stat_activity shows which processes ran queries, by application_name turnout/<pid>);
a burst on a capacity-limited event still sells exactly its seats, and the same burst with the seat
guard disabled oversells (the negative control), so the harness can see a cross-process race.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator

import pytest

from tests.builders import make_event, register
from tests.ledger import invariant_problems, query
from tests.live import Tenant, make_tenant
from tests.processes import ServerProcess
from tests.race import Request, burst

pytestmark = pytest.mark.postgres
CLOSE = {"Connection": "close"}  # a new connection per request, so the kernel spreads them


@pytest.fixture(scope="module")
def workers(postgres_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    with ServerProcess(postgres_url, str(tmp_path_factory.mktemp("workers")), workers=3) as server:
        yield server


@pytest.fixture
def tenant3(workers: ServerProcess) -> Iterator[Tenant]:
    with make_tenant(workers) as tenant:  # type: ignore[arg-type]
        yield tenant


def serving_pids(database_url: str, since: object) -> set[int]:
    """turnout processes whose connections ran a query after `since` (the database's clock)."""
    rows = query(
        database_url,
        "SELECT DISTINCT application_name FROM pg_stat_activity"
        " WHERE datname = current_database() AND application_name LIKE 'turnout/%'"
        " AND state_change >= $1",
        since,
    )
    # The session's own server runs in this test process, and its background work (the webhook
    # dispatcher, the hub purge) queries the same database on its own clock: not a worker.
    return {int(r[0].split("/")[1]) for r in rows} - {os.getpid()}


def clock(database_url: str) -> object:
    return query(database_url, "SELECT clock_timestamp()")[0][0]


def race(server: ServerProcess, tenant: Tenant, event_id: str, n: int) -> Counter[int]:
    def upsert(i: int) -> Request:
        body = {"registration_id": f"r{i}", "status": "accepted"}
        path = f"/v1/bookable_events/{event_id}/registrations"
        return lambda http: http.post(path, json=body, headers=CLOSE)

    responses = burst(server.url, tenant.key, [upsert(i) for i in range(n)], threads=32)
    return Counter(r.status_code for r in responses)


def test_three_workers_are_three_processes_beside_the_supervisor(workers: ServerProcess) -> None:
    pids = workers.worker_pids()
    assert len(set(pids)) == 3
    assert workers.pid not in pids


def test_burst_across_workers_sells_exactly_the_capacity(
    workers: ServerProcess, tenant3: Tenant
) -> None:
    make_event(tenant3.http, "rush", capacity=40)
    since = clock(workers.settings.database_url)
    statuses = race(workers, tenant3, "rush", 160)
    assert statuses == Counter({200: 40, 422: 120})
    assert invariant_problems(workers.settings.database_url, tenant3.id, "rush") == []
    assert serving_pids(workers.settings.database_url, since) == set(workers.worker_pids())


def test_a_write_through_one_worker_is_read_at_once_through_all(
    workers: ServerProcess, tenant3: Tenant
) -> None:
    make_event(tenant3.http, "seen")
    since = clock(workers.settings.database_url)
    for i in range(10):
        with tenant3.client(tenant3.key, **CLOSE) as http:
            assert register(http, "seen", f"r{i}").status_code == 200
        for _ in range(6):
            with tenant3.client(tenant3.key, **CLOSE) as http:
                r = http.get(f"/v1/bookable_events/seen/registrations/r{i}")
            assert r.status_code == 200, r.text
    assert serving_pids(workers.settings.database_url, since) == set(workers.worker_pids())


def test_negative_control_across_workers_without_the_guard_oversells(
    postgres_url: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    unsafe = {"TURNOUT_DEBUG_UNSAFE_SEATS": "on", "TURNOUT_DEBUG_RACE_WINDOW_MS": "5"}
    tmp = str(tmp_path_factory.mktemp("unguarded"))
    with (
        ServerProcess(postgres_url, tmp, workers=3, **unsafe) as server,
        make_tenant(server) as tenant,  # type: ignore[arg-type]
    ):
        make_event(tenant.http, "rush", capacity=40)
        statuses = race(server, tenant, "rush", 160)
    assert statuses[200] > 40, statuses


def test_idempotency_keys_hold_across_processes(tenant3: Tenant) -> None:
    """IDEM-1 on three processes: 20 concurrent retries under one key make one event."""
    from tests.test_idempotency import concurrent_creates

    assert concurrent_creates(tenant3, runs=3) == [1] * 3


def test_conditional_writes_hold_across_processes(tenant3: Tenant) -> None:
    """OCC-1 on three processes: of two writes holding one ETag, exactly one lands."""
    make_event(tenant3.http, "occ")
    tags = [register(tenant3.http, "occ", f"r{i}").headers["etag"] for i in range(20)]
    path = "/v1/bookable_events/occ/registrations"

    def write(i: int, note: str) -> Request:
        body = {"registration_id": f"r{i}", "status": "accepted", "notes": note}
        return lambda http: http.post(path, json=body, headers={"If-Match": tags[i], **CLOSE})

    requests = [write(i, side) for i in range(20) for side in ("left", "right")]
    responses = burst(tenant3.server.url, tenant3.key, requests, threads=10)
    pairs = [sorted(r.status_code for r in responses[i : i + 2]) for i in range(0, 40, 2)]
    assert pairs == [[200, 412]] * 20
