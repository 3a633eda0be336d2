"""Hubs, rules and devices on SQLite: writes in the store's group-committed batches, reads on its
reader connection (committed data only)."""

from __future__ import annotations

import asyncio
import sqlite3
from collections import Counter
from collections.abc import Sequence
from typing import Any

from turnout.core.devices import QuotaExceeded
from turnout.core.hub_writes import REGISTRATION, Decide, Device, DeviceWrite
from turnout.core.hubs import Hub, HubExists, KeySeal, Rule, RuleExists
from turnout.store import hubs as sql
from turnout.store.hubs import KEEP, CheckDelete, NewRule


class SqliteHubs:
    def __init__(
        self, store: Any, seal: KeySeal, tombstone_seconds: int, unsafe_window: float | None
    ) -> None:
        self.store = store
        self.seal = seal
        self.tombstone_seconds = tombstone_seconds
        self.unsafe_window = unsafe_window

    def _read(self, query: str, *args: Any) -> list[Any]:
        return list(self.store.reader.execute(query, args).fetchall())

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
        def insert() -> Hub:
            args = (tenant_id, name, name.lower(), quota, ttl, now)
            try:
                hub = sql.hub_from_row(self.store.db.execute(sql.INSERT_HUB, args).fetchone())
            except sqlite3.IntegrityError as exc:
                raise HubExists(f"a hub named {name!r} exists already (any case)") from exc
            for rule in rules:
                self._insert_rule(tenant_id, hub.id, rule, now)
            return hub

        result: Hub = await self.store.writes.run(insert)
        return result

    def _insert_rule(self, tenant_id: int, hub_id: int | None, rule: NewRule, now: int) -> None:
        name, rights, primary, secondary = rule
        sealed = self.seal.seal(secondary) if secondary else None
        args = (tenant_id, hub_id, name, rights, self.seal.seal(primary), sealed, now)
        try:
            self.store.db.execute(sql.INSERT_RULE, args)
        except sqlite3.IntegrityError as exc:
            raise RuleExists(f"a rule named {name!r} exists already") from exc

    async def find_hub(self, tenant_id: int, name: str) -> Hub | None:
        rows = self._read(sql.FIND_HUB, tenant_id, name.lower())
        return sql.hub_from_row(rows[0]) if rows else None

    async def list_hubs(self, tenant_id: int) -> list[Hub]:
        return [sql.hub_from_row(r) for r in self._read(sql.LIST_HUBS, tenant_id)]

    async def update_hub(
        self, tenant_id: int, name: str, quota: Any, ttl: Any, rate: Any = KEEP
    ) -> Hub | None:
        sets, args = sql.hub_changes(quota, ttl, rate)

        def update() -> Hub | None:
            if sets:
                self.store.db.execute(
                    f"UPDATE hubs SET {sets} WHERE tenant_id = ? AND name_key = ?",
                    (*args, tenant_id, name.lower()),
                )
            row = self.store.db.execute(sql.FIND_HUB, (tenant_id, name.lower())).fetchone()
            return sql.hub_from_row(row) if row else None

        result: Hub | None = await self.store.writes.run(update)
        return result

    async def delete_hub(self, tenant_id: int, name: str) -> bool:
        def delete() -> bool:
            deleted: int = self.store.db.execute(sql.DELETE_HUB, (tenant_id, name.lower())).rowcount
            return deleted == 1

        result: bool = await self.store.writes.run(delete)
        return result

    async def add_rule(self, tenant_id: int, hub_id: int | None, rule: NewRule, now: int) -> None:
        await self.store.writes.run(lambda: self._insert_rule(tenant_id, hub_id, rule, now))

    async def find_rule(self, name: str) -> Rule | None:
        rows = self._read(sql.FIND_RULE, name)
        return sql.rule_from_row(rows[0], self.seal) if rows else None

    async def list_rules(self, tenant_id: int) -> list[Rule]:
        return [sql.rule_from_row(r, self.seal) for r in self._read(sql.LIST_RULES, tenant_id)]

    async def set_rule_keys(
        self, tenant_id: int, name: str, primary: str, secondary: str | None
    ) -> bool:
        sealed = self.seal.seal(secondary) if secondary else None
        args = (self.seal.seal(primary), sealed, tenant_id, name)
        result: bool = await self.store.writes.run(
            lambda: self.store.db.execute(sql.SET_RULE_KEYS, args).rowcount == 1
        )
        return result

    async def delete_rule(self, tenant_id: int, name: str) -> bool:
        result: bool = await self.store.writes.run(
            lambda: self.store.db.execute(sql.DELETE_RULE, (tenant_id, name)).rowcount == 1
        )
        return result

    # Devices

    async def get_device(self, hub_id: int, kind: str, device_id: str) -> Device | None:
        rows = self._read(sql.GET_DEVICE, hub_id, kind, device_id)
        return sql.device_from_row(rows[0]) if rows else None

    async def write_device(
        self, hub_id: int, kind: str, device_id: str, decide: Decide, now: int, new_id: bool = False
    ) -> tuple[Device, bool]:
        guarded = True
        if self.unsafe_window is not None:
            guarded = False
            await self._unsafe_quota_check(hub_id)

        def write() -> tuple[Device, bool]:
            db = self.store.db
            row = db.execute(sql.GET_DEVICE, (hub_id, kind, device_id)).fetchone()
            old = sql.device_from_row(row) if row else None
            tombstoned = kind == REGISTRATION and self._tombstoned(hub_id, device_id, now)
            change = decide(old, tombstoned, now)
            if change is None:
                assert old is not None
                return old, False
            return self._apply(hub_id, kind, device_id, old, change, now, guarded), True

        result: tuple[Device, bool] = await self.store.writes.run(write)
        return result

    async def _unsafe_quota_check(self, hub_id: int) -> None:
        count, quota = self._read(
            "SELECT device_count, registration_quota FROM hubs WHERE id = ?", hub_id
        )[0]
        await asyncio.sleep(self.unsafe_window or 0)
        if quota is not None and count >= quota:
            raise QuotaExceeded()

    def _tombstoned(self, hub_id: int, device_id: str, now: int) -> bool:
        since = now - self.tombstone_seconds
        return (
            self.store.db.execute(sql.TOMBSTONED, (hub_id, device_id, since)).fetchone() is not None
        )

    def _apply(
        self,
        hub_id: int,
        kind: str,
        device_id: str,
        old: Device | None,
        change: DeviceWrite,
        now: int,
        guarded: bool,
    ) -> Device:
        db = self.store.db
        values = (change.version, change.platform, change.handle, change.body)
        if old is None:
            count = sql.COUNT_CREATE if guarded else sql.COUNT_CREATE_UNGUARDED
            if db.execute(count, (hub_id,)).rowcount != 1:
                raise QuotaExceeded()
            args = (hub_id, kind, device_id, *values, now, now, change.expires_at)
            pk = db.execute(sql.INSERT_DEVICE + " RETURNING pk", args).fetchone()[0]
        else:
            pk = old.pk
            created = now if change.fresh else old.created_at
            args2 = (*values, created, now, change.expires_at, pk, old.version)
            db.execute(sql.UPDATE_DEVICE, args2)
            db.execute(sql.DELETE_TAGS, (pk,))
        db.executemany(sql.INSERT_TAG, [(hub_id, tag, pk) for tag in change.tags])
        return sql.device_from_row(db.execute(sql.GET_DEVICE, (hub_id, kind, device_id)).fetchone())

    async def delete_device(
        self, hub_id: int, kind: str, device_id: str, check: CheckDelete, now: int
    ) -> bool:
        def delete() -> bool:
            db = self.store.db
            row = db.execute(sql.GET_DEVICE, (hub_id, kind, device_id)).fetchone()
            old = sql.device_from_row(row) if row else None
            check(old, now)
            if old is None:
                return False
            db.execute(sql.DELETE_DEVICE, (old.pk,))
            db.execute(sql.COUNT_DELETE, (hub_id,))
            if kind == REGISTRATION:
                db.execute(sql.TOMBSTONE, (hub_id, device_id, now))
            return True

        result: bool = await self.store.writes.run(delete)
        return result

    async def list_devices(
        self, hub_id: int, now: int, after: int, limit: int, offset: int, tag: str | None
    ) -> list[Device]:
        if tag is None:
            rows = self._read(sql.LIST_ALL, hub_id, after, now, limit, offset)
        else:
            rows = self._read(sql.LIST_TAG, hub_id, tag, after, now, limit, offset)
        return [sql.device_from_row(r) for r in rows]

    async def devices_by_handle(
        self, hub_id: int, handles: Sequence[str], now: int, after: int, limit: int
    ) -> list[Device]:
        rows = self._read(sql.list_by_handle(len(handles)), hub_id, *handles, after, now, limit)
        return [sql.device_from_row(r) for r in rows]

    async def purge(self, now: int, tombstones_before: int) -> int:
        def purge() -> int:
            db = self.store.db
            gone = [r[0] for r in db.execute(sql.DELETE_EXPIRED, (now,)).fetchall()]
            for hub_id, count in Counter(gone).items():
                db.execute(sql.UNCOUNT, (count, hub_id))
            db.execute(sql.DELETE_TOMBSTONES, (tombstones_before,))
            return len(gone)

        result: int = await self.store.writes.run(purge)
        return result
