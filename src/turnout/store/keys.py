"""Tenants, API keys and the server secret's fingerprint: the SQL, written once for both databases.

Each store mixes in its dialect's class below, which supplies two primitives (read rows, run one
write); the queries use `?` placeholders, numbered for PostgreSQL. None of this is on a hot path
except `find_api_key`, one indexed read per request, and `touch_api_key`, at most once a minute.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any

from turnout.core.ports import ApiKeyRecord, KeyListing, TenantListing
from turnout.store.groupcommit import GroupCommit

_KEY_COLUMNS = (
    "k.prefix, t.name, k.name, k.scopes, k.created_at, k.last_used_at, k.expires_at, k.revoked_at,"
    " k.tenant_id"
)


class KeyQueries:
    """The queries; `_key_rows` and `_key_write` come from the dialect class."""

    async def _key_rows(self, sql: str, *args: Any) -> Sequence[Sequence[Any]]:
        raise NotImplementedError

    async def _key_write(self, sql: str, *args: Any) -> int:
        """Run one statement in its own transaction; the number of rows it changed."""
        raise NotImplementedError

    async def add_api_key(
        self,
        tenant_id: int,
        prefix: str,
        key_hash: bytes,
        scopes: str,
        name: str | None,
        now: int,
        expires_at: int | None = None,
    ) -> None:
        await self._key_write(
            "INSERT INTO api_keys (tenant_id, prefix, key_hash, scopes, name, created_at,"
            " expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            *(tenant_id, prefix, key_hash, scopes, name, now, expires_at),
        )

    async def find_api_key(self, prefix: str) -> ApiKeyRecord | None:
        rows = await self._key_rows(
            "SELECT k.tenant_id, t.name, k.key_hash, k.scopes, k.revoked_at, t.require_precondition,"
            " k.expires_at, k.last_used_at, t.cors_origins"
            " FROM api_keys k JOIN tenants t ON t.id = k.tenant_id WHERE k.prefix = ?",
            prefix,
        )
        if not rows:
            return None
        row = rows[0]
        return ApiKeyRecord(
            row[0],
            row[1],
            bytes(row[2]),
            frozenset(row[3].split()),
            row[4] is not None,
            bool(row[5]),
            expires_at=row[6],
            last_used_at=row[7],
            cors_origins=tuple((row[8] or "").split()),
        )

    async def touch_api_key(self, prefix: str, now: int, every: int) -> None:
        """Record a use, unless one was recorded less than `every` seconds ago (by any process)."""
        await self._key_write(
            "UPDATE api_keys SET last_used_at = ? WHERE prefix = ?"
            " AND (last_used_at IS NULL OR last_used_at <= ?)",
            *(now, prefix, now - every),
        )

    async def list_api_keys(self, tenant_id: int) -> list[KeyListing]:
        rows = await self._key_rows(
            f"SELECT {_KEY_COLUMNS} FROM api_keys k JOIN tenants t ON t.id = k.tenant_id"
            " WHERE k.tenant_id = ? ORDER BY k.created_at, k.id",
            tenant_id,
        )
        return [KeyListing(*row) for row in rows]

    async def find_key_listing(self, prefix: str) -> KeyListing | None:
        rows = await self._key_rows(
            f"SELECT {_KEY_COLUMNS} FROM api_keys k JOIN tenants t ON t.id = k.tenant_id"
            " WHERE k.prefix = ?",
            prefix,
        )
        return KeyListing(*rows[0]) if rows else None

    async def revoke_api_key(self, prefix: str, now: int) -> bool:
        """Revoke a key now; False if it is unknown or already revoked."""
        changed = await self._key_write(
            "UPDATE api_keys SET revoked_at = ? WHERE prefix = ? AND revoked_at IS NULL",
            *(now, prefix),
        )
        return changed == 1

    async def expire_api_key(self, prefix: str, at: int) -> None:
        """Make a key stop working at `at`, unless it already stops sooner."""
        await self._key_write(
            "UPDATE api_keys SET expires_at = ? WHERE prefix = ?"
            " AND (expires_at IS NULL OR expires_at > ?)",
            *(at, prefix, at),
        )

    async def count_usable_keys(self, now: int) -> int:
        rows = await self._key_rows(
            "SELECT count(*) FROM api_keys WHERE revoked_at IS NULL"
            " AND (expires_at IS NULL OR expires_at > ?)",
            now,
        )
        return int(rows[0][0])

    async def revoke_every_key(self, now: int) -> int:
        return await self._key_write(
            "UPDATE api_keys SET revoked_at = ? WHERE revoked_at IS NULL", now
        )

    async def list_tenants(self, now: int) -> list[TenantListing]:
        rows = await self._key_rows(
            "SELECT t.name, t.created_at, (SELECT count(*) FROM api_keys k WHERE"
            " k.tenant_id = t.id AND k.revoked_at IS NULL AND (k.expires_at IS NULL"
            " OR k.expires_at > ?)), t.require_precondition, t.cors_origins"
            " FROM tenants t ORDER BY t.name",
            now,
        )
        return [
            TenantListing(r[0], r[1], int(r[2]), bool(r[3]), tuple((r[4] or "").split()))
            for r in rows
        ]

    async def set_require_precondition(self, name: str, required: bool) -> bool:
        sql = "UPDATE tenants SET require_precondition = ? WHERE name = ?"
        return await self._key_write(sql, required, name) == 1

    async def set_cors_origins(self, name: str, origins: Sequence[str]) -> bool:
        sql = "UPDATE tenants SET cors_origins = ? WHERE name = ?"
        return await self._key_write(sql, " ".join(origins) or None, name) == 1

    async def cors_origin_known(self, origin: str) -> bool:
        """Does any tenant allow `origin`? (A preflight carries no key, so no tenant.)"""
        rows = await self._key_rows(
            "SELECT cors_origins FROM tenants WHERE cors_origins IS NOT NULL"
        )
        return any(origin in row[0].split() for row in rows)

    async def secret_fingerprint(self) -> str | None:
        rows = await self._key_rows("SELECT fingerprint FROM server_secret WHERE id = 1")
        return str(rows[0][0]) if rows else None

    async def record_secret_fingerprint(self, fingerprint: str, now: int) -> None:
        await self._key_write("DELETE FROM server_secret")
        await self._key_write(
            "INSERT INTO server_secret (id, fingerprint, recorded_at) VALUES (1, ?, ?)",
            *(fingerprint, now),
        )


class SqliteKeys(KeyQueries):
    reader: sqlite3.Connection
    db: sqlite3.Connection
    writes: GroupCommit

    async def _key_rows(self, sql: str, *args: Any) -> Sequence[Sequence[Any]]:
        return self.reader.execute(sql, args).fetchall()

    async def _key_write(self, sql: str, *args: Any) -> int:
        return await self.writes.run(lambda: self.db.execute(sql, args).rowcount)


def _numbered(sql: str) -> str:
    count = iter(range(1, 100))
    return re.sub(r"\?", lambda _: f"${next(count)}", sql)


class PostgresKeys(KeyQueries):
    def _connection(self) -> AbstractAsyncContextManager[Any]:
        raise NotImplementedError

    async def _key_rows(self, sql: str, *args: Any) -> Sequence[Sequence[Any]]:
        async with self._connection() as conn:
            return list(await conn.fetch(_numbered(sql), *args))

    async def _key_write(self, sql: str, *args: Any) -> int:
        async with self._connection() as conn:
            status: str = await conn.execute(_numbered(sql), *args)
        return int(status.rsplit(" ", 1)[-1])
