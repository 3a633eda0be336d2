"""The outbox: a write's webhook messages, inserted in the write's own transaction.

Each write path makes one call here with the notices the core decided (core/notices.py). Rows are
inserted only for the tenant's enabled endpoints subscribed to a notice's type, and a body is
rendered only when some endpoint wants it. On SQLite the endpoints are read once and kept
(Subscriptions) until something may have changed them, so a tenant without webhooks pays a dict
look-up per write; on PostgreSQL the insert joins them. A write that rolls back takes its rows with
it; nothing is enqueued after COMMIT.
"""

from __future__ import annotations

import random
import sqlite3
import time
from collections.abc import Sequence

import asyncpg

from turnout.core.notices import Notice
from turnout.store.groupcommit import GroupCommit
from turnout.webhooks import payloads

_SUBSCRIBED = (
    "SELECT pk, event_types FROM webhook_endpoints"
    " WHERE tenant_id = ? AND enabled AND deleted_at IS NULL"
)
_INSERT = (
    "INSERT INTO webhook_deliveries (endpoint_pk, message_id, type, ordering_key, payload,"
    " created_at, next_attempt_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
)
# PostgreSQL: every notice × every subscribed endpoint in one statement (the same join the write
# function does for registrations).
_INSERT_MATCHING = """
INSERT INTO webhook_deliveries (endpoint_pk, message_id, type, ordering_key, payload, created_at,
                                next_attempt_at)
SELECT w.pk, n.id, n.type, n.key, n.body, $6, $6
FROM unnest($2::text[], $3::text[], $4::text[], $5::text[]) AS n (type, key, id, body)
JOIN webhook_endpoints w ON w.tenant_id = $1 AND w.enabled AND w.deleted_at IS NULL
 AND (w.event_types = ' * ' OR strpos(w.event_types, ' ' || n.type || ' ') > 0)
"""


def insert_after(gate: str, first: int, now: int) -> str:
    """The insert of _INSERT_MATCHING as a CTE of a caller's one-statement write (hub devices):
    it inserts only if the CTE `gate` returned a row. `$first` is the tenant id, the next four are
    `columns(notices)`, and `$now` the change's time."""
    t = first
    return (
        "INSERT INTO webhook_deliveries (endpoint_pk, message_id, type, ordering_key, payload,"
        f" created_at, next_attempt_at) SELECT w.pk, n.id, n.type, n.key, n.body, ${now}, ${now}"
        f" FROM (SELECT 1 FROM {gate} LIMIT 1) AS done,"
        f" unnest(${t + 1}::text[], ${t + 2}::text[], ${t + 3}::text[], ${t + 4}::text[])"
        " AS n (type, key, id, body)"
        f" JOIN webhook_endpoints w ON w.tenant_id = ${t} AND w.enabled AND w.deleted_at IS NULL"
        " AND (w.event_types = ' * ' OR strpos(w.event_types, ' ' || n.type || ' ') > 0)"
    )


def message_id() -> str:
    """`msg_`, the time in µs (14 hex digits) and 40 random bits: unique, and roughly in creation
    order, so each insert lands at the right edge of UNIQUE (endpoint_pk, message_id)'s index instead
    of a random page of it: a SQLite outbox row's CPU 44 -> 25 µs behind a 40,000-row backlog
    (`python -m bench.outbox_rows`; docs/WEBHOOKS.md "Cost and throughput").

    The bits need to be unique, not unpredictable (a receiver trusts the signature, never the id):
    `random`'s shared generator, seeded from the OS and reseeded in a forked child, gives them in
    0.45 µs, where `secrets.token_hex(5)` took 1.0 µs and a getrandom() system call per message
    (timeit; the whole id 3.4 -> 2.0 µs at a load average of 8, `python -m bench.outbox_parts`)."""
    return f"msg_{time.time_ns() // 1000:014x}{random.getrandbits(40):010x}"


def subscribed(event_types: str, notice_type: str) -> bool:
    return event_types == " * " or f" {notice_type} " in event_types


class Subscriptions:
    """Each tenant's enabled endpoints and their types, as SQLite's writer connection last read
    them: every write with notices needs them, and they change seldom.

    Valid only while nothing else can have changed them, which holds because every statement on
    `db` runs in a group-commit batch, holding the database's write lock:
    - another connection's (or process's, say `turnout webhook create`) commit changes SQLite's
      `PRAGMA data_version` for this connection; it is read once per batch, and it can only change
      between batches;
    - this connection's own endpoint writes (webhooks/store.py) call `forget()` in their work;
    - a write or a batch that rolls back may have undone such a write: any rollback empties it.
    """

    def __init__(self, db: sqlite3.Connection, writes: GroupCommit) -> None:
        self.db, self.writes = db, writes
        self.tenants: dict[int, list[tuple[int, str]]] = {}
        self.seen = (-1, -1, -1)  # (batch, rollbacks, data_version) when last checked

    def of(self, tenant_id: int) -> list[tuple[int, str]]:
        """(pk, event_types) of the tenant's live endpoints; call inside a batch's work."""
        if (self.writes.begun, self.writes.rollbacks) != self.seen[:2]:
            version = self.db.execute("PRAGMA data_version").fetchone()[0]
            if (self.writes.rollbacks, version) != self.seen[1:]:
                self.tenants.clear()
            self.seen = (self.writes.begun, self.writes.rollbacks, version)
        found = self.tenants.get(tenant_id)
        if found is None:
            found = self.tenants[tenant_id] = self.db.execute(_SUBSCRIBED, (tenant_id,)).fetchall()
        return found

    def forget(self) -> None:
        self.tenants.clear()


def record_sqlite(subscriptions: Subscriptions, tenant_id: int, notices: Sequence[Notice]) -> None:
    """Insert the notices' deliveries on the writer connection, inside the caller's
    (group-committed) transaction."""
    if not notices:
        return
    endpoints = subscriptions.of(tenant_id)
    if not endpoints:
        return
    db = subscriptions.db
    for notice in notices:
        body = mid = ""
        # Plain loops and one execute per row: ~4,000 instructions a write fewer than comprehensions
        # and executemany (callgrind, docs/WEBHOOKS.md "Cost and throughput").
        for pk, types in endpoints:
            if subscribed(types, notice.type):
                if not mid:  # rendered once, and only if some endpoint wants it
                    body, mid = payloads.body(notice), message_id()
                row = (pk, mid, notice.type, notice.ordering_key, body, notice.at, notice.at)
                db.execute(_INSERT, row)


def columns(notices: Sequence[Notice]) -> list[list[str]]:
    """The notices as the four arrays (types, ordering keys, message ids, bodies) PostgreSQL takes."""
    return [
        [n.type for n in notices],
        [n.ordering_key for n in notices],
        [message_id() for _ in notices],
        [payloads.body(n) for n in notices],
    ]


async def record_postgres(
    conn: asyncpg.Connection, tenant_id: int, notices: Sequence[Notice], now: int
) -> None:
    """Insert the notices' deliveries on `conn`, inside the caller's transaction."""
    if notices:
        await conn.execute(_INSERT_MATCHING, tenant_id, *columns(notices), now)
