"""What one outbox row costs SQLite, by message-id shape and by index: CPU µs per row.

    python -m bench.outbox_rows [--backlog N]

Rows go into the real schema (migration 0006) 64 to a transaction, as a group commit writes them,
after `--backlog` pending rows (an endpoint that is down, or the bench's dispatcher that is off:
the partial indexes hold pending rows only). Variants alternate over three rounds; medians.
"""

from __future__ import annotations

import argparse
import secrets
import sqlite3
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from turnout.store import outbox

SCHEMA = Path(outbox.__file__).parent / "migrations" / "0006_webhooks.sql"
BODY = "x" * 334  # a registration.created body's length
BATCH, BATCHES = 64, 300


def random_id() -> str:
    return "msg_" + secrets.token_hex(12)  # the ids before creation-ordered ones


def cost(message_id: Callable[[], str], drop: tuple[str, ...], backlog: int) -> float:
    db = sqlite3.connect(Path(tempfile.mkdtemp()) / "rows.db", isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")  # CPU, not the disk's wait
    schema = SCHEMA.read_text().replace("{pk}", "INTEGER PRIMARY KEY").replace("{blob}", "BLOB")
    db.executescript(schema.replace("REFERENCES tenants (id)", ""))
    for index in drop:
        db.execute(f"DROP INDEX {index}")
    n = 0

    def insert() -> None:
        nonlocal n
        n += 1
        at = 1_800_000_000 + n // 100
        key = f"registration:e{n % 100}:nonce-{n % 2}-{n}"  # wrk's ids, over 100 events
        row = (1, message_id(), "registration.created", key, BODY, at, at)
        db.execute(outbox._INSERT, row)

    db.execute("BEGIN")
    for _ in range(backlog):
        insert()
    db.execute("COMMIT")
    cpu = time.process_time()
    for _ in range(BATCHES):
        db.execute("BEGIN")
        for _ in range(BATCH):
            insert()
        db.execute("COMMIT")
    db.close()
    return (time.process_time() - cpu) / (BATCHES * BATCH) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backlog", type=int, default=40_000, help="pending rows before")
    backlog = parser.parse_args().backlog
    extra = ("webhook_deliveries_due", "webhook_deliveries_in_order")
    variants = {
        "random ids, every index": (random_id, ()),
        "ordered ids (now), every index": (outbox.message_id, ()),
        "ordered ids, without _in_order": (outbox.message_id, extra[1:]),
        "ordered ids, without _due": (outbox.message_id, extra[:1]),
        "ordered ids, without _by_endpoint": (
            outbox.message_id,
            ("webhook_deliveries_by_endpoint",),
        ),
    }
    found: dict[str, list[float]] = {name: [] for name in variants}
    for r in range(3):
        for name in list(variants)[:: 1 if r % 2 == 0 else -1]:
            found[name].append(cost(*variants[name], backlog))
    for name, runs in found.items():
        print(f"{name:36} {sorted(runs)[1]:5.1f} µs/row  {[round(x, 1) for x in runs]}")


if __name__ == "__main__":
    main()
