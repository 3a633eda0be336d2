"""Hubs, rules and devices on PostgreSQL (asyncpg, the store's pool).

A device write reads the row, lets the core decide, and applies the decision in one transaction. The
quota guard's UPDATE locks the hub row, so creates of one hub queue there; two creates of the same ID
race to the unique key, and the loser starts again, now seeing the winner's row (then the core's
no-op rule gives both the same answer). Overwrites are guarded by the version they were decided from.
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
from turnout.store.hubs import CheckDelete, NewRule
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

    async def update_hub(self, tenant_id: int, name: str, quota: Any, ttl: Any) -> Hub | None:
        sets, args = sql.hub_changes(quota, ttl)
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
        self, hub_id: int, kind: str, device_id: str, decide: Decide, now: int
    ) -> tuple[Device, bool]:
        guarded = True
        if self.unsafe_window is not None:
            guarded = False
            await self._unsafe_quota_check(hub_id)
        for _ in range(_ATTEMPTS):
            try:
                async with self.store._connection() as conn, conn.transaction():
                    return await self._write(conn, hub_id, kind, device_id, decide, now, guarded)
            except _LostRace:
                continue
        raise Unavailable("too many concurrent writes of one device; try again")

    async def _unsafe_quota_check(self, hub_id: int) -> None:
        query = "SELECT device_count, registration_quota FROM hubs WHERE id = ?"
        count, quota = (await self._fetch(query, hub_id))[0]
        await asyncio.sleep(self.unsafe_window or 0)
        if quota is not None and count >= quota:
            raise QuotaExceeded()

    async def _write(
        self,
        conn: Any,
        hub_id: int,
        kind: str,
        device_id: str,
        decide: Decide,
        now: int,
        guarded: bool,
    ) -> tuple[Device, bool]:
        row = await conn.fetchrow(numbered(sql.GET_DEVICE), hub_id, kind, device_id)
        old = sql.device_from_row(row) if row else None
        tombstoned = False
        if kind == REGISTRATION:
            since = now - self.tombstone_seconds
            found = await conn.fetchrow(numbered(sql.TOMBSTONED), hub_id, device_id, since)
            tombstoned = found is not None
        change = decide(old, tombstoned, now)
        if change is None:
            assert old is not None
            return old, False
        return await self._apply(conn, hub_id, kind, device_id, old, change, now, guarded), True

    async def _apply(
        self,
        conn: Any,
        hub_id: int,
        kind: str,
        device_id: str,
        old: Device | None,
        change: DeviceWrite,
        now: int,
        guarded: bool,
    ) -> Device:
        values = (change.version, change.platform, change.handle, change.body)
        if old is None:
            count = sql.COUNT_CREATE if guarded else sql.COUNT_CREATE_UNGUARDED
            if await conn.execute(numbered(count), hub_id) != "UPDATE 1":
                raise QuotaExceeded()
            insert = sql.INSERT_DEVICE + " ON CONFLICT (hub_id, kind, id) DO NOTHING RETURNING pk"
            args = (hub_id, kind, device_id, *values, now, now, change.expires_at)
            pk = await conn.fetchval(numbered(insert), *args)
            if pk is None:
                raise _LostRace()
        else:
            pk = old.pk
            created = now if change.fresh else old.created_at
            status = await conn.execute(
                numbered(sql.UPDATE_DEVICE),
                *values,
                created,
                now,
                change.expires_at,
                pk,
                old.version,
            )
            if status != "UPDATE 1":
                raise _LostRace()
            await conn.execute(numbered(sql.DELETE_TAGS), pk)
        await conn.executemany(numbered(sql.INSERT_TAG), [(hub_id, t, pk) for t in change.tags])
        row = await conn.fetchrow(numbered(sql.GET_DEVICE), hub_id, kind, device_id)
        return sql.device_from_row(row)

    async def delete_device(
        self, hub_id: int, kind: str, device_id: str, check: CheckDelete, now: int
    ) -> bool:
        async with self.store._connection() as conn, conn.transaction():
            query = numbered(sql.GET_DEVICE + " FOR UPDATE")
            row = await conn.fetchrow(query, hub_id, kind, device_id)
            old = sql.device_from_row(row) if row else None
            check(old, now)
            if old is None:
                return False
            await conn.execute(numbered(sql.DELETE_DEVICE), old.pk)
            await conn.execute(numbered(sql.COUNT_DELETE), hub_id)
            if kind == REGISTRATION:
                await conn.execute(numbered(sql.TOMBSTONE), hub_id, device_id, now)
            return True

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
