"""Storage: one schema and set of migrations, and a backend per database behind `Store`."""

from __future__ import annotations

from turnout.config import Settings
from turnout.store.base import Store


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
