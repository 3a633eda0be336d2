"""DUR-3: turnout outlives a PostgreSQL restart, without being restarted itself.

These tests stop and restart a private PostgreSQL cluster (never the shared one). While the database
is away, requests get 503 with Retry-After in each surface's error shape, never a 500; once it is back,
turnout answers again within 10 s, and every write it acknowledged is in the database.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.builders import make_event
from tests.cronofy_errors import cronofy_body
from tests.ledger import query
from tests.live import Tenant, make_tenant
from tests.processes import PrivatePostgres, ServerProcess

pytestmark = pytest.mark.postgres
RECONNECT_SECONDS = 10


@pytest.fixture(scope="module")
def cluster() -> Iterator[PrivatePostgres]:
    with PrivatePostgres() as pg:
        yield pg


@pytest.fixture(scope="module")
def pg_server(
    cluster: PrivatePostgres, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    tmp = str(tmp_path_factory.mktemp("reconnect"))
    with ServerProcess(cluster.url, tmp, workers=2) as server:
        yield server


@pytest.fixture
def pg_tenant(pg_server: ServerProcess) -> Iterator[Tenant]:
    with make_tenant(pg_server) as tenant:  # type: ignore[arg-type]
        yield tenant


def seconds_until_ok(tenant: Tenant, event_id: str) -> float:
    started = time.monotonic()
    while tenant.http.get(f"/v1/bookable_events/{event_id}").status_code != 200:
        assert time.monotonic() - started < RECONNECT_SECONDS + 5, "no answer after the restart"
        time.sleep(0.05)
    return time.monotonic() - started


def test_database_down_is_503_with_retry_after_in_each_surface_shape(
    cluster: PrivatePostgres, pg_tenant: Tenant
) -> None:
    make_event(pg_tenant.http, "down")
    cluster.stop()
    try:
        write = pg_tenant.http.post(
            "/v1/bookable_events/down/registrations",
            json={"registration_id": "r1", "status": "accepted"},
        )
        read = pg_tenant.http.get("/api/v1/events/down")
        ready = pg_tenant.http.get("/readyz")
    finally:
        cluster.start()
    assert (write.status_code, cronofy_body(write), write.headers["retry-after"]) == (503, {}, "1")
    assert read.status_code == 503
    assert read.json()["code"] == "SERVICE_UNAVAILABLE"
    assert read.headers["retry-after"] == "1"
    assert ready.status_code == 503
    assert seconds_until_ok(pg_tenant, "down") <= RECONNECT_SECONDS


def test_restart_under_load_reconnects_and_loses_no_acknowledged_write(
    cluster: PrivatePostgres, pg_tenant: Tenant
) -> None:
    make_event(pg_tenant.http, "load")
    # (sent at, answered at, registration id, status or transport error, retry-after)
    answers: list[tuple[float, float, str, int | str, str | None]] = []
    stop = threading.Event()

    def writer(n: int) -> None:
        with pg_tenant.client(pg_tenant.key) as http:
            i = 0
            while not stop.is_set():
                rid, i = f"w{n}_{i}", i + 1
                sent = time.monotonic()
                try:
                    r = http.post(
                        "/v1/bookable_events/load/registrations",
                        json={"registration_id": rid, "status": "accepted"},
                    )
                except httpx.TransportError as exc:  # turnout itself must stay up
                    answers.append((sent, time.monotonic(), rid, type(exc).__name__, None))
                    continue
                retry_after = r.headers.get("retry-after")
                answers.append((sent, time.monotonic(), rid, r.status_code, retry_after))

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    try:
        time.sleep(1)
        cluster.restart()
        restarted = time.monotonic()
        time.sleep(3)
    finally:
        stop.set()
        for t in threads:
            t.join()

    assert {a[3] for a in answers} <= {200, 503}, Counter(a[3] for a in answers)
    assert all(a[4] == "1" for a in answers if a[3] == 503), "every 503 has Retry-After"
    recovered = min(a[1] for a in answers if a[3] == 200 and a[0] >= restarted)
    assert recovered - restarted <= RECONNECT_SECONDS
    after = [a for a in answers if a[0] >= recovered]
    assert after and all(a[3] == 200 for a in after), "no 5xx once recovered"
    acknowledged = {a[2] for a in answers if a[3] == 200}
    stored = query(
        cluster.url,
        "SELECT r.id FROM registrations r JOIN events e ON e.pk = r.event_pk"
        " WHERE e.tenant_id = $1 AND e.id = 'load'",
        pg_tenant.id,
    )
    assert acknowledged <= {r[0] for r in stored}


def test_a_server_started_while_the_database_is_down_waits_for_it(
    cluster: PrivatePostgres, tmp_path: Path
) -> None:
    """A process (or a worker uvicorn replaces) that starts during an outage waits for the
    database instead of failing its start-up, which would stop every worker."""
    cluster.stop()
    try:
        server = ServerProcess(cluster.url, str(tmp_path), workers=2)
        starting = threading.Thread(target=server.start)
        starting.start()
        time.sleep(2)
        assert not server.ready()
    finally:
        cluster.start()
    try:
        starting.join(timeout=60)
        assert server.ready(), server.log()[-2000:]
        assert "not answering" in server.log()
    finally:
        server.stop()
