"""Hubs, rules and devices on PostgreSQL (asyncpg, the store's pool).

A device write reads the row and its tombstone without locks (one query; skipped for a server-chosen
ID), lets the core decide, and applies the decision as one statement (store/hubs.py, PG_*) that also
inserts its webhook messages: one round trip, its own transaction. The quota guard's UPDATE locks the
hub row, so creates of one hub queue there; two creates of the same ID race to the unique key, the
loser's whole statement rolls back (its messages with it), and it starts again, now seeing the
winner's row (then the core's no-op rule gives both the same answer). Overwrites and deletes apply
only to the version they were decided from.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

import asyncpg

from turnout.core import hub_notices
from turnout.core.devices import QuotaExceeded
from turnout.core.errors import Unavailable
from turnout.core.hub_writes import REGISTRATION, Decide, Device, DeviceWrite
from turnout.core.hubs import Hub, HubExists, RuleExists
from turnout.core.notices import Notice
from turnout.store import hubs as sql
from turnout.store import outbox
from turnout.store.hubs import CheckDelete, HubStorage, NewRule
from turnout.store.queries import numbered

_ATTEMPTS = 20


class _LostRace(Exception):
    """Another transaction changed the row this write was decided from: decide again."""


def _messages(hub: Hub, notices: Sequence[Notice]) -> tuple[Any, ...]:
    """outbox.insert_after's arguments: the tenant, then the notices' four arrays."""
    return (hub.tenant_id, *outbox.columns(notices))


class PostgresHubs(HubStorage):
    unique_violation = asyncpg.UniqueViolationError

    async def _execute(self, query: str, *args: Any) -> int:
        async with self.store._connection() as conn:
            status: str = await conn.execute(numbered(query), *args)
        return int(status.rsplit(" ", 1)[-1])  # "UPDATE 1", "INSERT 0 1", "DELETE 0"

    async def create_hub(
        self,
        tenant_id: int,
        name: str,
        quota: int | None,
        ttl: int | None,
        rules: Sequence[NewRule],
        now: int,
    ) -> Hub:
        async with self.store._connection() as conn, conn.transaction():
            args = (tenant_id, name, name.lower(), quota, ttl, now)
            try:
                hub = sql.hub_from_row(await conn.fetchrow(numbered(sql.INSERT_HUB), *args))
            except asyncpg.UniqueViolationError as exc:
                raise HubExists(f"a hub named {name!r} exists already (any case)") from exc
            try:
                await conn.executemany(
                    numbered(sql.INSERT_RULE),
                    [self.rule_args(tenant_id, hub.id, r, now) for r in rules],
                )
            except asyncpg.UniqueViolationError as exc:
                names = [r[0] for r in rules]
                raise RuleExists(f"one of the rules {names} exists already") from exc
            return hub

    async def write_device(
        self, hub: Hub, kind: str, device_id: str, decide: Decide, now: int, new_id: bool = False
    ) -> tuple[Device, bool]:
        guarded = await self._guarded(hub.id)
        for _ in range(_ATTEMPTS):
            # A server-chosen ID is new: no read, so the write is one round trip.
            old, tombstoned = (
                (None, False)
                if new_id
                else await self._read_for_write(hub.id, kind, device_id, now)
            )
            change = decide(old, tombstoned, now)
            if change is None:
                assert old is not None
                return old, False
            try:
                return await self._apply(hub, kind, device_id, old, change, now, guarded), True
            except _LostRace:
                new_id = False  # the ID exists after all: read it and decide again
        raise Unavailable("too many concurrent writes of one device; try again")

    async def _read_for_write(
        self, hub_id: int, kind: str, device_id: str, now: int
    ) -> tuple[Device | None, bool]:
        """The stored row and whether the ID is tombstoned, in one query."""
        since = now - self.tombstone_seconds if kind == REGISTRATION else None
        row = await self.store._fetchrow(sql.PG_READ_FOR_WRITE, hub_id, kind, device_id, since)
        old = sql.device_from_row(tuple(row)[:-1]) if row[0] is not None else None
        return old, bool(row[-1])

    async def _apply(
        self,
        hub: Hub,
        kind: str,
        device_id: str,
        old: Device | None,
        change: DeviceWrite,
        now: int,
        guarded: bool,
    ) -> Device:
        """One statement: the quota guard, the row, its tags and its messages, all or nothing."""
        values = (change.version, change.platform, change.handle, change.body)
        tags = list(change.tags)
        new = hub_notices.after(kind, device_id, old, change, now)
        messages = _messages(hub, hub_notices.written(hub, old, change, new))
        args: tuple[Any, ...]
        try:
            if old is None:
                query = sql.PG_CREATE if guarded else sql.PG_CREATE_UNGUARDED
                args = (hub.id, kind, device_id, *values, now, change.expires_at, tags)
            else:
                query = sql.PG_OVERWRITE
                args = (old.pk, old.version, *values, new.created_at, now, change.expires_at)
                args = (*args, hub.id, tags)
            row = await self.store._fetchrow(query, *args, *messages)
        except asyncpg.UniqueViolationError:
            raise _LostRace() from None  # a concurrent create of this ID won; nothing was written
        if row is None or row[0] is None:
            if old is None:
                raise QuotaExceeded()
            raise _LostRace()  # the row changed since it was read
        return sql.device_from_row(row)

    async def delete_device(
        self, hub: Hub, kind: str, device_id: str, check: CheckDelete, now: int
    ) -> bool:
        for _ in range(_ATTEMPTS):
            old, _ = await self._read_for_write(hub.id, kind, device_id, now)
            check(old, now)
            if old is None:
                return False
            tombstone = kind == REGISTRATION
            messages = _messages(hub, hub_notices.deleted(hub, old, now))
            row = await self.store._fetchrow(
                sql.PG_DELETE, old.pk, old.version, device_id, now, tombstone, *messages
            )
            if row is not None and row[0] == 1:
                return True
        raise Unavailable("too many concurrent writes of one device; try again")

    async def purge(self, now: int, tombstones_before: int) -> int:
        async with self.store._connection() as conn, conn.transaction():
            gone = [r[0] for r in await conn.fetch(numbered(sql.DELETE_EXPIRED), now)]
            for hub_id, count in Counter(gone).items():
                await conn.execute(numbered(sql.UNCOUNT), count, hub_id)
            await conn.execute(numbered(sql.DELETE_TOMBSTONES), tombstones_before)
            return len(gone)
