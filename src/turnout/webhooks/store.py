"""Endpoints and deliveries in the database, on either backend, beside the main store.

One class for both databases: the SQL is shared (`?` placeholders, numbered for PostgreSQL); only
how a statement runs differs. On SQLite writes join the store's group commit, on its one writer, and
reads use its reader; on PostgreSQL every statement is its own transaction on the store's pool.
Dispatchers claim deliveries with a lease (a guarded UPDATE; on PostgreSQL `FOR UPDATE SKIP LOCKED`,
so any number of processes share the work): a dispatcher that dies mid-delivery leaves the lease to
expire, and the delivery is sent again, with the same message id. Before claiming, a dispatcher
admits the rows writes have added since into the ordered queue, in pk order (migration 0008 says why
the writes do not).
"""

from __future__ import annotations

from typing import Any

import msgspec

from turnout.core.ports import Store
from turnout.store import queries
from turnout.webhooks.endpoints import Endpoint, types_from_column

_ENDPOINT_COLUMNS = (
    "pk, tenant_id, id, url, description, event_types, enabled, disabled_reason, signing,"
    " created_at, updated_at"
)
_LIVE = "deleted_at IS NULL"
# Rows admitted per claim: a few claims' worth, and a short hold of SQLite's writer.
ADMIT_BATCH = 200
# The oldest unadmitted rows, in pk order. On PostgreSQL two dispatchers admitting at once take turns
# (FOR UPDATE, not SKIP LOCKED): one skipping the other's rows could admit a row before an older
# one of the same registration, and the claim below looks at admitted rows only.
_ADMIT = """
UPDATE webhook_deliveries SET admitted = TRUE
WHERE pk IN (SELECT pk FROM webhook_deliveries WHERE NOT admitted ORDER BY pk LIMIT ? {lock})
"""
# The rows to lease are chosen once, in a MATERIALIZED CTE. As `WHERE pk IN (SELECT … LIMIT …)`,
# PostgreSQL's generic plan for the prepared statement, made while the outbox was nearly empty, ran
# the subquery again for every pending row: in a long fuzz run one claim took 300 s, holding the
# rows it had locked (test_webhook_order.py, docs/WEBHOOKS.md).
_CLAIM = """
WITH due AS MATERIALIZED (
    SELECT d.pk FROM webhook_deliveries d JOIN webhook_endpoints w ON w.pk = d.endpoint_pk
    WHERE d.state = 'pending' AND d.admitted AND d.next_attempt_at <= ? AND d.lease_until <= ?
      AND w.enabled AND w.deleted_at IS NULL
      AND NOT EXISTS (
          SELECT 1 FROM webhook_deliveries p
          WHERE p.endpoint_pk = d.endpoint_pk AND p.ordering_key = d.ordering_key
            AND p.state = 'pending' AND p.admitted AND p.pk < d.pk)
    ORDER BY d.pk LIMIT ? {lock}
)
UPDATE webhook_deliveries SET lease_until = ?, attempts = attempts + 1
WHERE pk IN (SELECT pk FROM due) AND state = 'pending' AND lease_until <= ?
RETURNING pk, endpoint_pk, message_id, payload, attempts
"""
# The admission and the claim are planned at each run, for the outbox as it is then. asyncpg prepares
# every statement, and PostgreSQL may keep a generic plan from a statement's sixth run on: made in a
# server's first seconds, on an outbox with a handful of rows, it walked every older pending row for
# each candidate (the anti-join on the wrong index), seconds per claim once the outbox had grown.
# Planning costs well under a millisecond, five times a second.
CUSTOM_PLANS = "SET LOCAL plan_cache_mode = force_custom_plan"
_SIGNING = (
    "SELECT pk, url, signing, secret, previous_secret, previous_until FROM webhook_endpoints"
    " WHERE pk IN ({marks})"
)
_DELIVERY_COLUMNS = (
    "pk, message_id, type, state, attempts, last_status, last_error, next_attempt_at, created_at,"
    " delivered_at"
)


class Claimed(msgspec.Struct, frozen=True):
    pk: int
    endpoint_pk: int
    message_id: str
    payload: str
    attempts: int  # including this one


class Signer(msgspec.Struct, frozen=True):
    pk: int
    url: str
    signing: str
    secret: bytes  # sealed
    previous_secret: bytes | None
    previous_until: int | None


class Delivery(msgspec.Struct, frozen=True):
    pk: int
    message_id: str
    type: str
    state: str
    attempts: int
    last_status: int | None
    last_error: str | None
    next_attempt_at: int
    created_at: int
    delivered_at: int | None


class WebhookStore:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.postgres = store.dialect == "postgres"

    async def read(self, sql: str, *args: Any) -> list[tuple[Any, ...]]:
        if self.postgres:
            return await self._postgres(sql, args)
        return list(self.store.reader.execute(sql, args).fetchall())  # type: ignore[attr-defined]

    async def write(self, sql: str, *args: Any) -> list[tuple[Any, ...]]:
        """One statement in a transaction of its own (SQLite: the current group-commit batch)."""
        if self.postgres:
            return await self._postgres(sql, args)
        db = self.store.db  # type: ignore[attr-defined]
        rows: list[tuple[Any, ...]] = await self.store.writes.run(  # type: ignore[attr-defined]
            lambda: db.execute(sql, args).fetchall()
        )
        return rows

    async def write_endpoints(self, sql: str, *args: Any) -> list[tuple[Any, ...]]:
        """write() of a statement that changes webhook_endpoints. On SQLite the same work also
        drops the writer's cached subscriptions (store/outbox.py Subscriptions), so the next write
        in this batch or after it reads them again."""
        if self.postgres:
            return await self.write(sql, *args)
        db, subscriptions = self.store.db, self.store.subscriptions  # type: ignore[attr-defined]

        def work() -> list[tuple[Any, ...]]:
            rows = list(db.execute(sql, args).fetchall())
            subscriptions.forget()
            return rows

        rows: list[tuple[Any, ...]] = await self.store.writes.run(work)  # type: ignore[attr-defined]
        return rows

    # Endpoints

    async def create_endpoint(
        self,
        tenant_id: int,
        endpoint_id: str,
        url: str,
        description: str | None,
        types: str,
        signing: str,
        sealed: bytes,
        now: int,
    ) -> Endpoint:
        rows = await self.write_endpoints(
            "INSERT INTO webhook_endpoints (tenant_id, id, url, description, event_types, signing,"
            f" secret, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
            f" RETURNING {_ENDPOINT_COLUMNS}",
            tenant_id,
            endpoint_id,
            url,
            description,
            types,
            signing,
            sealed,
            now,
            now,
        )
        return _endpoint(rows[0])

    async def list_endpoints(self, tenant_id: int) -> list[Endpoint]:
        rows = await self.read(
            f"SELECT {_ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE tenant_id = ? AND {_LIVE}"
            " ORDER BY pk",
            tenant_id,
        )
        return [_endpoint(r) for r in rows]

    async def get_endpoint(self, tenant_id: int, endpoint_id: str) -> Endpoint | None:
        rows = await self.read(
            f"SELECT {_ENDPOINT_COLUMNS} FROM webhook_endpoints"
            f" WHERE tenant_id = ? AND id = ? AND {_LIVE}",
            tenant_id,
            endpoint_id,
        )
        return _endpoint(rows[0]) if rows else None

    async def update_endpoint(
        self, tenant_id: int, endpoint_id: str, fields: dict[str, Any], now: int
    ) -> Endpoint | None:
        """Set the given columns (url, description, event_types, enabled); enabling clears the
        reason it was disabled."""
        if fields.get("enabled"):
            fields = {**fields, "disabled_reason": None}
        sets = "".join(f"{name} = ?, " for name in fields)
        rows = await self.write_endpoints(
            f"UPDATE webhook_endpoints SET {sets}updated_at = ?"
            f" WHERE tenant_id = ? AND id = ? AND {_LIVE} RETURNING {_ENDPOINT_COLUMNS}",
            *fields.values(),
            now,
            tenant_id,
            endpoint_id,
        )
        return _endpoint(rows[0]) if rows else None

    async def delete_endpoint(self, tenant_id: int, endpoint_id: str, now: int) -> bool:
        """Kept, for the deliveries' history, but gone from every list and never sent to again."""
        rows = await self.write_endpoints(
            "UPDATE webhook_endpoints SET deleted_at = ?, enabled = FALSE"
            f" WHERE tenant_id = ? AND id = ? AND {_LIVE} RETURNING pk",
            now,
            tenant_id,
            endpoint_id,
        )
        return bool(rows)

    async def rotate_secret(
        self, tenant_id: int, endpoint_id: str, sealed: bytes, grace_until: int, now: int
    ) -> Endpoint | None:
        """The new secret signs from now on; the old one also signs until `grace_until`."""
        rows = await self.write_endpoints(
            "UPDATE webhook_endpoints SET previous_secret = secret, previous_until = ?, secret = ?,"
            f" updated_at = ? WHERE tenant_id = ? AND id = ? AND {_LIVE}"
            f" RETURNING {_ENDPOINT_COLUMNS}",
            grace_until,
            sealed,
            now,
            tenant_id,
            endpoint_id,
        )
        return _endpoint(rows[0]) if rows else None

    # Deliveries

    async def claim(self, now: int, lease_seconds: int, limit: int) -> list[Claimed]:
        """Admit what writes have added, then lease the due messages: at most one per ordering key
        per endpoint, the oldest pending one."""
        admit, admit_args = dispatch_statement("admit", now, lease_seconds, limit, self.postgres)
        claim, claim_args = dispatch_statement("claim", now, lease_seconds, limit, self.postgres)
        if self.postgres:
            await self._postgres(admit, admit_args, custom_plan=True)
            rows = await self._postgres(claim, claim_args, custom_plan=True)
        else:  # one group-commit write for both
            db = self.store.db  # type: ignore[attr-defined]

            def admit_and_claim() -> list[tuple[Any, ...]]:
                db.execute(admit, admit_args)
                return list(db.execute(claim, claim_args).fetchall())

            rows = await self.store.writes.run(admit_and_claim)  # type: ignore[attr-defined]
        return sorted((Claimed(*r) for r in rows), key=lambda c: c.pk)

    async def _postgres(
        self, sql: str, args: tuple[Any, ...], custom_plan: bool = False
    ) -> list[tuple[Any, ...]]:
        """One statement, in a transaction of its own, on the store's connection, so its errors are
        the store's: a row lock waited on past lock_timeout, or PostgreSQL gone, is Unavailable
        (503), not a 500. `custom_plan`: planned for its arguments and the table as it is now
        (CUSTOM_PLANS; the dispatcher's statements)."""
        async with self.store._connection() as conn:  # type: ignore[attr-defined]
            if not custom_plan:
                return [tuple(r) for r in await conn.fetch(queries.numbered(sql), *args)]
            async with conn.transaction():  # SET LOCAL lasts for the transaction
                await conn.execute(CUSTOM_PLANS)
                return [tuple(r) for r in await conn.fetch(queries.numbered(sql), *args)]

    async def signers(self, endpoint_pks: set[int]) -> dict[int, Signer]:
        marks = ", ".join("?" * len(endpoint_pks))
        rows = await self.read(_SIGNING.format(marks=marks), *endpoint_pks)
        return {r[0]: Signer(r[0], r[1], r[2], bytes(r[3]), _bytes(r[4]), r[5]) for r in rows}

    # An outcome is recorded only on the claim it belongs to: a redelivery asked for while the
    # message was on the wire resets attempts to 0, and the send that was under way must not mark
    # it delivered (or reschedule it) over that request, which would then be lost.
    _THIS_CLAIM = "pk = ? AND attempts = ? AND state = 'pending'"

    async def delivered(self, claimed: Claimed, status: int, now: int) -> None:
        await self.write(
            "UPDATE webhook_deliveries SET state = 'delivered', delivered_at = ?, last_status = ?,"
            f" last_error = NULL, lease_until = 0 WHERE {self._THIS_CLAIM} RETURNING pk",
            now,
            status,
            claimed.pk,
            claimed.attempts,
        )

    async def failed(
        self, claimed: Claimed, status: int | None, error: str, retry_at: int | None
    ) -> None:
        """Schedule the next attempt, or with `retry_at` None give the message up."""
        state = "pending" if retry_at is not None else "failed"
        await self.write(
            "UPDATE webhook_deliveries SET state = ?, last_status = ?, last_error = ?,"
            f" next_attempt_at = ?, lease_until = 0 WHERE {self._THIS_CLAIM} RETURNING pk",
            state,
            status,
            error[:500],
            retry_at or 0,
            claimed.pk,
            claimed.attempts,
        )

    async def disable_endpoint(self, endpoint_pk: int, reason: str, now: int) -> None:
        await self.write_endpoints(
            "UPDATE webhook_endpoints SET enabled = FALSE, disabled_reason = ?, updated_at = ?"
            " WHERE pk = ? RETURNING pk",
            reason,
            now,
            endpoint_pk,
        )

    async def deliveries(self, endpoint_pk: int, after_pk: int, limit: int) -> list[Delivery]:
        rows = await self.read(
            f"SELECT {_DELIVERY_COLUMNS} FROM webhook_deliveries WHERE endpoint_pk = ? AND pk > ?"
            " ORDER BY pk LIMIT ?",
            endpoint_pk,
            after_pk,
            limit,
        )
        return [Delivery(*r) for r in rows]

    async def redeliver(
        self, endpoint_pk: int, message_id: str | None, since: int, now: int
    ) -> int:
        """Send again (from attempt 1) one message, or every message created at or after `since`."""
        which = "message_id = ?" if message_id is not None else "created_at >= ?"
        rows = await self.write(
            "UPDATE webhook_deliveries SET state = 'pending', attempts = 0, next_attempt_at = ?,"
            f" lease_until = 0 WHERE endpoint_pk = ? AND {which} RETURNING pk",
            now,
            endpoint_pk,
            message_id if message_id is not None else since,
        )
        return len(rows)


def dispatch_statement(
    name: str, now: int, lease_seconds: int, limit: int, postgres: bool = True
) -> tuple[str, tuple[int, ...]]:
    """The dispatcher's `admit` or `claim` statement for the dialect, and its arguments."""
    if name == "admit":
        return _ADMIT.format(lock="FOR UPDATE" if postgres else ""), (ADMIT_BATCH,)
    claim = _CLAIM.format(lock="FOR UPDATE OF d SKIP LOCKED" if postgres else "")
    return claim, (now, now, limit, now + lease_seconds, now)


def _endpoint(row: tuple[Any, ...]) -> Endpoint:
    values = list(row)
    values[5] = types_from_column(values[5])
    values[6] = bool(values[6])
    return Endpoint(*values)


def _bytes(value: Any) -> bytes | None:
    return None if value is None else bytes(value)
