"""Real servers over real HTTP, on SQLite and on PostgreSQL.

Each backend gets one live uvicorn server for the session, on a fresh database. Tests isolate
themselves by making their own tenant (`tenant` fixture), not by resetting the database.
Under CI=true the PostgreSQL and Redis tests are required: an unreachable server fails the run.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
from collections.abc import Callable, Coroutine, Iterator
from typing import Any

import asyncpg
import pytest
import redis.asyncio

from tests.live import SECRET, LiveServer, Tenant, make_tenant
from turnout.config import Settings

PG_ADMIN_URL = os.environ.get(
    "TURNOUT_TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
REDIS_URL = os.environ.get("TURNOUT_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
BACKENDS = ["sqlite", "postgres"]


def _problem(probe: Callable[[], Coroutine[Any, Any, None]]) -> str | None:
    """None when `probe` succeeds; else what went wrong, for the skip or failure message."""
    try:
        asyncio.run(probe())
        return None
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"


def _postgres_reachable() -> str | None:
    async def probe() -> None:
        conn = await asyncpg.connect(PG_ADMIN_URL, timeout=5)
        await conn.close()

    return _problem(probe)


def _redis_reachable() -> str | None:
    async def probe() -> None:
        client = redis.asyncio.Redis.from_url(REDIS_URL, socket_connect_timeout=5)
        try:
            await client.ping()
        finally:
            await client.aclose()

    return _problem(probe)


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The Redis that tests share; each test keys its counters under a prefix of its own."""
    problem = _redis_reachable()
    if problem:
        message = f"Redis is not reachable at {REDIS_URL} ({problem})"
        if os.environ.get("CI") == "true":
            pytest.fail(message + "; under CI=true the Redis tests are required")
        pytest.skip(message)
    return REDIS_URL


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session, dropped afterwards."""
    problem = _postgres_reachable()
    if problem:
        message = f"PostgreSQL is not reachable at {PG_ADMIN_URL} ({problem})"
        if os.environ.get("CI") == "true":
            pytest.fail(message + "; under CI=true the PostgreSQL tests are required")
        pytest.skip(message)
    name = "turnout_test_" + secrets.token_hex(4)

    async def admin(sql: str) -> None:
        conn = await asyncpg.connect(PG_ADMIN_URL)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(admin(f"CREATE DATABASE {name}"))
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    finally:
        asyncio.run(admin(f"DROP DATABASE {name} WITH (FORCE)"))


def base_settings(tmp_dir: str, database_url: str, **changes: object) -> Settings:
    return Settings(
        database_url=database_url,
        secret=SECRET,
        access_log=True,
        rate_limits=False,  # tests that measure limits start a server of their own
        secret_file=os.path.join(tmp_dir, "secret"),
    ).with_(**changes)


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="session")
def database_url(
    backend: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> str:
    if backend == "postgres":
        return str(request.getfixturevalue("postgres_url"))
    return "sqlite:///" + str(tmp_path_factory.mktemp("sqlite") / "turnout.db")


@pytest.fixture(scope="session")
def server(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    settings = base_settings(str(tmp_path_factory.mktemp("server")), database_url)
    with LiveServer(settings) as live:
        yield live


@pytest.fixture
def unguarded_server(
    database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """The negative control's server: seats checked outside the write transaction, 5 ms race window."""
    settings = base_settings(
        str(tmp_path_factory.mktemp("unguarded")),
        database_url,
        debug_unsafe_seats=True,
        debug_race_window_ms=5,
    )
    with LiveServer(settings) as live:
        yield live


@pytest.fixture
def tenant(server: LiveServer) -> Iterator[Tenant]:
    """A new tenant with a write key, and an HTTP client that sends it."""
    with make_tenant(server) as t:
        yield t


@pytest.fixture
def other_tenant(server: LiveServer) -> Iterator[Tenant]:
    with make_tenant(server) as t:
        yield t


@pytest.fixture
def access_log() -> Iterator[list[str]]:
    lines: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(record.getMessage())

    handler = Collect()
    logger = logging.getLogger("turnout.access")
    logger.addHandler(handler)
    try:
        yield lines
    finally:
        logger.removeHandler(handler)
