"""Storage: one schema and set of migrations, and a backend per database behind `Store`."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from turnout.config import Settings
from turnout.core.errors import Unavailable
from turnout.core.ports import Store

log = logging.getLogger("turnout.store")


async def open_store(settings: Settings) -> Store:
    window = settings.debug_race_window_ms / 1000 if settings.debug_unsafe_seats else None
    if settings.is_postgres:
        from turnout.store.postgres import PostgresStore

        return await PostgresStore.open(
            settings.database_url, unsafe_race_window=window, pool_size=settings.pg_pool_size
        )
    from turnout.store.sqlite import SqliteStore

    path = settings.database_url.removeprefix("sqlite:///")
    return SqliteStore(path, settings.sqlite_synchronous.upper(), unsafe_race_window=window)


async def open_when_ready(settings: Settings, patience: float = 60) -> Store:
    """The store, migrated, once the database answers — waiting up to `patience` seconds for it.

    A server process that starts while PostgreSQL restarts (uvicorn replaces a worker that died or
    stopped answering its health checks) waits for the database instead of failing its start-up,
    which would make uvicorn stop every worker.
    """
    deadline = time.monotonic() + patience
    while True:
        try:
            store = await open_store(settings)
            try:
                await store.migrate()
            except BaseException:
                with contextlib.suppress(Exception):
                    await store.close()
                raise
            return store
        except Unavailable as exc:
            if time.monotonic() > deadline:
                raise
            log.warning("the database is not answering (%s); trying again", exc)
            await asyncio.sleep(0.5)
