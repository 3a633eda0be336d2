"""The SQLite store: one connection, called directly on the event loop, WAL, BEGIN IMMEDIATE.

Every method runs to completion without awaiting, so on the single-threaded event loop a transaction
is never interleaved with another; BEGIN IMMEDIATE still takes the database's write lock so that a
second process (say, `turnout migrate`) cannot slip in. synchronous=FULL by default: a commit is on
disk before the response is sent.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from msgspec.structs import replace

from turnout.core import notices
from turnout.core.changes import plain_fields
from turnout.core.errors import NotFound, Unavailable
from turnout.core.model import Event, Registration, Tenant
from turnout.core.ports import (
    DecideEvent,
    DecideRegistration,
    TenantExists,
    WriteResult,
)
from turnout.store import claims, groupcommit, outbox
from turnout.store import migrate as migrations
from turnout.store.claims import Claim
from turnout.store.groupcommit import GroupCommit
from turnout.store.keys import SqliteKeys
from turnout.store.reads import Reads
from turnout.store.rows import (
    EVENT_COLUMNS,
    REGISTRATION_COLUMNS,
    event_from_row,
    metadata_text,
    registration_from_row,
)

T = TypeVar("T")

_SEAT_GUARD = (
    " AND (status <> 'cancelled' OR :cancel_ok)"
    " AND (:seats <= 0 OR capacity IS NULL OR seats_taken + :seats <= capacity)"
)
_APPLY_COUNTERS = (
    "UPDATE events SET count_pending = count_pending + :pending,"
    " count_tentative = count_tentative + :tentative, count_accepted = count_accepted + :accepted,"
    " count_declined = count_declined + :declined, count_removed = count_removed + :removed,"
    " count_attended = count_attended + :attended, seats_taken = seats_taken + :seats,"
    " checked_in = checked_in + :checked_in, next_seq = next_seq + :inserted WHERE pk = :pk"
)


WRITES_TEMP_STORE = "PRAGMA temp_store = MEMORY"  # the writer's, except while migrating (__init__)


class SqliteStore(SqliteKeys, Reads):
    dialect = "sqlite"

    def __init__(
        self,
        path: str,
        synchronous: str = "FULL",
        unsafe_race_window: float | None = None,
    ) -> None:
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        # Two connections: `db` writes, in group-committed batches; `reader` sees only committed data.
        # The writer waits for no lock on the loop: GroupCommit waits on its thread (busy_timeout 0).
        self.db = _connect(path, synchronous, busy_timeout=0)
        # Each write runs in a SAVEPOINT of its batch (store/groupcommit.py), whose statement
        # journal SQLite keeps in memory only up to 64 KiB (~15 pages) and then moves to a temp
        # file for the rest of the transaction: two pwrite()s per page every later write in the
        # batch changes. A write with an outbox row often passed it: a temp file opened 14 times
        # in 21 commits, once in 12 without (strace; `python -m bench.outbox_breakdown
        # --syscalls`: +23 pwrite()s and +40 µs of system CPU a request; docs/WEBHOOKS.md).
        # In memory the journal is emptied at each RELEASE: it holds one write's pages at most.
        # It is never needed after a crash (the WAL is), so durability is unchanged. Migrations
        # run with the default (migrate): in memory, SQLite's sorter would hold a whole CREATE
        # INDEX (1M rows: 152 MB of RSS, against 16 MB with temp files).
        self.db.execute(WRITES_TEMP_STORE)
        self.reader = _connect(path, synchronous) if path != ":memory:" else self.db
        self.writes = GroupCommit(self.db)
        self.subscriptions = outbox.Subscriptions(self.db, self.writes)
        # Test-only negative control: check seats against a stale read, without the guard.
        self.unsafe_race_window = unsafe_race_window

    def _transaction(self, work: Callable[[], T]) -> T:
        """A transaction of its own, outside any batch: for migrations, before serving."""
        try:
            groupcommit.begin_waiting(self.db, groupcommit.BUSY_TIMEOUT)
        except sqlite3.OperationalError as exc:  # locked by another process past the busy timeout
            raise Unavailable(str(exc)) from exc
        try:
            result = work()
            self.db.execute("COMMIT")
            return result
        except BaseException:
            self.db.execute("ROLLBACK")
            raise

    async def migrate(self) -> list[int]:
        self.db.execute("PRAGMA temp_store = DEFAULT")
        try:
            return self._migrate()
        finally:
            self.db.execute(WRITES_TEMP_STORE)

    def _migrate(self) -> list[int]:
        self.db.execute(migrations.CREATE_LEDGER)
        done = {row[0] for row in self.db.execute("SELECT version FROM schema_migrations")}
        applied = []
        for version, statements in migrations.migrations("sqlite"):
            if version in done:
                continue

            def apply(version: int = version, statements: list[str] = statements) -> None:
                for statement in statements:
                    self.db.execute(statement)
                self.db.execute(
                    "INSERT INTO schema_migrations VALUES (?, ?)", (version, int(time.time()))
                )

            self._transaction(apply)
            applied.append(version)
        return applied

    async def close(self) -> None:
        self.writes.close()
        self.reader.close()
        self.db.close()

    async def durability_warnings(self) -> list[str]:
        if self.db.execute("PRAGMA synchronous").fetchone()[0] >= 2:  # FULL or EXTRA
            return []
        return [
            "SQLite synchronous is below FULL (TURNOUT_SQLITE_SYNCHRONOUS): writes turnout "
            "acknowledged may be lost on power loss, though not on a crash of turnout"
        ]

    async def ping(self) -> None:
        self.reader.execute("SELECT 1").fetchone()

    # Tenants and keys

    async def create_tenant(self, name: str, now: int) -> Tenant:
        def insert() -> Tenant:
            sql = "INSERT INTO tenants (name, created_at) VALUES (?, ?) RETURNING id"
            return Tenant(self.db.execute(sql, (name, now)).fetchone()[0], name)

        try:
            return await self.writes.run(insert)
        except sqlite3.IntegrityError as exc:
            raise TenantExists(name) from exc

    async def find_tenant(self, name: str) -> Tenant | None:
        row = self.reader.execute("SELECT id, name FROM tenants WHERE name = ?", (name,)).fetchone()
        return Tenant(*row) if row else None

    async def count_tenants(self) -> int:
        return int(self.reader.execute("SELECT count(*) FROM tenants").fetchone()[0])

    # Idempotency keys

    def _record_claim(self, claim: Claim | None) -> None:
        """The first statement of a claimed write: fails the write if the key is taken."""
        if claim is None:
            return
        if self.db.execute(claims.CLAIM, claims.claim_args(claim)).fetchone() is None:
            claim.taken = True
            raise claims.ClaimTaken(claim.key)
        claim.recorded = True

    async def find_claim(self, scope: str, key: str, expired_before: int) -> claims.Found | None:
        row = self.reader.execute(claims.FIND, (scope, key, expired_before)).fetchone()
        return claims.found_from_row(row)

    async def finish_claim(self, claim: Claim, response: claims.StoredResponse | None) -> None:
        statement = claims.finish_statement(claim, response)
        if statement is not None:
            await self.writes.run(lambda: self.db.execute(*statement))

    async def purge_claims(self, before: int) -> int:
        return int(await self.writes.run(lambda: self.db.execute(claims.PURGE, (before,)).rowcount))

    # Events

    async def _rows(self, sql: str, args: Sequence[Any]) -> list[Any]:
        return self.reader.execute(sql, args).fetchall()

    @staticmethod
    def _event(db: sqlite3.Connection, tenant_id: int, event_id: str) -> Event | None:
        row = db.execute(
            f"SELECT {EVENT_COLUMNS} FROM events WHERE tenant_id = ? AND id = ?",
            (tenant_id, event_id),
        ).fetchone()
        return event_from_row(row) if row else None

    async def write_event(
        self, tenant_id: int, event_id: str, decide: DecideEvent, now: int
    ) -> tuple[Event, bool]:
        claim = claims.current.get()

        def work() -> tuple[Event, bool]:
            self._record_claim(claim)
            old = self._event(self.db, tenant_id, event_id)
            fields = decide(old)
            if fields is None:
                assert old is not None
                return old, False
            values = {
                **plain_fields(fields),
                "now": now,
                "tenant_id": tenant_id,
                "id": event_id,
            }
            if old is None:
                self.db.execute(
                    "INSERT INTO events (tenant_id, id, start_at, end_at, timezone, status, capacity,"
                    " title, description, location, cost_cents, start_date, created_at, updated_at)"
                    " VALUES (:tenant_id, :id, :start_at, :end_at, :timezone, :status, :capacity,"
                    " :title, :description, :location, :cost_cents, :start_date, :now, :now)",
                    values,
                )
            else:
                self.db.execute(
                    "UPDATE events SET start_at = :start_at, end_at = :end_at, timezone = :timezone,"
                    " status = :status, capacity = :capacity, title = :title,"
                    " description = :description, location = :location, cost_cents = :cost_cents,"
                    " start_date = :start_date,"
                    " version = version + 1, updated_at = :now WHERE tenant_id = :tenant_id AND id = :id",
                    values,
                )
            event = self._event(self.db, tenant_id, event_id)
            assert event is not None
            outbox.record_sqlite(self.subscriptions, tenant_id, notices.event_changed(old, event))
            return event, old is None

        with claims.unrecorded_on_failure(claim):
            return await self.writes.run(work)

    # Registrations

    @staticmethod
    def _registration(
        db: sqlite3.Connection, event_pk: int, registration_id: str
    ) -> Registration | None:
        row = db.execute(
            f"SELECT {REGISTRATION_COLUMNS} FROM registrations WHERE event_pk = ? AND id = ?",
            (event_pk, registration_id),
        ).fetchone()
        return registration_from_row(row) if row else None

    async def write_registration(
        self,
        tenant_id: int,
        event_id: str,
        registration_id: str,
        decide: DecideRegistration,
        first_page: int = 0,
    ) -> WriteResult:
        stale = None
        if self.unsafe_race_window is not None:
            stale = self._event(self.reader, tenant_id, event_id)
            await asyncio.sleep(self.unsafe_race_window)

        claim = claims.current.get()

        def work() -> WriteResult:
            self._record_claim(claim)
            return self._write_registration(tenant_id, event_id, registration_id, decide, stale)

        # `first_page` is not read here: under load, reading it after the COMMIT, on the reader,
        # measured faster than reading it inside the batch (bench/, new_upserts, A/B).
        with claims.unrecorded_on_failure(claim):
            return await self.writes.run(work)

    def _write_registration(
        self,
        tenant_id: int,
        event_id: str,
        registration_id: str,
        decide: DecideRegistration,
        unsafe_stale_event: Event | None,
    ) -> WriteResult:
        event = self._event(self.db, tenant_id, event_id)
        if event is None:
            raise NotFound(event_id)
        old = self._registration(self.db, event.pk, registration_id)
        write = decide(event, old)
        if write is None:
            assert old is not None
            return WriteResult(event, old, created=False, changed=False)
        new = write.registration
        guarded = unsafe_stale_event is None
        taken = bool(write.unique_email) and self._email_taken(
            event.pk, write.unique_email or "", registration_id
        )
        if problem := write.refusal(unsafe_stale_event or event, taken):
            raise problem

        values: dict[str, Any] = {
            "event_pk": event.pk,
            "id": registration_id,
            "status": new.status,
            "guest_count": new.guest_count,
            "metadata": metadata_text(new.metadata),
            "email_key": write.email_key,
            "notes": new.notes,
            "checked_in_count": new.checked_in_count,
            "checked_in_at": new.checked_in_at,
            "version": new.version,
            "created_at": new.created_at,
            "updated_at": new.updated_at,
            "seq": 0,
        }
        counts = plain_fields(write.delta)
        after, next_seq = event, 0
        if old is None or any(counts.values()):  # else the event row has nothing to change
            params = {
                **counts,
                "pk": event.pk,
                "inserted": int(old is None),
                "cancel_ok": write.cancel_ok,
            }
            cur = self.db.execute(
                _APPLY_COUNTERS
                + (_SEAT_GUARD if guarded else "")
                + f" RETURNING {EVENT_COLUMNS}, next_seq",
                params,
            )
            row = cur.fetchone()
            if row is None:  # the guard refused: refusal() above should have said so first
                raise write.refusal(event) or Unavailable("seat guard refused the write")
            after, next_seq = event_from_row(row), row[-1]
        if old is None:
            values["seq"] = next_seq - 1
            reg_pk = self.db.execute(
                "INSERT INTO registrations (event_pk, id, seq, status, guest_count, metadata,"
                " email_key, notes, checked_in_count, checked_in_at, version, created_at, updated_at)"
                " VALUES (:event_pk, :id, :seq, :status, :guest_count, :metadata, :email_key, :notes,"
                " :checked_in_count, :checked_in_at, :version, :created_at, :updated_at) RETURNING pk",
                values,
            ).fetchone()[0]
        else:
            values["seq"] = old.seq
            values["old_version"] = write.old_version
            reg_pk = self.db.execute(
                "UPDATE registrations SET status = :status, guest_count = :guest_count,"
                " metadata = :metadata, email_key = :email_key, notes = :notes,"
                " checked_in_count = :checked_in_count, checked_in_at = :checked_in_at,"
                " version = :version, updated_at = :updated_at"
                " WHERE event_pk = :event_pk AND id = :id AND version = :old_version RETURNING pk",
                values,
            ).fetchone()[0]
        if write.record_history:
            self.db.execute(
                "INSERT INTO registration_history (registration_pk, status, checked_in_count, at)"
                " VALUES (?, ?, ?, ?)",
                (reg_pk, new.status, new.checked_in_count, new.updated_at),
            )
        stored = replace(new, seq=values["seq"])
        changes = notices.registration_changed(event.id, old, stored)
        outbox.record_sqlite(
            self.subscriptions,
            tenant_id,
            changes + notices.event_filled(event, after, new.updated_at),
        )
        return WriteResult(after, stored, created=old is None, changed=True)

    def _email_taken(self, event_pk: int, key: str, registration_id: str) -> bool:
        row = self.db.execute(
            "SELECT 1 FROM registrations WHERE event_pk = ? AND email_key = ? AND id <> ?"
            " AND status IN ('pending', 'tentative', 'accepted') LIMIT 1",
            (event_pk, key, registration_id),
        ).fetchone()
        return row is not None


def _connect(
    path: str, synchronous: str, busy_timeout: float = groupcommit.BUSY_TIMEOUT
) -> sqlite3.Connection:
    db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    for pragma in (
        "journal_mode = WAL",
        f"synchronous = {synchronous}",
        "foreign_keys = ON",
        f"busy_timeout = {int(busy_timeout * 1000)}",
    ):
        db.execute("PRAGMA " + pragma)
    return db
