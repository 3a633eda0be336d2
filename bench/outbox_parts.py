"""The parts of a SQLite outbox row's cost, each alone: the body's rendering, the message id, and
the INSERT (the row and its index entries), in process, on the real schema.

    python -m bench.outbox_parts [--rows 6400] [--rounds 3]

The INSERT is timed inside group-commit-like transactions (a SAVEPOINT per row, 64 rows a COMMIT,
synchronous=OFF so the disk is not timed), minus the same loop without it. Best of 5 for the
rendering and the id, every round for the INSERT. Beside bench.outbox_breakdown, which measures
the whole request over HTTP, this shows how much of the outbox's cost the row's own work explains.
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import tempfile
import time
import timeit
from collections.abc import Sequence

from turnout.config import Settings
from turnout.core import events, registrations, times
from turnout.core.notices import Notice
from turnout.core.registrations import RegistrationChanges, takes_no_more_seats
from turnout.store import open_store, outbox
from turnout.store.sqlite import SqliteStore
from turnout.webhooks import manage, payloads
from turnout.webhooks.store import WebhookStore

SECRET = "w" * 64
BATCH = 64


async def a_notice() -> tuple[SqliteStore, int, Notice]:
    """A store with one `*` endpoint, and the registration.created notice of a real write."""
    url = f"sqlite:///{tempfile.mkdtemp(prefix='turnout-parts-')}/parts.db"
    store = await open_store(Settings(database_url=url, secret=SECRET))
    assert isinstance(store, SqliteStore)
    await store.migrate()
    tenant = await store.create_tenant("one", times.now())
    start = times.now() + 86400
    changes = events.EventChanges(start_at=start, end_at=start + 3600, status="confirmed")
    await events.put_event(store, tenant.id, "ev", changes)
    body = {"url": "http://127.0.0.1:9/never-called", "event_types": ["*"]}
    await manage.create(WebhookStore(store), SECRET.encode(), tenant.id, body, True)
    caught: list[Notice] = []
    record = outbox.record_sqlite

    def spy(subscriptions: outbox.Subscriptions, tenant_id: int, notices: Sequence[Notice]) -> None:
        caught.extend(notices)
        record(subscriptions, tenant_id, notices)

    outbox.record_sqlite = spy
    try:
        metadata = {"email": "p@example.org", "name": "P"}
        await registrations.write_registration(
            store,
            tenant.id,
            "ev",
            "r1",
            RegistrationChanges(status="accepted", metadata=metadata),
            include_drafts=False,
            cancel_rule=takes_no_more_seats,
        )
    finally:
        outbox.record_sqlite = record
    endpoint = store.subscriptions.of(tenant.id)[0][0]
    return store, endpoint, next(n for n in caught if n.type == "registration.created")


def batches(db: sqlite3.Connection, rows: int, insert: tuple[object, ...] | None) -> float:
    """CPU µs per row of `rows` savepoints in batches of BATCH, each inserting `insert` if given."""
    started = time.process_time()
    for first in range(0, rows, BATCH):
        db.execute("BEGIN IMMEDIATE")
        for _ in range(min(BATCH, rows - first)):
            db.execute("SAVEPOINT write")
            mid = outbox.message_id()
            if insert is not None:
                db.execute(outbox._INSERT, (insert[0], mid, *insert[1:]))
            db.execute("RELEASE write")
        db.execute("COMMIT")
    return (time.process_time() - started) / rows * 1e6


async def measure(rows: int, rounds: int) -> None:
    store, endpoint, notice = await a_notice()
    body = payloads.body(notice)
    print(f"body: {len(body)} bytes")
    for name, part in [
        ("the body (payloads.body)", lambda: payloads.body(notice)),
        ("  of which data (render)", lambda: payloads.data(notice)),
        ("the message id", outbox.message_id),
    ]:
        best = min(timeit.repeat(part, number=20_000, repeat=5)) / 20_000 * 1e6
        print(f"{best:6.2f} µs  {name}")
    db = store.db
    db.execute("PRAGMA synchronous = OFF")
    row = (endpoint, notice.type, notice.ordering_key, body, notice.at, notice.at)
    batches(db, rows, row)  # a backlog, and warm
    for _ in range(rounds):
        with_row, without = batches(db, rows, row), batches(db, rows, None)
        print(
            f"{with_row - without:6.2f} µs  the INSERT ({with_row:.2f} with, {without:.2f} without)"
        )
    await store.close()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=6400, help="rows per round")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    asyncio.run(measure(args.rows, args.rounds))


if __name__ == "__main__":
    main()
