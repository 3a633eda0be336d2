"""Storage of notification hubs (the interface is core/hub_ports.py), their SAS rules and their devices: what both databases offer, and
the SQL they share (`?` placeholders; PostgreSQL's are numbered by queries.numbered).

Devices are registrations and installations in one table. Each tag is a row of its own, so a by-tag
list is an index range; the PNS handle is a column of its own with a B-tree, so a by-channel list is
one too. Lists are keyset pages on the row id, which is creation order.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from turnout.core.hub_ports import KEEP, CheckDelete, HubStore, NewRule
from turnout.core.hub_writes import Device
from turnout.core.hubs import Hub, KeySeal, Rule
from turnout.store.base import Store

HUB_COLUMNS = (
    "id, tenant_id, name, registration_quota, registration_ttl, device_count, requests_per_second"
)
RULE_COLUMNS = (
    "r.id, r.tenant_id, r.hub_id, h.name, r.name, r.rights, r.primary_key, r.secondary_key"
)
RULE_FROM = "hub_rules r LEFT JOIN hubs h ON h.id = r.hub_id"
DEVICE_COLUMNS = "pk, kind, id, version, platform, handle, body, created_at, updated_at, expires_at"
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
    f"SELECT {', '.join('d.' + c.strip() for c in DEVICE_COLUMNS.split(','))}"
    " FROM hub_device_tags t JOIN hub_devices d ON d.pk = t.device_pk"
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
# touching the ones that stay.
_PG_CREATE = (
    "WITH counted AS ({count}),"
    " device AS (INSERT INTO hub_devices (hub_id, kind, id, version, platform, handle, body,"
    " created_at, updated_at, expires_at) SELECT $1, $2, $3, $4, $5, $6, $7, $8, $8, $9 FROM counted"
    f" RETURNING {DEVICE_COLUMNS}),"
    " tagged AS (INSERT INTO hub_device_tags (hub_id, tag, device_pk)"
    " SELECT $1, tag, device.pk FROM device, unnest($10::text[]) AS tag)"
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
    " SELECT $10, tag, device.pk FROM device, unnest($11::text[]) AS tag ON CONFLICT DO NOTHING)"
    " SELECT device.* FROM (SELECT 1) AS one LEFT JOIN device ON true"
)
PG_DELETE = (
    "WITH device AS (DELETE FROM hub_devices WHERE pk = $1 AND version = $2 RETURNING hub_id),"
    " uncounted AS (UPDATE hubs SET device_count = device_count - 1"
    " WHERE id IN (SELECT hub_id FROM device)),"
    " tombstone AS (INSERT INTO hub_tombstones (hub_id, id, deleted_at)"
    " SELECT hub_id, $3, $4 FROM device WHERE $5"
    " ON CONFLICT (hub_id, id) DO UPDATE SET deleted_at = excluded.deleted_at)"
    " SELECT count(*) FROM device"
)
PG_READ_FOR_WRITE = (
    f"SELECT {', '.join('d.' + c.strip() for c in DEVICE_COLUMNS.split(','))},"
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


def rule_from_row(row: Sequence[Any], seal: KeySeal) -> Rule:
    rid, tenant_id, hub_id, hub_name, name, rights, primary, secondary = row
    return Rule(
        rid,
        tenant_id,
        hub_id,
        hub_name,
        name,
        frozenset(rights.split(",")),
        seal.open(primary),
        seal.open(secondary) if secondary is not None else None,
    )


def hub_changes(quota: Any, ttl: Any, rate: Any = KEEP) -> tuple[str, list[Any]]:
    """The SET clause and its arguments for update_hub."""
    sets, args = [], []
    if quota is not KEEP:
        sets.append("registration_quota = ?")
        args.append(quota)
    if ttl is not KEEP:
        sets.append("registration_ttl = ?")
        args.append(ttl)
    if rate is not KEEP:
        sets.append("requests_per_second = ?")
        args.append(rate)
    return ", ".join(sets), args


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
