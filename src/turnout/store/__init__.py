"""Storage: one schema and set of migrations, and a backend per database behind `Store`."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from pathlib import Path

from turnout.config import ConfigError, Settings
from turnout.core.errors import Unavailable
from turnout.core.ports import Store

log = logging.getLogger("turnout.store")

DEFAULT_SQLITE_FOLDER = "var"


async def open_store(settings: Settings) -> Store:
    window = settings.debug_race_window_ms / 1000 if settings.debug_unsafe_seats else None
    if settings.is_postgres:
        from turnout.store.postgres import PostgresStore

        return await PostgresStore.open(
            settings.database_url, unsafe_race_window=window, pool_size=settings.pg_pool_size
        )
    from turnout.store.sqlite import SqliteStore

    path = settings.database_url.removeprefix("sqlite:///")
    _check_folder(path)
    return SqliteStore(path, settings.sqlite_synchronous.upper(), unsafe_race_window=window)


def _check_folder(path: str) -> None:
    """A database in a folder that does not exist is a typo far more often than a wish: refuse it,
    except turnout's own default folder (./var), made on first start."""
    folder = Path(path).parent
    if path == ":memory:" or folder.is_dir() or folder == Path(DEFAULT_SQLITE_FOLDER):
        return
    raise ConfigError(
        f"TURNOUT_DATABASE_URL names {path}, but the folder {folder} does not exist; "
        f"create it (mkdir -p {folder}) or fix the URL"
    )


async def open_when_ready(settings: Settings, patience: float = 60) -> Store:
    """The store, migrated, once the database answers — waiting up to `patience` seconds for it,
    retrying after 0.5 s, then twice as long each time up to 10 s.

    A server process that starts while PostgreSQL restarts (uvicorn replaces a worker that died or
    stopped answering its health checks) waits for the database instead of failing its start-up,
    which would make uvicorn stop every worker.
    """
    deadline = time.monotonic() + patience
    pause = 0.5
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
            log.warning(
                "turnout: the database is not answering (%s); trying again in %g s "
                "(Ctrl-C to stop)",
                exc,
                pause,
            )
            await asyncio.sleep(pause)
            pause = min(pause * 2, 10)
