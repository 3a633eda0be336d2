"""Hubs, rules and devices on SQLite: writes in the store's group-committed batches (a device's
webhook messages in the same batch, store/outbox.py), reads on its reader connection."""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Sequence
from typing import Any

from turnout.core import hub_notices
from turnout.core.devices import QuotaExceeded
from turnout.core.hub_writes import REGISTRATION, Decide, Device, DeviceWrite
from turnout.core.hubs import Hub, HubExists, RuleExists
from turnout.store import hubs as sql
from turnout.store import outbox
from turnout.store.hubs import CheckDelete, HubStorage, NewRule


class SqliteHubs(HubStorage):
    unique_violation = sqlite3.IntegrityError

    async def _execute(self, query: str, *args: Any) -> int:
        changed: int = await self.store.writes.run(
            lambda: self.store.db.execute(query, args).rowcount
        )
        return changed

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
            db = self.store.db
            args = (tenant_id, name, name.lower(), quota, ttl, now)
            try:
                hub = sql.hub_from_row(db.execute(sql.INSERT_HUB, args).fetchone())
            except sqlite3.IntegrityError as exc:
                raise HubExists(f"a hub named {name!r} exists already (any case)") from exc
            try:
                db.executemany(
                    sql.INSERT_RULE, [self.rule_args(tenant_id, hub.id, r, now) for r in rules]
                )
            except sqlite3.IntegrityError as exc:
                raise RuleExists(
                    f"one of the rules {[r[0] for r in rules]} exists already"
                ) from exc
            return hub

        result: Hub = await self.store.writes.run(insert)
        return result

    async def write_device(
        self, hub: Hub, kind: str, device_id: str, decide: Decide, now: int, new_id: bool = False
    ) -> tuple[Device, bool]:
        guarded = await self._guarded(hub.id)

        def write() -> tuple[Device, bool]:
            old = self._device(hub.id, kind, device_id)
            tombstoned = kind == REGISTRATION and self._tombstoned(hub.id, device_id, now)
            change = decide(old, tombstoned, now)
            if change is None:
                assert old is not None
                return old, False
            new = self._apply(hub.id, kind, device_id, old, change, now, guarded)
            outbox.record_sqlite(
                self.store.subscriptions, hub.tenant_id, hub_notices.written(hub, old, change, new)
            )
            return new, True

        result: tuple[Device, bool] = await self.store.writes.run(write)
        return result

    def _device(self, hub_id: int, kind: str, device_id: str) -> Device | None:
        row = self.store.db.execute(sql.GET_DEVICE, (hub_id, kind, device_id)).fetchone()
        return sql.device_from_row(row) if row else None

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
        new = self._device(hub_id, kind, device_id)
        assert new is not None
        return new

    async def delete_device(
        self, hub: Hub, kind: str, device_id: str, check: CheckDelete, now: int
    ) -> bool:
        def delete() -> bool:
            db = self.store.db
            old = self._device(hub.id, kind, device_id)
            check(old, now)
            if old is None:
                return False
            db.execute(sql.DELETE_DEVICE, (old.pk,))
            db.execute(sql.COUNT_DELETE, (hub.id,))
            if kind == REGISTRATION:
                db.execute(sql.TOMBSTONE, (hub.id, device_id, now))
            outbox.record_sqlite(
                self.store.subscriptions, hub.tenant_id, hub_notices.deleted(hub, old, now)
            )
            return True

        result: bool = await self.store.writes.run(delete)
        return result

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
