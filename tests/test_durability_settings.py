"""DUR-5: `turnout serve` warns when the database would not keep what turnout acknowledges."""

from __future__ import annotations

import asyncio
import secrets
from pathlib import Path

import asyncpg
import pytest

from tests.conftest import PG_ADMIN_URL
from tests.processes import ServerProcess
from turnout.config import Settings
from turnout.store import open_store


def warnings_for(settings: Settings) -> list[str]:
    async def go() -> list[str]:
        store = await open_store(settings)
        try:
            return await store.durability_warnings()
        finally:
            await store.close()

    return asyncio.run(go())


def test_sqlite_full_is_quiet_and_normal_warns(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/t.db"
    assert warnings_for(Settings(database_url=url)) == []
    (warning,) = warnings_for(Settings(database_url=url, sqlite_synchronous="NORMAL"))
    assert "power loss" in warning


@pytest.mark.postgres
def test_postgres_default_is_quiet(postgres_url: str) -> None:
    assert warnings_for(Settings(database_url=postgres_url)) == []


@pytest.mark.postgres
def test_postgres_without_synchronous_commit_warns_at_serve(
    postgres_url: str, tmp_path: Path
) -> None:
    name = "turnout_async_" + secrets.token_hex(4)
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name

    async def admin(*sql: str) -> None:
        conn = await asyncpg.connect(PG_ADMIN_URL)
        try:
            for statement in sql:
                await conn.execute(statement)
        finally:
            await conn.close()

    asyncio.run(
        admin(f"CREATE DATABASE {name}", f"ALTER DATABASE {name} SET synchronous_commit = off")
    )
    try:
        (warning,) = warnings_for(Settings(database_url=url))
        assert "synchronous_commit=off" in warning
        with ServerProcess(url, str(tmp_path)) as server:  # `serve` says so before serving
            assert "turnout: warning: PostgreSQL has synchronous_commit=off" in server.log()
    finally:
        asyncio.run(admin(f"DROP DATABASE {name} WITH (FORCE)"))
