"""Timeouts and pipelined requests (connections.py), against `turnout serve` as a real process.

A request that is late behind one still being answered does not take that one's answer; a request
the server has not read yet (uvicorn stops reading behind a request that waits its turn) is not
timed; a kept-alive connection is timed out whatever its client sends before a request's target.
The slow request in front is a write waiting for a lock another connection holds.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sqlite3
import time
from collections.abc import Iterator

import asyncpg
import pytest

from tests.builders import make_event
from tests.fuzz.wire import Connection, Dropped
from tests.live import make_tenant
from tests.processes import ServerProcess

TIMEOUT = 2  # header, body and idle timeouts of the server under test, seconds


@pytest.fixture(scope="module")
def served(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    limits = {
        "TURNOUT_HEADER_TIMEOUT_SECONDS": str(TIMEOUT),
        "TURNOUT_BODY_TIMEOUT_SECONDS": str(TIMEOUT),
        "TURNOUT_IDLE_TIMEOUT_SECONDS": str(TIMEOUT),
    }
    with ServerProcess(database_url, str(tmp_path_factory.mktemp("pipe")), **limits) as server:
        yield server


@contextlib.contextmanager
def writes_blocked(server: ServerProcess) -> Iterator[None]:
    """Another connection holds what every event write needs — SQLite's write lock, PostgreSQL's
    EXCLUSIVE lock on events — until the block ends; reads go on."""
    url = server.settings.database_url
    if url.startswith("sqlite:///"):
        db = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
        db.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            db.execute("ROLLBACK")
            db.close()
        return
    loop = asyncio.new_event_loop()
    conn = loop.run_until_complete(asyncpg.connect(url))
    try:
        loop.run_until_complete(conn.execute("BEGIN; LOCK TABLE events IN EXCLUSIVE MODE"))
        yield
    finally:
        loop.run_until_complete(conn.close())  # ends the transaction, and the lock
        loop.close()


def registration(event_id: str, registration_id: str, key: str) -> bytes:
    body = json.dumps({"registration_id": registration_id, "status": "accepted"}).encode()
    return (
        f"POST /v1/bookable_events/{event_id}/registrations HTTP/1.1\r\nHost: x\r\n"
        f"Authorization: Bearer {key}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body


def test_a_late_head_behind_a_request_being_answered_gets_its_408_after_that_answer(
    served: ServerProcess,
) -> None:
    # Before: the second request's 408 was sent at once as the first one's answer, and the first
    # (a write, which then committed or not) never got its own.
    with make_tenant(served) as tenant:  # type: ignore[arg-type]
        make_event(tenant.http, "pl")
        conn = Connection(served.port, timeout=TIMEOUT + 8)
        with writes_blocked(served):
            conn.send(registration("pl", "r1", tenant.key) + b"GET /api/v1/events HTTP/1.1\r\nX-")
            time.sleep(TIMEOUT + 1)  # past the second head's timeout while the first still waits
        first, second = conn.read(), conn.read()
        assert first.status == 200, first
        assert second.status == 408 and second.closes, second
        assert json.loads(second.body)["code"] == "REQUEST_TIMEOUT"  # its own path's surface
        with pytest.raises(Dropped):
            conn.read()
        conn.close()
        assert tenant.http.get("/api/v1/events/pl/registrations/r1").status_code == 200


def test_a_body_the_server_has_not_read_yet_is_not_timed(served: ServerProcess) -> None:
    # Before: the body's timer ran while uvicorn had stopped reading behind the first request, so
    # a client that sent promptly got 408, in place of the first request's answer; the first
    # request's handler then failed on the closed connection (a traceback in the log).
    with make_tenant(served) as tenant:  # type: ignore[arg-type]
        make_event(tenant.http, "pb")
        conn = Connection(served.port, timeout=TIMEOUT + 8)
        second = registration("pb", "r2", tenant.key)
        with writes_blocked(served):
            conn.send(registration("pb", "r1", tenant.key))
            time.sleep(0.5)  # its handler has read its body and waits for the lock
            conn.send(second[:-5])
            time.sleep(0.2)
            conn.send(second[-5:])  # promptly; the server reads it once the first is answered
            time.sleep(TIMEOUT + 1)
        answers = [conn.read(), conn.read()]
        conn.close()
    assert [a.status for a in answers] == [200, 200], answers
    assert "Traceback" not in served.log()


@pytest.mark.parametrize("stall", [b"GE", b"\r\n"])
def test_a_kept_alive_connection_stalled_before_a_request_target_is_closed(
    served: ServerProcess, stall: bytes
) -> None:
    # Before: uvicorn's keep-alive timer stops at any byte, and the header timer started only with
    # a request's target, so these connections stayed open for good.
    conn = Connection(served.port, timeout=TIMEOUT + 8)
    conn.send(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    assert conn.read().status == 200
    conn.send(stall)
    started = time.monotonic()
    if stall == b"GE":  # a request has begun: 408, plain (no path yet)
        late = conn.read()
        assert late.status == 408 and late.closes, late
        assert b"send it again, whole and promptly" in late.body
    with pytest.raises(Dropped, match="closed"):
        conn.read()
    conn.close()
    assert time.monotonic() - started < TIMEOUT + 2
