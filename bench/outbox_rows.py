"""What one outbox row costs SQLite, before and after migrations 0008 and 0010: CPU µs per row.

    python -m bench.outbox_rows [--backlog N]

Rows go into the real schema (migration 0006; then 0008 and 0009; "now" also 0010, which respells
the state CHECK) 64 to a transaction, as a group commit writes them, after `--backlog` pending rows
(an endpoint that is down, or the bench's dispatcher that is off: the partial indexes hold pending
rows only). Since 0008 a write leaves its
rows for the dispatcher to admit into the ordering index; "admitted later" also counts that work
(webhooks/store.py's admission statement, a batch at a time), which the dispatcher does instead of
the writer. Variants alternate over three rounds; medians.
"""

from __future__ import annotations

import argparse
import sqlite3
import tempfile
import time
from pathlib import Path

from turnout.store import migrate, outbox
from turnout.webhooks import store

MIGRATIONS = Path(outbox.__file__).parent / "migrations"
BODY = "x" * 334  # a registration.created body's length
BATCH, BATCHES = 64, 300


def schema(db: sqlite3.Connection, versions: tuple[str, ...]) -> None:
    for name in versions:
        sql = (MIGRATIONS / name).read_text()
        sql = sql.replace("{pk}", "INTEGER PRIMARY KEY").replace("{blob}", "BLOB")
        for statement in migrate.split_statements(sql.replace("REFERENCES tenants (id)", "")):
            db.execute(statement)


def cost(versions: tuple[str, ...], admit: bool, backlog: int) -> float:
    db = sqlite3.connect(Path(tempfile.mkdtemp()) / "rows.db", isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")  # CPU, not the disk's wait
    schema(db, versions)
    n = 0

    def insert() -> None:
        nonlocal n
        n += 1
        at = 1_800_000_000 + n // 100
        key = f"registration:e{n % 100}:nonce-{n % 2}-{n}"  # wrk's ids, over 100 events
        row = (1, outbox.message_id(), "registration.created", key, BODY, at, at)
        db.execute(outbox._INSERT, row)

    def admit_all() -> None:
        while db.execute(store._ADMIT.format(lock=""), (store.ADMIT_BATCH,)).rowcount:
            pass

    db.execute("BEGIN")
    for _ in range(backlog):
        insert()
    if admit:
        admit_all()
    db.execute("COMMIT")
    cpu = time.process_time()
    for _ in range(BATCHES):
        db.execute("BEGIN")
        for _ in range(BATCH):
            insert()
        db.execute("COMMIT")
    if admit:
        db.execute("BEGIN")
        admit_all()
        db.execute("COMMIT")
    db.close()
    return (time.process_time() - cpu) / (BATCHES * BATCH) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backlog", type=int, default=40_000, help="pending rows before")
    backlog = parser.parse_args().backlog
    before = ("0006_webhooks.sql",)
    admission = (*before, "0008_outbox_admission.sql", "0009_outbox_claimable.sql")
    now = (*admission, "0010_outbox_state_check.sqlite.sql")
    variants = {
        "before 0008: every index": (before, False),
        "before 0010: the write": (admission, False),
        "now: the write": (now, False),
        "now: the write, admitted later": (now, True),
    }
    found: dict[str, list[float]] = {name: [] for name in variants}
    for r in range(3):
        for name in list(variants)[:: 1 if r % 2 == 0 else -1]:
            found[name].append(cost(*variants[name], backlog))
    for name, runs in found.items():
        print(f"{name:36} {sorted(runs)[1]:5.1f} µs/row  {[round(x, 1) for x in runs]}")


if __name__ == "__main__":
    main()
