"""Plain statements on either database, for modules whose SQL is not on the hot path (people,
sessions, the dashboard's reads). SQL is written once with `?` placeholders.

On SQLite, reads use the store's reader connection (committed data only) and writes go through its
group commit, so they are durable when the call returns. On PostgreSQL each call is one round trip
on a pooled connection, with the store's mapping of connection failures to Unavailable.
"""

from __future__ import annotations

from typing import Any, Protocol

from turnout.store.base import Store
from turnout.store.queries import numbered

Row = tuple[Any, ...]


class Sql(Protocol):
    dialect: str

    async def rows(self, sql: str, *args: Any) -> list[Row]:
        """The rows a read returns."""
        ...

    async def write(self, sql: str, *args: Any) -> list[Row]:
        """Run a write in a transaction of its own; the rows of its RETURNING clause, if any."""
        ...

    async def count(self, sql: str, *args: Any) -> int:
        """Run a write in a transaction of its own; how many rows it changed."""
        ...


def sql_for(store: Store) -> Sql:
    if store.dialect == "postgres":
        return _Postgres(store)
    return _Sqlite(store)


class _Sqlite:
    dialect = "sqlite"

    def __init__(self, store: Any) -> None:
        self.store = store

    async def rows(self, sql: str, *args: Any) -> list[Row]:
        return [tuple(r) for r in self.store.reader.execute(sql, args).fetchall()]

    async def write(self, sql: str, *args: Any) -> list[Row]:
        db = self.store.db
        return list(await self.store.writes.run(lambda: [tuple(r) for r in db.execute(sql, args)]))

    async def count(self, sql: str, *args: Any) -> int:
        db = self.store.db
        return int(await self.store.writes.run(lambda: db.execute(sql, args).rowcount))


class _Postgres:
    dialect = "postgres"

    def __init__(self, store: Any) -> None:
        self.store = store

    async def rows(self, sql: str, *args: Any) -> list[Row]:
        async with self.store._connection() as conn:
            return [tuple(r) for r in await conn.fetch(numbered(sql), *args)]

    async def write(self, sql: str, *args: Any) -> list[Row]:
        return await self.rows(sql, *args)

    async def count(self, sql: str, *args: Any) -> int:
        async with self.store._connection() as conn:
            status = await conn.execute(numbered(sql), *args)
        return int(status.rsplit(" ", 1)[-1])
