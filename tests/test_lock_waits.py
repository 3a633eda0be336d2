"""PostgreSQL: a request waiting for a row lock gives up after lock_timeout with a 503, so requests
queued behind a long holder cannot take the whole connection pool (docs/RELIABILITY.md, "The pool
and long lock waits"). Before the bound, twelve replays waiting on a held delivery lock, their
clients gone, left a plain read unanswered for as long as the lock was held.

Negative control: with `_LOCK_TIMEOUT = "0"` (no bound) in store/postgres, the probe test fails.
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Iterator

import asyncpg
import httpx
import pytest

from tests.live import Tenant, make_tenant
from tests.processes import ServerProcess

pytestmark = pytest.mark.postgres

EVENT = {
    "bookable_event_id": "e",
    "start": "2031-01-24T12:30:00Z",
    "end": "2031-01-24T17:00:00Z",
    "status": "confirmed",
}
REPLAY = b'{"since": "2020-01-01T00:00:00Z"}'
_HOLD = (
    "BEGIN; SELECT pk FROM webhook_deliveries WHERE endpoint_pk ="
    " (SELECT pk FROM webhook_endpoints WHERE id = '{endpoint}') FOR UPDATE"
)


@pytest.fixture
def held(postgres_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple]:
    """A server (dispatcher off), a tenant with an endpoint that has a delivery, and that delivery's
    row locked by another session until the test ends."""
    with (
        ServerProcess(
            postgres_url, str(tmp_path_factory.mktemp("locks")), TURNOUT_WEBHOOK_DISPATCH="off"
        ) as server,
        make_tenant(server) as tenant,
    ):
        admin_key = tenant.key_with("admin")
        with tenant.client(admin_key) as admin:
            made = admin.post(
                "/v1/webhook_endpoints",
                json={"url": "https://127.0.0.1:9/never", "event_types": ["*"]},
            )
            assert made.status_code == 201, made.text
            endpoint = made.json()["webhook_endpoint"]["id"]
        assert tenant.http.post("/v1/bookable_events", json=EVENT).status_code == 200
        loop = asyncio.new_event_loop()
        holder = loop.run_until_complete(asyncpg.connect(postgres_url))
        try:
            loop.run_until_complete(holder.execute(_HOLD.format(endpoint=endpoint)))
            yield server, tenant, admin_key, endpoint
        finally:
            loop.run_until_complete(holder.close())
            loop.close()


def replay_request(tenant: Tenant, key: str, endpoint: str) -> bytes:
    return (
        f"POST /v1/webhook_endpoints/{endpoint}/replay HTTP/1.1\r\nHost: t\r\n"
        f"Authorization: Bearer {key}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(REPLAY)}\r\n\r\n"
    ).encode() + REPLAY


def test_a_request_waiting_on_a_held_row_gets_503_and_retry_after(held: tuple) -> None:
    _, tenant, admin_key, endpoint = held
    started = time.monotonic()
    with tenant.client(admin_key) as admin:
        answer = admin.post(f"/v1/webhook_endpoints/{endpoint}/replay", content=REPLAY)
    waited = time.monotonic() - started
    assert answer.status_code == 503, answer.text
    assert answer.headers["retry-after"]
    assert "turnout_error" in answer.json()
    assert 4 < waited < 20, f"answered after {waited:.1f} s; the bound is 5 s"


def test_requests_left_waiting_by_their_clients_do_not_take_the_pool(held: tuple) -> None:
    server, tenant, admin_key, endpoint = held
    waiting = []
    for _ in range(12):  # more than the pool's 10 connections
        sock = socket.create_connection(("127.0.0.1", server.port))
        sock.sendall(replay_request(tenant, admin_key, endpoint))
        waiting.append(sock)
    time.sleep(1)
    for sock in waiting:  # the clients give up; their handlers still wait for the lock
        sock.close()
    time.sleep(0.5)
    started = time.monotonic()
    try:
        probe = tenant.http.get("/api/v1/events/e", timeout=15)
    except httpx.TimeoutException:
        pytest.fail("a plain read got no answer within 15 s while the lock was held")
    assert probe.status_code == 200, probe.text
    assert time.monotonic() - started < 15
