"""The PostgreSQL store: asyncpg, a connection pool, one round trip per write.

Registration writes read the event and the old registration without locks, let the core decide, and
send the decision to `turnout_write_registration` (functions.sql), which applies it under the event's
row lock only if nothing it was decided from has changed; otherwise the store decides again.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections.abc import AsyncIterator, Sequence
from importlib import resources
from typing import Any

import asyncpg
import msgspec
from msgspec.structs import replace

from turnout.core import notices
from turnout.core.changes import plain_fields
from turnout.core.errors import DuplicateRegistration, NotFound, TurnoutError, Unavailable
from turnout.core.model import Event, Registration, Tenant
from turnout.core.ports import (
    ApiKeyRecord,
    DecideEvent,
    DecideRegistration,
    EventFields,
    RegistrationWrite,
    TenantExists,
    WriteResult,
)
from turnout.store import claims, outbox, queries
from turnout.store import migrate as migrations
from turnout.store.claims import Claim
from turnout.store.keys import PostgresKeys
from turnout.store.postgres.keycache import KeyCache
from turnout.store.reads import Reads
from turnout.store.rows import (
    EVENT_COLUMNS,
    REGISTRATION_COLUMNS,
    event_from_row,
    metadata_text,
    registration_from_row,
)

_EVENT_NAMES = [c.strip() for c in EVENT_COLUMNS.split(",")]
_MIGRATION_LOCK = 0x7475726E  # any constant: serialises migrations across processes
_MAX_ATTEMPTS = 20  # optimistic retries of one write before answering 503

_READ_FOR_WRITE = (
    f"SELECT {', '.join('e.' + c for c in _EVENT_NAMES)}, "
    + ", ".join("r." + c.strip() for c in REGISTRATION_COLUMNS.split(","))
    + " FROM events e LEFT JOIN registrations r ON r.event_pk = e.pk AND r.id = $3"
    " WHERE e.tenant_id = $1 AND e.id = $2"
)
_WRITE = (
    "SELECT o_outcome, o_event, o_seq, o_current::text, o_page::text FROM turnout_write_registration("
    + ", ".join(f"${i}" for i in range(1, 25))
    + ")"
)
_CLAIM = queries.numbered(claims.CLAIM)
_FIND_CLAIM = queries.numbered(claims.FIND)
_EVENT_VALUES = "start_at, end_at, timezone, status, capacity, title, description, location, cost_cents, start_date"
_INSERT_EVENT = (
    f"INSERT INTO events ({_EVENT_VALUES}, created_at, updated_at, tenant_id, id)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11, $12, $13)"
    f" ON CONFLICT (tenant_id, id) DO NOTHING RETURNING {EVENT_COLUMNS}"
)
_UPDATE_EVENT = (
    "UPDATE events SET start_at = $1, end_at = $2, timezone = $3, status = $4, capacity = $5,"
    " title = $6, description = $7, location = $8, cost_cents = $9, start_date = $10,"
    f" version = version + 1, updated_at = $11 WHERE tenant_id = $12 AND id = $13 RETURNING {EVENT_COLUMNS}"
)
_FIRST_PAGE = (
    f"SELECT {REGISTRATION_COLUMNS} FROM registrations WHERE event_pk = $1 ORDER BY seq LIMIT $2"
)
_EVENT_HINTS = 10_000  # events remembered per process for writes' first tries

# Errors that mean "the database cannot answer now", not "this request is wrong": a refused or lost
# connection (OSError, class 08, asyncpg's InterfaceError), a server shutting down, starting up or
# cancelling the statement (class 57: `pg_ctl restart`), or out of connections or disk (class 53).
# They become 503 + Retry-After; a write that got one may or may not have committed, like any
# unanswered request, and a retry of the same registration converges.
_UNREACHABLE = (
    OSError,
    asyncpg.InterfaceError,
    asyncpg.PostgresConnectionError,
    asyncpg.exceptions.OperatorInterventionError,
    asyncpg.exceptions.InsufficientResourcesError,
)
_BROKEN = (*_UNREACHABLE, asyncpg.InternalClientError)  # …or a connection in an unknown state
# A transaction left open by a process that stopped talking (a hung worker, a network partition)
# would hold its row locks, and so block its events' writes, until PostgreSQL ends it.
_IDLE_IN_TRANSACTION_TIMEOUT = "60s"
# How long a statement waits for a row lock before it fails (SQLite's busy_timeout is the same 5 s).
# Without a bound, requests queued behind a long holder each keep a pooled connection even after
# their clients leave (a handler is not stopped then), until the pool is taken and every request
# that needs the database waits: docs/RELIABILITY.md, "the pool and long lock waits". The wait
# ends in a 503 with Retry-After (_connection). Migrations wait as long as they must (migrate).
_LOCK_TIMEOUT = "5s"


class PostgresStore(PostgresKeys, Reads):
    dialect = "postgres"

    def __init__(self, pool: asyncpg.Pool, unsafe_race_window: float | None, url: str = "") -> None:
        self.pool = pool
        self.keys = KeyCache(url) if url else None  # no URL: every key is read per request
        self._events: dict[tuple[int, str], Event] = {}  # hints; see write_registration
        # Test-only negative control: decide seats on a stale read and skip the guard.
        self.unsafe_race_window = unsafe_race_window

    @classmethod
    async def open(
        cls, url: str, unsafe_race_window: float | None = None, pool_size: int = 10
    ) -> PostgresStore:
        try:
            pool = await asyncpg.create_pool(
                url,
                min_size=1,
                max_size=pool_size,
                server_settings={
                    "idle_in_transaction_session_timeout": _IDLE_IN_TRANSACTION_TIMEOUT,
                    "lock_timeout": _LOCK_TIMEOUT,
                    # pg_stat_activity then shows which server process holds each connection.
                    "application_name": f"turnout/{os.getpid()}",
                },
            )
        except _BROKEN as exc:
            raise Unavailable(f"cannot reach PostgreSQL: {exc}") from exc
        return cls(pool, unsafe_race_window, url)

    @contextlib.asynccontextmanager
    async def _connection(self) -> AsyncIterator[asyncpg.Connection]:
        try:
            conn = await self.pool.acquire()
        except _BROKEN as exc:  # no connection could be opened
            raise Unavailable(f"PostgreSQL is unreachable: {exc}") from exc
        try:
            yield conn
        except _BROKEN as exc:
            # A session the server ended can leave asyncpg's connection in a state where its next
            # query fails ("cannot switch to state …"): never reuse it. The pool opens a new one
            # on a later acquire, so once the server is back, requests succeed again without a
            # restart of turnout. (A connection already closed has already left the pool.)
            with contextlib.suppress(asyncpg.InterfaceError):
                conn.terminate()
            raise Unavailable(f"PostgreSQL connection lost: {exc}") from exc
        except (asyncpg.DeadlockDetectedError, asyncpg.SerializationError) as exc:
            raise Unavailable(str(exc)) from exc
        except asyncpg.LockNotAvailableError as exc:  # waited past _LOCK_TIMEOUT
            raise Unavailable("another change holds this row; retry") from exc
        finally:
            # Releasing resets the session, which fails if the server has just ended it; asyncpg
            # then terminates the connection. The work is done either way, so its answer stands.
            with contextlib.suppress(*_BROKEN):
                await self.pool.release(conn)

    async def _fetchrow(self, query: str, *args: Any) -> asyncpg.Record | None:
        async with self._connection() as conn:
            return await conn.fetchrow(query, *args)

    async def _rows(self, sql: str, args: Sequence[Any]) -> list[asyncpg.Record]:
        return await self._fetch(queries.numbered(sql), *args)

    async def _fetch(self, query: str, *args: Any) -> list[asyncpg.Record]:
        async with self._connection() as conn:
            return list(await conn.fetch(query, *args))

    async def migrate(self) -> list[int]:
        applied = []
        async with self._connection() as conn, conn.transaction():
            await conn.execute("SET LOCAL lock_timeout = 0")  # a migration waits for its locks
            await conn.execute("SELECT pg_advisory_xact_lock($1)", _MIGRATION_LOCK)
            await conn.execute(migrations.CREATE_LEDGER)
            done = {r[0] for r in await conn.fetch("SELECT version FROM schema_migrations")}
            for version, statements in migrations.migrations("postgres"):
                if version in done:
                    continue
                for statement in statements:
                    await conn.execute(statement)
                await conn.execute(
                    "INSERT INTO schema_migrations VALUES ($1, $2)", version, int(time.time())
                )
                applied.append(version)
            functions = resources.files("turnout.store.postgres").joinpath("functions.sql")
            await conn.execute(functions.read_text())
        return applied

    async def close(self) -> None:
        if self.keys is not None:
            await self.keys.close()
        await self.pool.close()

    async def find_api_key(self, prefix: str) -> ApiKeyRecord | None:
        """From the key cache while it listens (keycache.py), else the row, read now."""
        if self.keys is None:
            return await super().find_api_key(prefix)
        if self.keys.get(prefix) is not None:
            # Let the loop take in what the LISTEN socket has already received before trusting
            # the entry: asyncpg hands a notice over in a callback of the next turn or the one after.
            await asyncio.sleep(0)
            await asyncio.sleep(0)
            if (found := self.keys.get(prefix)) is not None:
                return found
        generation = self.keys.generation()
        record = await super().find_api_key(prefix)
        if record is not None:
            self.keys.put(prefix, record, generation)
        return record

    async def durability_warnings(self) -> list[str]:
        """A 2xx means committed; committed means durable only if the server flushes its WAL."""
        warnings = []
        for setting in ("fsync", "synchronous_commit"):
            row = await self._fetchrow(f"SHOW {setting}")
            if row is not None and row[0] == "off":
                warnings.append(
                    f"PostgreSQL has {setting}=off: writes turnout acknowledged may be lost "
                    "if the database server crashes"
                )
        return warnings

    async def ping(self) -> None:
        await self._fetchrow("SELECT 1")

    # Tenants and keys

    async def create_tenant(self, name: str, now: int) -> Tenant:
        try:
            row = await self._fetchrow(
                "INSERT INTO tenants (name, created_at) VALUES ($1, $2) RETURNING id", name, now
            )
        except asyncpg.UniqueViolationError as exc:
            raise TenantExists(name) from exc
        assert row is not None
        return Tenant(row[0], name)

    async def find_tenant(self, name: str) -> Tenant | None:
        row = await self._fetchrow("SELECT id, name FROM tenants WHERE name = $1", name)
        return Tenant(row[0], row[1]) if row else None

    async def count_tenants(self) -> int:
        row = await self._fetchrow("SELECT count(*) FROM tenants")
        assert row is not None
        return int(row[0])

    # Idempotency keys

    @staticmethod
    async def _record_claim(conn: asyncpg.Connection, claim: Claim) -> None:
        """The first statement of a claimed write's transaction. A concurrent claim of the same key
        makes it wait for that transaction; if that one committed, this write is refused."""
        if await conn.fetchrow(_CLAIM, *claims.claim_args(claim)) is None:
            claim.taken = True
            raise claims.ClaimTaken(claim.key)
        claim.recorded = True

    async def find_claim(self, scope: str, key: str, expired_before: int) -> claims.Found | None:
        row = await self._fetchrow(_FIND_CLAIM, scope, key, expired_before)
        return claims.found_from_row(None if row is None else tuple(row))

    async def finish_claim(self, claim: Claim, response: claims.StoredResponse | None) -> None:
        statement = claims.finish_statement(claim, response)
        if statement is not None:
            sql, args = statement
            async with self._connection() as conn:
                await conn.execute(queries.numbered(sql), *args)

    async def purge_claims(self, before: int) -> int:
        async with self._connection() as conn:
            status = await conn.execute(queries.numbered(claims.PURGE), before)
        return int(status.split()[-1])

    # Events

    async def write_event(
        self, tenant_id: int, event_id: str, decide: DecideEvent, now: int
    ) -> tuple[Event, bool]:
        """Decide on the event under its row lock (events are written rarely; preconditions compare
        its counters too, which a version check alone would not cover). One transaction, so a
        claim is recorded once, with whichever try does the work."""
        claim = claims.current.get()
        with claims.unrecorded_on_failure(claim):
            return await self._write_event(tenant_id, event_id, decide, now, claim)

    async def _write_event(
        self, tenant_id: int, event_id: str, decide: DecideEvent, now: int, claim: Claim | None
    ) -> tuple[Event, bool]:
        async with self._connection() as conn, conn.transaction():
            if claim is not None:
                await self._record_claim(conn, claim)
            for _ in range(_MAX_ATTEMPTS):
                row = await conn.fetchrow(
                    f"SELECT {EVENT_COLUMNS} FROM events WHERE tenant_id = $1 AND id = $2"
                    " FOR UPDATE",
                    tenant_id,
                    event_id,
                )
                old = event_from_row(row) if row else None
                fields = decide(old)
                if fields is None:
                    assert old is not None
                    return old, False
                row = await conn.fetchrow(
                    _INSERT_EVENT if old is None else _UPDATE_EVENT,
                    *_event_arguments(fields, now, tenant_id, event_id),
                )
                if row is not None:
                    event = event_from_row(row)
                    await outbox.record_postgres(
                        conn, tenant_id, notices.event_changed(old, event), now
                    )
                    return event, old is None
                # Another request created the event since our read (its INSERT committed before
                # ours gave up): the next read, a new statement, sees it; decide again on it.
        raise Unavailable("the event is changing too fast; retry")

    # Registrations

    async def write_registration(
        self,
        tenant_id: int,
        event_id: str,
        registration_id: str,
        decide: DecideRegistration,
        first_page: int = 0,
    ) -> WriteResult:
        """Decide, then apply under the event's lock if the decision's assumptions still hold.

        The first try assumes the registration is new and the event is as this process last saw it,
        which costs no read: one round trip for a new registration. When an assumption was wrong,
        the function answers with what is there, and the store decides again on that. A claimed
        write (store/claims.py) runs in a transaction that inserts the claim first.
        """
        claim = claims.current.get()
        async with self._connection() as conn:
            if claim is None:
                return await self._write_registration(
                    conn, tenant_id, event_id, registration_id, decide, first_page
                )
            with claims.unrecorded_on_failure(claim):
                async with conn.transaction():
                    await self._record_claim(conn, claim)
                    return await self._write_registration(
                        conn, tenant_id, event_id, registration_id, decide, first_page
                    )

    async def _write_registration(
        self,
        conn: asyncpg.Connection,
        tenant_id: int,
        event_id: str,
        registration_id: str,
        decide: DecideRegistration,
        first_page: int,
    ) -> WriteResult:
        unsafe = self.unsafe_race_window is not None
        event = None if unsafe else self._events.get((tenant_id, event_id))
        old: Registration | None = None
        known = False  # whether `old` was read, not assumed
        for _ in range(_MAX_ATTEMPTS):
            if event is None or (unsafe and not known):
                event, old = await self._read_for_write(conn, tenant_id, event_id, registration_id)
                known = True
                if unsafe:
                    await asyncio.sleep(self.unsafe_race_window or 0)
            try:
                write = decide(event, old)
            except TurnoutError:
                if known:
                    raise
                event = None  # perhaps only the assumption was wrong: read, and decide again
                continue
            if write is None:  # nothing to change
                assert old is not None
                page = None
                if first_page:
                    rows = await conn.fetch(_FIRST_PAGE, event.pk, first_page + 1)
                    page = [registration_from_row(r) for r in rows]
                return WriteResult(event, old, created=False, changed=False, page=page)
            if unsafe and (problem := write.refusal(event)):
                raise problem
            result = await conn.fetchrow(
                _WRITE,
                *_write_arguments(event, registration_id, write, not unsafe),
                first_page,
                *_outbox_arguments(event, old, write),
            )
            assert result is not None
            if result["o_outcome"] == "no_event":
                self._events.pop((tenant_id, event_id), None)
                raise NotFound(event_id)
            locked = event_from_row([result["o_event"][name] for name in _EVENT_NAMES])
            self._remember(tenant_id, event_id, locked)
            outcome = result["o_outcome"]
            if outcome == "stale":
                event, old, known = locked, _registration(result["o_current"]), True
                continue
            if outcome == "refused":
                raise write.refusal(locked) or Unavailable("refused")
            if outcome == "duplicate":
                raise DuplicateRegistration(write.unique_email or "")
            stored = replace(write.registration, seq=result["o_seq"])
            page = None
            if result["o_page"] is not None:
                page = [registration_from_row(r) for r in msgspec.json.decode(result["o_page"])]
            return WriteResult(locked, stored, created=old is None, changed=True, page=page)
        raise Unavailable("the registration is changing too fast; retry")

    async def _read_for_write(
        self, conn: asyncpg.Connection, tenant_id: int, event_id: str, registration_id: str
    ) -> tuple[Event, Registration | None]:
        row = await conn.fetchrow(_READ_FOR_WRITE, tenant_id, event_id, registration_id)
        if row is None:
            raise NotFound(event_id)
        event = event_from_row(row[: len(_EVENT_NAMES)])
        self._remember(tenant_id, event_id, event)
        old_row = row[len(_EVENT_NAMES) :]
        return event, registration_from_row(old_row) if old_row[0] is not None else None

    def _remember(self, tenant_id: int, event_id: str, event: Event) -> None:
        """Keep the event as a hint for the next write's first try (the write function checks it)."""
        if len(self._events) >= _EVENT_HINTS:
            self._events.clear()
        self._events[(tenant_id, event_id)] = event


def _event_arguments(fields: EventFields, now: int, tenant_id: int, event_id: str) -> list[Any]:
    v = plain_fields(fields)
    return [*(v[name] for name in _EVENT_VALUES.split(", ")), now, tenant_id, event_id]


def _outbox_arguments(
    event: Event, old: Registration | None, write: RegistrationWrite
) -> list[Any]:
    """The write's webhook messages, for the write function to insert if it applies the write."""
    changed = notices.registration_changed(event.id, old, write.registration)
    full_id = outbox.message_id() if notices.may_fill(write.delta.seats) else None
    return [*outbox.columns(changed), full_id]


def _registration(row: str | None) -> Registration | None:
    return None if row is None else registration_from_row(msgspec.json.decode(row))


def _write_arguments(
    event: Event,
    registration_id: str,
    write: RegistrationWrite,
    guarded: bool,
) -> list[Any]:
    """The arguments of turnout_write_registration, in order, but for p_page."""
    new = write.registration
    return [
        event.pk,
        event.status,
        registration_id,
        write.old_version,
        new.status,
        new.guest_count,
        metadata_text(new.metadata),
        write.email_key,
        new.notes,
        new.checked_in_count,
        new.checked_in_at,
        new.created_at,
        new.updated_at,
        list(plain_fields(write.delta).values()),
        write.cancel_ok,
        write.unique_email,
        guarded,
        write.record_history,
    ]
