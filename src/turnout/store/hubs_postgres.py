"""Hubs, rules and devices on PostgreSQL (asyncpg, the store's pool).

A device write reads the row and its tombstone without locks (one query; skipped for a server-chosen
ID), lets the core decide, and applies the decision as one statement (store/hubs.py, PG_*): one round
trip, its own transaction. The quota guard's UPDATE locks the hub row, so creates of one hub queue
there; two creates of the same ID race to the unique key, the loser's whole statement rolls back,
and it starts again, now seeing the winner's row (then the core's no-op rule gives both the same
answer). Overwrites and deletes apply only to the version they were decided from.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Sequence
from typing import Any

import asyncpg

from turnout.core.devices import QuotaExceeded
from turnout.core.errors import Unavailable
from turnout.core.hub_writes import REGISTRATION, Decide, Device, DeviceWrite
from turnout.core.hubs import Hub, HubExists, KeySeal, Rule, RuleExists
from turnout.store import hubs as sql
from turnout.store.hubs import KEEP, CheckDelete, NewRule
from turnout.store.queries import numbered

_ATTEMPTS = 20


class _LostRace(Exception):
    """Another transaction changed the row this write was decided from: decide again."""


class PostgresHubs:
    def __init__(
        self, store: Any, seal: KeySeal, tombstone_seconds: int, unsafe_window: float | None
    ) -> None:
        self.store = store
        self.seal = seal
        self.tombstone_seconds = tombstone_seconds
        self.unsafe_window = unsafe_window

    async def _fetch(self, query: str, *args: Any) -> list[Any]:
        rows: list[Any] = await self.store._fetch(numbered(query), *args)
        return rows

    async def _execute(self, query: str, *args: Any) -> str:
        async with self.store._connection() as conn:
            status: str = await conn.execute(numbered(query), *args)
            return status

    # Hubs and rules

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
            for rule in rules:
                await self._insert_rule(conn, tenant_id, hub.id, rule, now)
            return hub

    async def _insert_rule(
        self, conn: Any, tenant_id: int, hub_id: int | None, rule: NewRule, now: int
    ) -> None:
        name, rights, primary, secondary = rule
        sealed = self.seal.seal(secondary) if secondary else None
        args = (tenant_id, hub_id, name, rights, self.seal.seal(primary), sealed, now)
        try:
            await conn.execute(numbered(sql.INSERT_RULE), *args)
        except asyncpg.UniqueViolationError as exc:
            raise RuleExists(f"a rule named {name!r} exists already") from exc

    async def find_hub(self, tenant_id: int, name: str) -> Hub | None:
        rows = await self._fetch(sql.FIND_HUB, tenant_id, name.lower())
        return sql.hub_from_row(rows[0]) if rows else None

    async def list_hubs(self, tenant_id: int) -> list[Hub]:
        return [sql.hub_from_row(r) for r in await self._fetch(sql.LIST_HUBS, tenant_id)]

    async def update_hub(
        self, tenant_id: int, name: str, quota: Any, ttl: Any, rate: Any = KEEP
    ) -> Hub | None:
        sets, args = sql.hub_changes(quota, ttl, rate)
        if sets:
            query = f"UPDATE hubs SET {sets} WHERE tenant_id = ? AND name_key = ?"
            await self._execute(query, *args, tenant_id, name.lower())
        return await self.find_hub(tenant_id, name)

    async def delete_hub(self, tenant_id: int, name: str) -> bool:
        return await self._execute(sql.DELETE_HUB, tenant_id, name.lower()) == "DELETE 1"

    async def add_rule(self, tenant_id: int, hub_id: int | None, rule: NewRule, now: int) -> None:
        async with self.store._connection() as conn:
            await self._insert_rule(conn, tenant_id, hub_id, rule, now)

    async def find_rule(self, name: str) -> Rule | None:
        rows = await self._fetch(sql.FIND_RULE, name)
        return sql.rule_from_row(rows[0], self.seal) if rows else None

    async def list_rules(self, tenant_id: int) -> list[Rule]:
        return [
            sql.rule_from_row(r, self.seal) for r in await self._fetch(sql.LIST_RULES, tenant_id)
        ]

    async def set_rule_keys(
        self, tenant_id: int, name: str, primary: str, secondary: str | None
    ) -> bool:
        sealed = self.seal.seal(secondary) if secondary else None
        status = await self._execute(
            sql.SET_RULE_KEYS, self.seal.seal(primary), sealed, tenant_id, name
        )
        return status == "UPDATE 1"

    async def delete_rule(self, tenant_id: int, name: str) -> bool:
        return await self._execute(sql.DELETE_RULE, tenant_id, name) == "DELETE 1"

    # Devices

    async def get_device(self, hub_id: int, kind: str, device_id: str) -> Device | None:
        rows = await self._fetch(sql.GET_DEVICE, hub_id, kind, device_id)
        return sql.device_from_row(rows[0]) if rows else None

    async def write_device(
        self, hub_id: int, kind: str, device_id: str, decide: Decide, now: int, new_id: bool = False
    ) -> tuple[Device, bool]:
        guarded = True
        if self.unsafe_window is not None:
            guarded = False
            await self._unsafe_quota_check(hub_id)
        for _ in range(_ATTEMPTS):
            # A server-chosen ID is new: no read, so the write is one round trip.
            old, tombstoned = (
                (None, False) if new_id else await self._read(hub_id, kind, device_id, now)
            )
            change = decide(old, tombstoned, now)
            if change is None:
                assert old is not None
                return old, False
            try:
                return await self._apply(hub_id, kind, device_id, old, change, now, guarded), True
            except _LostRace:
                new_id = False  # the ID exists after all: read it and decide again
        raise Unavailable("too many concurrent writes of one device; try again")

    async def _read(
        self, hub_id: int, kind: str, device_id: str, now: int
    ) -> tuple[Device | None, bool]:
        """The stored row and whether the ID is tombstoned, in one query."""
        since = now - self.tombstone_seconds if kind == REGISTRATION else None
        row = await self.store._fetchrow(sql.PG_READ_FOR_WRITE, hub_id, kind, device_id, since)
        old = sql.device_from_row(tuple(row)[:-1]) if row[0] is not None else None
        return old, bool(row[-1])

    async def _unsafe_quota_check(self, hub_id: int) -> None:
        query = "SELECT device_count, registration_quota FROM hubs WHERE id = ?"
        count, quota = (await self._fetch(query, hub_id))[0]
        await asyncio.sleep(self.unsafe_window or 0)
        if quota is not None and count >= quota:
            raise QuotaExceeded()

    async def _apply(
        self,
        hub_id: int,
        kind: str,
        device_id: str,
        old: Device | None,
        change: DeviceWrite,
        now: int,
        guarded: bool,
    ) -> Device:
        """One statement: the quota guard, the row and its tags, all or nothing."""
        values = (change.version, change.platform, change.handle, change.body)
        tags = list(change.tags)
        args: tuple[Any, ...]
        try:
            if old is None:
                query = sql.PG_CREATE if guarded else sql.PG_CREATE_UNGUARDED
                args = (hub_id, kind, device_id, *values, now, change.expires_at, tags)
            else:
                created = now if change.fresh else old.created_at
                query = sql.PG_OVERWRITE
                args = (old.pk, old.version, *values, created, now, change.expires_at, hub_id, tags)
            row = await self.store._fetchrow(query, *args)
        except asyncpg.UniqueViolationError:
            raise _LostRace() from None  # a concurrent create of this ID won; nothing was written
        if row is None or row[0] is None:
            if old is None:
                raise QuotaExceeded()
            raise _LostRace()  # the row changed since it was read
        return sql.device_from_row(row)

    async def delete_device(
        self, hub_id: int, kind: str, device_id: str, check: CheckDelete, now: int
    ) -> bool:
        for _ in range(_ATTEMPTS):
            old, _ = await self._read(hub_id, kind, device_id, now)
            check(old, now)
            if old is None:
                return False
            tombstone = kind == REGISTRATION
            row = await self.store._fetchrow(
                sql.PG_DELETE, old.pk, old.version, device_id, now, tombstone
            )
            if row is not None and row[0] == 1:
                return True
        raise Unavailable("too many concurrent writes of one device; try again")

    async def list_devices(
        self, hub_id: int, now: int, after: int, limit: int, offset: int, tag: str | None
    ) -> list[Device]:
        if tag is None:
            rows = await self._fetch(sql.LIST_ALL, hub_id, after, now, limit, offset)
        else:
            rows = await self._fetch(sql.LIST_TAG, hub_id, tag, after, now, limit, offset)
        return [sql.device_from_row(r) for r in rows]

    async def devices_by_handle(
        self, hub_id: int, handles: Sequence[str], now: int, after: int, limit: int
    ) -> list[Device]:
        query = sql.list_by_handle(len(handles))
        rows = await self._fetch(query, hub_id, *handles, after, now, limit)
        return [sql.device_from_row(r) for r in rows]

    async def purge(self, now: int, tombstones_before: int) -> int:
        async with self.store._connection() as conn, conn.transaction():
            gone = [r[0] for r in await conn.fetch(numbered(sql.DELETE_EXPIRED), now)]
            for hub_id, count in Counter(gone).items():
                await conn.execute(numbered(sql.UNCOUNT), count, hub_id)
            await conn.execute(numbered(sql.DELETE_TOMBSTONES), tombstones_before)
            return len(gone)
