"""IDEM-5: SIGKILL a server process while creates with Idempotency-Keys are in flight; every key
ends with exactly one object, and every answer for a key names the same object.

150 clients each create an event (W3: a new id each time, the create no other rule deduplicates)
under a key of their own. After a random number of answers, the next keyed write to commit SIGKILLs
its own server process between its COMMIT and storing its response — the window IDEM-5 is about
(TURNOUT_DEBUG_IDEMPOTENCY_CRASH_FILE) — taking every other request in flight there with it (on
PostgreSQL one of 3 workers, which uvicorn replaces; on SQLite the only server, started again on the
same file). Then every
client resends under the same key until it gets a 201: a 409 (a claim whose response was never
stored) waits Retry-After, and clears once the lease (2 s here) has passed. Afterwards each client's
title names exactly one event, and every 201 it saw carries that event's id.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.live import make_tenant
from tests.processes import ServerProcess
from tests.test_crash import wait_for_workers

CLIENTS = 150
LEASE = 2  # seconds; the default is 30


@contextlib.contextmanager
def keyed_server(
    backend: str, database_url: str, tmp: str, unsafe: bool
) -> Iterator[ServerProcess]:
    env = {
        "TURNOUT_IDEMPOTENCY_LEASE_SECONDS": str(LEASE),
        # The kill comes from inside: the next keyed write to commit after the test creates this
        # file SIGKILLs its own process before storing its response.
        "TURNOUT_DEBUG_IDEMPOTENCY_CRASH_FILE": os.path.join(tmp, "crash-now"),
        "TURNOUT_DEBUG_UNSAFE_IDEMPOTENCY": "on" if unsafe else "off",
    }
    workers = 3 if backend == "postgres" else 1
    with ServerProcess(database_url, tmp, workers=workers, **env) as process:
        yield process


def duplicates(server: ServerProcess, runs: int) -> list[str]:
    """Run the harness `runs` times; what went wrong, per run (empty: nothing)."""
    seed = random.randrange(2**32)
    rng = random.Random(seed)
    problems = []
    with make_tenant(server) as tenant:  # type: ignore[arg-type]
        for run in range(runs):
            tag = f"{seed}-{run}"
            kill_after = rng.randrange(CLIENTS // 4, CLIENTS // 2)
            seen = asyncio.run(load_kill_and_resend(server, tenant.key, tag, kill_after))
            where = f"seed {seed}, run {run}, killed at keyed write {kill_after}"
            titles: Counter[str] = Counter()
            offset = 0
            while True:
                page = tenant.http.get(
                    "/api/v1/events", params={"limit": 100, "offset": offset, "status": "draft"}
                ).json()
                titles.update(e["title"] for e in page["data"] if e["title"].startswith(tag))
                if not page["meta"]["hasMore"]:
                    break
                offset += 100
            extra = {t: n for t, n in titles.items() if n != 1}
            missing = CLIENTS - len(titles)
            told = {i: ids for i, ids in seen.items() if len(ids) != 1}
            if extra or missing or told:
                problems.append(f"{where}: duplicated {extra}, missing {missing}, told {told}")
            wait_for_workers(server)
    return problems


@pytest.mark.parametrize("runs", [2, pytest.param(10, marks=pytest.mark.soak)])
def test_a_killed_create_runs_exactly_once(
    backend: str, database_url: str, tmp_path: Path, runs: int
) -> None:
    with keyed_server(backend, database_url, str(tmp_path), unsafe=False) as server:
        assert duplicates(server, runs) == []


def test_the_harness_sees_duplicates_without_the_claim(
    backend: str, database_url: str, tmp_path: Path
) -> None:
    """IDEM-5's negative control: claimed outside the write's transaction, a create whose process
    dies after its COMMIT runs again on retry, and the harness sees the duplicate."""
    with keyed_server(backend, database_url, str(tmp_path), unsafe=True) as server:
        assert duplicates(server, runs=2) != []


async def load_kill_and_resend(
    server: ServerProcess, key: str, tag: str, kill_after: int
) -> dict[int, set[str]]:
    """Each client's set of event ids it was answered with (201s and replays)."""
    seen: dict[int, set[str]] = {i: set() for i in range(CLIENTS)}

    async def create(http: httpx.AsyncClient, i: int, until_created: bool) -> None:
        body = {"title": f"{tag}-{i}", "start_date": "2030-05-01", "start_time": "18:00"}
        headers = {"Idempotency-Key": f"{tag}-key-{i}"}
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                response = await http.post("/api/v1/events", json=body, headers=headers)
            except httpx.TransportError:  # in flight on the killed process, or it is restarting
                if not until_created:
                    return
                await asyncio.sleep(0.2)
                continue
            assert response.status_code in (201, 409, 503), response.text
            if response.status_code == 201:
                seen[i].add(response.json()["data"]["id"])
                return
            assert int(response.headers["retry-after"]) >= 1
            if not until_created:
                return
            await asyncio.sleep(float(response.headers["retry-after"]))
        raise AssertionError(f"client {i} got no 201 in 60 s")

    before = set(server.worker_pids())
    crash_file = Path(server.env["TURNOUT_DEBUG_IDEMPOTENCY_CRASH_FILE"])
    crash_file.write_text(str(kill_after))

    async def killer() -> None:
        deadline = time.monotonic() + 30
        while any(crash_file.parent.glob(crash_file.name + "*")) or (
            set(server.worker_pids()) == before and server.workers > 1
        ):
            assert time.monotonic() < deadline, "no keyed write killed its process"
            await asyncio.sleep(0.01)
        if server.workers == 1:  # SQLite: the server is gone; start it again on the same file
            await asyncio.to_thread(server.process.wait)  # type: ignore[union-attr]
            await asyncio.to_thread(server.start)

    limits = httpx.Limits(max_connections=CLIENTS, max_keepalive_connections=CLIENTS)
    headers = {"Authorization": f"Bearer {key}"}
    async with httpx.AsyncClient(
        base_url=server.url, headers=headers, limits=limits, timeout=30
    ) as http:
        kill = asyncio.create_task(killer())
        await asyncio.gather(*(create(http, i, until_created=False) for i in range(CLIENTS)))
        await kill
    wait_for_workers(server)
    async with httpx.AsyncClient(
        base_url=server.url, headers=headers, limits=limits, timeout=30
    ) as http:
        await asyncio.gather(*(create(http, i, until_created=True) for i in range(CLIENTS)))
    return seen
