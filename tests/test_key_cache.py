"""PostgreSQL's per-process key cache (store/postgres/keycache.py): a revocation still applies to
the next request in every process, because the revoking transaction notifies them all; without the
notice (the negative control) a revoked key would keep working; a lost LISTEN connection turns the
cache off until it is back."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from tests.builders import event_body
from tests.conftest import base_settings
from tests.live import LiveServer, make_tenant
from tests.processes import ServerProcess
from turnout.core import times


@pytest.fixture(scope="module")
def pg_server(postgres_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    settings = base_settings(str(tmp_path_factory.mktemp("keys")), postgres_url)
    with LiveServer(settings) as live:
        yield live


def _sql(url: str, sql: str, *args: Any) -> Any:
    async def go() -> Any:
        conn = await asyncpg.connect(url)
        try:
            return await conn.fetch(sql, *args)
        finally:
            await conn.close()

    return asyncio.run(go())


def _status(url: str, key: str) -> int:
    answer = httpx.get(url + "/v1/bookable_events", headers={"Authorization": f"Bearer {key}"})
    return answer.status_code


def _listeners(url: str, elsewhere: bool = False) -> set[int]:
    """The backends of the key caches' LISTEN connections (`elsewhere`: of other processes than
    this test's, whose in-thread servers listen too)."""
    rows = _sql(
        url,
        "SELECT pid, application_name FROM pg_stat_activity"
        " WHERE application_name LIKE 'turnout-keys/%'",
    )
    mine = f"turnout-keys/{os.getpid()}"
    return {r["pid"] for r in rows if not (elsewhere and r["application_name"] == mine)}


def _wait_for(condition: Any, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def _revoke(server: Any, key: str) -> None:
    assert server.run(lambda store: store.revoke_api_key(key[:15], times.now()))


def test_without_the_notice_a_revoked_key_would_keep_working(pg_server: LiveServer) -> None:
    """The negative control: the cache answers (the key row is not read), so the NOTIFY is what
    makes the revocation apply; with the trigger off, the revoked key is still accepted."""
    url = pg_server.settings.database_url
    with make_tenant(pg_server) as tenant:
        assert _status(pg_server.url, tenant.key) == 200
        _wait_for(lambda: bool(_listeners(url)))
        assert _status(pg_server.url, tenant.key) == 200  # now remembered
        _sql(url, "ALTER TABLE api_keys DISABLE TRIGGER turnout_api_keys_notify")
        try:
            _revoke(pg_server, tenant.key)
            assert _status(pg_server.url, tenant.key) == 200  # stale: nobody told the cache
        finally:
            _sql(url, "ALTER TABLE api_keys ENABLE TRIGGER turnout_api_keys_notify")
        # Any later change to the key notifies: then the revocation shows.
        _sql(url, "UPDATE api_keys SET name = 'x' WHERE prefix = $1", tenant.key[:15])
        _wait_for(lambda: _status(pg_server.url, tenant.key) == 401)


def test_a_revocation_applies_to_the_very_next_request(pg_server: LiveServer) -> None:
    url = pg_server.settings.database_url
    with make_tenant(pg_server) as tenant:
        _wait_for(lambda: bool(_listeners(url)))
        for _ in range(3):
            assert _status(pg_server.url, tenant.key) == 200
        _revoke(pg_server, tenant.key)
        assert _status(pg_server.url, tenant.key) == 401


def test_a_tenant_setting_applies_to_the_very_next_request(pg_server: LiveServer) -> None:
    with make_tenant(pg_server) as tenant:
        assert tenant.http.post("/v1/bookable_events", json=event_body("a")).status_code == 200
        assert pg_server.run(lambda store: store.set_require_precondition(tenant.name, True))
        assert tenant.http.post("/v1/bookable_events", json=event_body("b")).status_code == 428


def test_a_lost_listen_connection_reads_keys_until_it_is_back(pg_server: LiveServer) -> None:
    url = pg_server.settings.database_url
    with make_tenant(pg_server) as tenant:
        _wait_for(lambda: bool(_listeners(url)))
        before = _listeners(url)
        assert _status(pg_server.url, tenant.key) == 200
        _sql(url, "SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid", list(before))
        # Back on a new connection, having forgotten everything it remembered while deaf.
        _wait_for(lambda: bool(_listeners(url)) and not (_listeners(url) & before))
        _revoke(pg_server, tenant.key)
        assert _status(pg_server.url, tenant.key) == 401


def test_revocation_from_the_cli_reaches_every_worker(postgres_url: str, tmp_path: Path) -> None:
    with (
        ServerProcess(postgres_url, str(tmp_path), workers=2) as server,
        make_tenant(server) as tenant,  # type: ignore[arg-type]
    ):
        # A new connection per request, so both workers authenticate (and start listening).
        _wait_for(
            lambda: (
                _status(server.url, tenant.key) == 200
                and len(_listeners(postgres_url, elsewhere=True)) >= 2
            )
        )
        for _ in range(20):  # now both remember the key
            assert _status(server.url, tenant.key) == 200
        done = subprocess.run(
            [sys.executable, "-m", "turnout", "key", "revoke", tenant.key[:15]],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
            env={
                **os.environ,
                "TURNOUT_DATABASE_URL": postgres_url,
                "TURNOUT_SECRET": server.settings.secret,
            },
        )
        assert done.returncode == 0, done.stderr
        assert [_status(server.url, tenant.key) for _ in range(20)] == [401] * 20
