"""DUR-1: SIGKILL a server process while ~200 writes are in flight; nothing acknowledged is lost.

200 clients each own one registration (a client-chosen id) on an event with fewer seats than they
ask for, and write it several times in a row: a create, then re-upserts that change its status,
guests and notes. At a random point — after a random number of answers — one server process gets SIGKILL:
on PostgreSQL one of 3 workers (the uvicorn supervisor starts a new one), on SQLite the only server,
which is then started again on the same file. Afterwards:

- every registration in the database is a version its client sent since its last 2xx: the
  acknowledged one or one whose answer was lost, never a mix of two, never missing once acknowledged;
- the event's counters equal the counts of its rows, seats_taken <= capacity, and each row's status
  history ends in its status (no half-written registration);
- clients that resend their unanswered writes converge on what they sent.

`make test` runs 3 kills per database, with 2 writes per client (400 writes a run); `make soak` runs
20, with 4.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.builders import make_event
from tests.ledger import Body, Ledger, invariant_problems, stored_registrations
from tests.live import make_tenant
from tests.processes import ServerProcess

CLIENTS = 200  # writes in flight at once: one registration each
CAPACITY = 150  # fewer seats than the clients ask for, so the seat guard works during the crash
ANSWERS = {200, 422, 503}  # 422: no seat left; 503 (with Retry-After): retry


@pytest.fixture
def crash_server(
    backend: str, database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    workers = 3 if backend == "postgres" else 1
    # Page size 1: each /v1 write answers with the event's first page, which is not under test.
    tmp = str(tmp_path_factory.mktemp("crash"))
    with ServerProcess(database_url, tmp, workers=workers, TURNOUT_PAGE_SIZE="1") as server:
        yield server


@pytest.mark.parametrize(
    ("runs", "versions"), [(3, 2), pytest.param(20, 4, marks=pytest.mark.soak)]
)
def test_sigkill_mid_load_loses_no_acknowledged_write(
    crash_server: ServerProcess, runs: int, versions: int
) -> None:
    seed = random.randrange(2**32)
    rng = random.Random(seed)
    with make_tenant(crash_server) as tenant:  # type: ignore[arg-type]
        for run in range(runs):
            event_id = f"crash{run}"
            make_event(tenant.http, event_id, capacity=CAPACITY)
            ledger = Ledger()
            kill_after = rng.randrange(CLIENTS // 2, CLIENTS * versions * 3 // 4)
            killed = asyncio.run(
                load_and_kill(crash_server, tenant.key, event_id, ledger, versions, kill_after, rng)
            )
            where = f"seed {seed}, run {run}, killed {killed} after {kill_after} answers"
            unexpected = {a for a in ledger.statuses if isinstance(a, int)} - ANSWERS
            assert not unexpected, f"{where}: {Counter(ledger.statuses)}"
            url = crash_server.settings.database_url
            assert ledger.mismatches(stored_registrations(url, tenant.id, event_id)) == [], where
            assert invariant_problems(url, tenant.id, event_id) == [], where

            asyncio.run(converge(crash_server.url, tenant.key, event_id, ledger))
            assert ledger.mismatches(stored_registrations(url, tenant.id, event_id)) == [], where
            assert invariant_problems(url, tenant.id, event_id) == [], where
            wait_for_workers(crash_server)


def version(rid: str, k: int) -> Body:
    """The k-th write of a registration: every field changes, so a mix of two versions shows."""
    status = "declined" if k % 3 == 2 else "accepted"
    return {"registration_id": rid, "status": status, "guest_count": k % 2, "notes": f"v{k}"}


def client(url: str, key: str) -> httpx.AsyncClient:
    limits = httpx.Limits(max_connections=CLIENTS, max_keepalive_connections=CLIENTS)
    headers = {"Authorization": f"Bearer {key}"}
    return httpx.AsyncClient(base_url=url, headers=headers, limits=limits, timeout=30)


async def load_and_kill(
    server: ServerProcess,
    key: str,
    event_id: str,
    ledger: Ledger,
    versions: int,
    kill_after: int,
    rng: Any,
) -> int:
    """Run the writes; SIGKILL a server process once `kill_after` have been answered."""
    path = f"/v1/bookable_events/{event_id}/registrations"

    async def writer(http: httpx.AsyncClient, rid: str) -> None:
        for k in range(versions):
            body = version(rid, k)
            try:
                response = await http.post(path, json=body)
            except httpx.TransportError as exc:  # in flight on the killed process
                ledger.sent(body, type(exc).__name__)
                await asyncio.sleep(0.2)
                continue
            if response.status_code == 503:
                assert response.headers.get("retry-after"), response.text
            ledger.sent(body, response.status_code)

    async def killer() -> int:
        while len(ledger.statuses) < kill_after:
            await asyncio.sleep(0.005)
        # A worker with requests on it: one worker may well have accepted every connection.
        busy = [pid for pid, n in sorted(server.client_connections().items()) if n]
        pid = rng.choice(busy or server.worker_pids())
        server.kill(pid)
        if server.workers == 1:  # SQLite: the server is gone; start it again on the same file
            await asyncio.to_thread(server.start)
        return pid

    async with client(server.url, key) as http:
        kill = asyncio.create_task(killer())
        await asyncio.gather(*(writer(http, f"r{i}") for i in range(CLIENTS)))
        return await kill


async def converge(url: str, key: str, event_id: str, ledger: Ledger) -> None:
    """Each client resends its last unanswered write until it gets an answer."""
    path = f"/v1/bookable_events/{event_id}/registrations"

    async def resend(http: httpx.AsyncClient, body: Body) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                response = await http.post(path, json=body)
            except httpx.TransportError:
                await asyncio.sleep(0.2)
                continue
            if response.status_code != 503:
                # 200: converged on what it sent; 422: no seat, so it keeps a version sent before.
                assert response.status_code in (200, 422), response.text
                ledger.sent(body, response.status_code)
                return
            await asyncio.sleep(float(response.headers["retry-after"]))
        raise AssertionError(f"{body} got no answer in 30 s")

    async with client(url, key) as http:
        await asyncio.gather(*(resend(http, b[-1]) for b in ledger.unanswered.values() if b))


def wait_for_workers(server: ServerProcess) -> None:
    """uvicorn's supervisor replaces a killed worker; the next run needs all of them."""
    deadline = time.monotonic() + 15
    while len(server.worker_pids()) < server.workers or not server.ready():
        assert time.monotonic() < deadline, "the killed worker was not replaced in 15 s"
        time.sleep(0.1)
