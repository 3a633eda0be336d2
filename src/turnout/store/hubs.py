"""Storage of notification hubs (the interface is core/hub_ports.py), their SAS rules and their
devices: the SQL both databases share (`?` placeholders; PostgreSQL's are numbered by
queries.numbered), and every method that is the same on both (`HubStorage`). A backend says only how
one statement runs as a write of its own (`_execute`), and how a hub is created and a device written
or deleted, where the databases differ (group commit on SQLite, one statement on PostgreSQL).

Devices are registrations and installations in one table. Each tag is a row of its own, so a by-tag
list is an index range; the PNS handle is a column of its own with a B-tree, so a by-channel list is
one too. Lists are keyset pages on the row id, which is creation order. Every device write records
its webhook messages (core/hub_notices.py) in its own transaction.
"""

from __future__ import annotations

import abc
import asyncio
from collections.abc import Sequence
from typing import Any

from turnout.core.devices import QuotaExceeded
from turnout.core.hub_ports import KEEP, CheckDelete, HubStore, NewRule
from turnout.core.hub_writes import Decide, Device
from turnout.core.hubs import Hub, KeySeal, Rule, RuleExists
from turnout.store import outbox
from turnout.store.base import Store

HUB_COLUMNS = (
    "id, tenant_id, name, registration_quota, registration_ttl, device_count, requests_per_second"
)
RULE_COLUMNS = (
    "r.id, r.tenant_id, r.hub_id, h.name, r.name, r.rights, r.primary_key, r.secondary_key"
)
RULE_FROM = "hub_rules r LEFT JOIN hubs h ON h.id = r.hub_id"
DEVICE_COLUMNS = "pk, kind, id, version, platform, handle, body, created_at, updated_at, expires_at"
_D_COLUMNS = ", ".join("d." + c.strip() for c in DEVICE_COLUMNS.split(","))
_LIVE = "(expires_at IS NULL OR expires_at > ?)"

FIND_HUB = f"SELECT {HUB_COLUMNS} FROM hubs WHERE tenant_id = ? AND name_key = ?"
LIST_HUBS = f"SELECT {HUB_COLUMNS} FROM hubs WHERE tenant_id = ? ORDER BY name_key"
INSERT_HUB = (
    "INSERT INTO hubs (tenant_id, name, name_key, registration_quota, registration_ttl, created_at)"
    f" VALUES (?, ?, ?, ?, ?, ?) RETURNING {HUB_COLUMNS}"
)
INSERT_RULE = (
    "INSERT INTO hub_rules (tenant_id, hub_id, name, rights, primary_key, secondary_key, created_at)"
    " VALUES (?, ?, ?, ?, ?, ?, ?)"
)
FIND_RULE = f"SELECT {RULE_COLUMNS} FROM {RULE_FROM} WHERE r.name = ?"
LIST_RULES = f"SELECT {RULE_COLUMNS} FROM {RULE_FROM} WHERE r.tenant_id = ? ORDER BY r.name"
SET_RULE_KEYS = (
    "UPDATE hub_rules SET primary_key = ?, secondary_key = ? WHERE tenant_id = ? AND name = ?"
)
DELETE_RULE = "DELETE FROM hub_rules WHERE tenant_id = ? AND name = ?"
DELETE_HUB = "DELETE FROM hubs WHERE tenant_id = ? AND name_key = ?"
HUB_QUOTA = "SELECT device_count, registration_quota FROM hubs WHERE id = ?"

GET_DEVICE = f"SELECT {DEVICE_COLUMNS} FROM hub_devices WHERE hub_id = ? AND kind = ? AND id = ?"
TOMBSTONED = "SELECT 1 FROM hub_tombstones WHERE hub_id = ? AND id = ? AND deleted_at > ?"
# The quota guard (spec §8.1): the same statement on both databases, in the write's transaction.
COUNT_CREATE = (
    "UPDATE hubs SET device_count = device_count + 1 WHERE id = ?"
    " AND (registration_quota IS NULL OR device_count < registration_quota)"
)
# The negative control's create: no guard (TURNOUT_DEBUG_UNSAFE_HUB_QUOTA).
COUNT_CREATE_UNGUARDED = "UPDATE hubs SET device_count = device_count + 1 WHERE id = ?"
COUNT_DELETE = "UPDATE hubs SET device_count = device_count - 1 WHERE id = ?"
INSERT_DEVICE = (
    "INSERT INTO hub_devices (hub_id, kind, id, version, platform, handle, body, created_at,"
    " updated_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
UPDATE_DEVICE = (
    "UPDATE hub_devices SET version = ?, platform = ?, handle = ?, body = ?, created_at = ?,"
    " updated_at = ?, expires_at = ? WHERE pk = ? AND version = ?"
)
DELETE_TAGS = "DELETE FROM hub_device_tags WHERE device_pk = ?"
INSERT_TAG = "INSERT INTO hub_device_tags (hub_id, tag, device_pk) VALUES (?, ?, ?)"
DELETE_DEVICE = "DELETE FROM hub_devices WHERE pk = ?"
TOMBSTONE = (
    "INSERT INTO hub_tombstones (hub_id, id, deleted_at) VALUES (?, ?, ?)"
    " ON CONFLICT (hub_id, id) DO UPDATE SET deleted_at = excluded.deleted_at"
)
LIST_ALL = (
    f"SELECT {DEVICE_COLUMNS} FROM hub_devices WHERE hub_id = ? AND kind = 'registration'"
    f" AND pk > ? AND {_LIVE} ORDER BY pk LIMIT ? OFFSET ?"
)
LIST_TAG = (
    f"SELECT {_D_COLUMNS} FROM hub_device_tags t JOIN hub_devices d ON d.pk = t.device_pk"
    " WHERE t.hub_id = ? AND t.tag = ? AND t.device_pk > ? AND d.kind = 'registration'"
    " AND (d.expires_at IS NULL OR d.expires_at > ?) ORDER BY t.device_pk LIMIT ? OFFSET ?"
)
# Purging: expired devices leave the hub's count in the same transaction as their rows.
UNCOUNT = "UPDATE hubs SET device_count = device_count - ? WHERE id = ?"
DELETE_EXPIRED = "DELETE FROM hub_devices WHERE expires_at <= ? RETURNING hub_id"
DELETE_TOMBSTONES = "DELETE FROM hub_tombstones WHERE deleted_at <= ?"


# PostgreSQL: each device write is one statement (one round trip, its own transaction), written with
# PostgreSQL's own $n placeholders. A create counts through the quota guard and inserts only if the
# guard passed; a concurrent create of the same ID fails the whole statement on the unique key. An
# overwrite applies only to the version it was decided from. Tags are brought to the new set without
# touching the ones that stay. The write's webhook messages go in with it, only when its `device`
# returned a row (outbox.insert_after), so a refused or lost write leaves none.
_PG_CREATE = (
    "WITH counted AS ({count}),"
    " device AS (INSERT INTO hub_devices (hub_id, kind, id, version, platform, handle, body,"
    " created_at, updated_at, expires_at) SELECT $1, $2, $3, $4, $5, $6, $7, $8, $8, $9 FROM counted"
    f" RETURNING {DEVICE_COLUMNS}),"
    " tagged AS (INSERT INTO hub_device_tags (hub_id, tag, device_pk)"
    " SELECT $1, tag, device.pk FROM device, unnest($10::text[]) AS tag),"
    f" notified AS ({outbox.insert_after('device', 11, 8)})"
    " SELECT device.* FROM (SELECT 1) AS one LEFT JOIN device ON true"
)
PG_CREATE = _PG_CREATE.format(
    count="UPDATE hubs SET device_count = device_count + 1 WHERE id = $1"
    " AND (registration_quota IS NULL OR device_count < registration_quota) RETURNING id"
)
PG_CREATE_UNGUARDED = _PG_CREATE.format(  # the negative control's: no guard
    count="UPDATE hubs SET device_count = device_count + 1 WHERE id = $1 RETURNING id"
)
PG_OVERWRITE = (
    "WITH device AS (UPDATE hub_devices SET version = $3, platform = $4, handle = $5,"
    " body = $6, created_at = $7, updated_at = $8, expires_at = $9 WHERE pk = $1 AND version = $2"
    f" RETURNING {DEVICE_COLUMNS}),"
    " untagged AS (DELETE FROM hub_device_tags WHERE device_pk IN (SELECT pk FROM device)"
    " AND NOT (tag = ANY($11::text[]))),"
    " tagged AS (INSERT INTO hub_device_tags (hub_id, tag, device_pk)"
    " SELECT $10, tag, device.pk FROM device, unnest($11::text[]) AS tag ON CONFLICT DO NOTHING),"
    f" notified AS ({outbox.insert_after('device', 12, 8)})"
    " SELECT device.* FROM (SELECT 1) AS one LEFT JOIN device ON true"
)
PG_DELETE = (
    "WITH device AS (DELETE FROM hub_devices WHERE pk = $1 AND version = $2 RETURNING hub_id),"
    " uncounted AS (UPDATE hubs SET device_count = device_count - 1"
    " WHERE id IN (SELECT hub_id FROM device)),"
    " tombstone AS (INSERT INTO hub_tombstones (hub_id, id, deleted_at)"
    " SELECT hub_id, $3, $4 FROM device WHERE $5"
    " ON CONFLICT (hub_id, id) DO UPDATE SET deleted_at = excluded.deleted_at),"
    f" notified AS ({outbox.insert_after('device', 6, 4)})"
    " SELECT count(*) FROM device"
)
PG_READ_FOR_WRITE = (
    f"SELECT {_D_COLUMNS},"
    " EXISTS (SELECT 1 FROM hub_tombstones WHERE hub_id = $1 AND id = $3 AND deleted_at > $4)"
    " FROM (SELECT 1) AS one LEFT JOIN hub_devices d ON d.hub_id = $1 AND d.kind = $2 AND d.id = $3"
)


def list_by_handle(handles: int) -> str:
    marks = ", ".join("?" * handles)
    return (
        f"SELECT {DEVICE_COLUMNS} FROM hub_devices WHERE hub_id = ? AND handle IN ({marks})"
        f" AND kind = 'registration' AND pk > ? AND {_LIVE} ORDER BY pk LIMIT ?"
    )


def hub_from_row(row: Sequence[Any]) -> Hub:
    return Hub(*row)


def device_from_row(row: Sequence[Any]) -> Device:
    return Device(*row)


def hub_changes(quota: Any, ttl: Any, rate: Any = KEEP) -> tuple[str, list[Any]]:
    """The SET clause and its arguments for update_hub."""
    sets, args = [], []
    for column, value in (
        ("registration_quota", quota),
        ("registration_ttl", ttl),
        ("requests_per_second", rate),
    ):
        if value is not KEEP:
            sets.append(f"{column} = ?")
            args.append(value)
    return ", ".join(sets), args


class HubStorage(abc.ABC):
    """What both backends do alike: every read (on the store's `_rows`, committed data only), and
    the writes that are one statement."""

    # The driver's unique-key error, which a rule insert turns into RuleExists.
    unique_violation: type[Exception] = Exception

    def __init__(
        self, store: Any, seal: KeySeal, tombstone_seconds: int, unsafe_window: float | None
    ) -> None:
        self.store = store
        self.seal = seal
        self.tombstone_seconds = tombstone_seconds
        self.unsafe_window = unsafe_window

    async def _read(self, query: str, *args: Any) -> Sequence[Sequence[Any]]:
        rows: Sequence[Sequence[Any]] = await self.store._rows(query, args)
        return rows

    @abc.abstractmethod
    async def _execute(self, query: str, *args: Any) -> int:
        """Run one statement (`?` placeholders) as a write of its own; the rows it changed."""

    @abc.abstractmethod
    async def write_device(
        self, hub: Hub, kind: str, device_id: str, decide: Decide, now: int, new_id: bool = False
    ) -> tuple[Device, bool]: ...

    @abc.abstractmethod
    async def delete_device(
        self, hub: Hub, kind: str, device_id: str, check: CheckDelete, now: int
    ) -> bool: ...

    # Hubs and rules

    def rule_args(
        self, tenant_id: int, hub_id: int | None, rule: NewRule, now: int
    ) -> tuple[Any, ...]:
        """INSERT_RULE's arguments, the keys sealed."""
        name, rights, primary, secondary = rule
        sealed = self.seal.seal(secondary) if secondary else None
        return (tenant_id, hub_id, name, rights, self.seal.seal(primary), sealed, now)

    async def add_rule(self, tenant_id: int, hub_id: int | None, rule: NewRule, now: int) -> None:
        try:
            await self._execute(INSERT_RULE, *self.rule_args(tenant_id, hub_id, rule, now))
        except self.unique_violation as exc:
            raise RuleExists(f"a rule named {rule[0]!r} exists already") from exc

    async def find_hub(self, tenant_id: int, name: str) -> Hub | None:
        rows = await self._read(FIND_HUB, tenant_id, name.lower())
        return hub_from_row(rows[0]) if rows else None

    async def list_hubs(self, tenant_id: int) -> list[Hub]:
        return [hub_from_row(r) for r in await self._read(LIST_HUBS, tenant_id)]

    async def update_hub(
        self, tenant_id: int, name: str, quota: Any, ttl: Any, rate: Any = KEEP
    ) -> Hub | None:
        sets, args = hub_changes(quota, ttl, rate)
        if sets:
            query = f"UPDATE hubs SET {sets} WHERE tenant_id = ? AND name_key = ?"
            await self._execute(query, *args, tenant_id, name.lower())
        return await self.find_hub(tenant_id, name)

    async def delete_hub(self, tenant_id: int, name: str) -> bool:
        return await self._execute(DELETE_HUB, tenant_id, name.lower()) == 1

    def _rule(self, row: Sequence[Any]) -> Rule:
        rid, tenant_id, hub_id, hub_name, name, rights, primary, secondary = row
        return Rule(
            rid,
            tenant_id,
            hub_id,
            hub_name,
            name,
            frozenset(rights.split(",")),
            self.seal.open(primary),
            self.seal.open(secondary) if secondary is not None else None,
        )

    async def find_rule(self, name: str) -> Rule | None:
        rows = await self._read(FIND_RULE, name)
        return self._rule(rows[0]) if rows else None

    async def list_rules(self, tenant_id: int) -> list[Rule]:
        return [self._rule(r) for r in await self._read(LIST_RULES, tenant_id)]

    async def set_rule_keys(
        self, tenant_id: int, name: str, primary: str, secondary: str | None
    ) -> bool:
        sealed = self.seal.seal(secondary) if secondary else None
        changed = await self._execute(
            SET_RULE_KEYS, self.seal.seal(primary), sealed, tenant_id, name
        )
        return changed == 1

    async def delete_rule(self, tenant_id: int, name: str) -> bool:
        return await self._execute(DELETE_RULE, tenant_id, name) == 1

    # Devices

    async def get_device(self, hub_id: int, kind: str, device_id: str) -> Device | None:
        rows = await self._read(GET_DEVICE, hub_id, kind, device_id)
        return device_from_row(rows[0]) if rows else None

    async def list_devices(
        self, hub_id: int, now: int, after: int, limit: int, offset: int, tag: str | None
    ) -> list[Device]:
        if tag is None:
            rows = await self._read(LIST_ALL, hub_id, after, now, limit, offset)
        else:
            rows = await self._read(LIST_TAG, hub_id, tag, after, now, limit, offset)
        return [device_from_row(r) for r in rows]

    async def devices_by_handle(
        self, hub_id: int, handles: Sequence[str], now: int, after: int, limit: int
    ) -> list[Device]:
        rows = await self._read(list_by_handle(len(handles)), hub_id, *handles, after, now, limit)
        return [device_from_row(r) for r in rows]

    async def _guarded(self, hub_id: int) -> bool:
        """Whether creates go through the quota guard. Under the test-only negative control they
        do not: the quota is checked on a read `unsafe_window` seconds before the write."""
        if self.unsafe_window is None:
            return True
        count, quota = (await self._read(HUB_QUOTA, hub_id))[0]
        await asyncio.sleep(self.unsafe_window)
        if quota is not None and count >= quota:
            raise QuotaExceeded()
        return False


def hub_store(
    store: Store, seal: KeySeal, tombstone_seconds: int, unsafe_quota_window: float | None = None
) -> HubStore:
    """The hub storage over `store`'s connections. `unsafe_quota_window` is the test-only negative
    control: check the quota on a stale read, that many seconds before an unguarded write."""
    if store.dialect == "postgres":
        from turnout.store.hubs_postgres import PostgresHubs

        return PostgresHubs(store, seal, tombstone_seconds, unsafe_quota_window)
    from turnout.store.hubs_sqlite import SqliteHubs

    return SqliteHubs(store, seal, tombstone_seconds, unsafe_quota_window)


__all__ = ["KEEP", "CheckDelete", "HubStore", "NewRule", "hub_store"]
