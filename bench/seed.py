"""Benchmark data: a tenant and key, 100 ordinary events, a small one, and one with N registrations."""

from __future__ import annotations

import dataclasses
import time
from typing import Any

from turnout.auth import keys
from turnout.config import Settings
from turnout.core.events import EventChanges, put_event
from turnout.core.paging import PageKind, PageToken, PageTokens
from turnout.store import open_store
from turnout.store.rows import metadata_text

START = 1_900_000_000  # 2030: every event is upcoming


@dataclasses.dataclass(frozen=True)
class Seeded:
    tenant_id: int
    key: str
    deep_path: str  # the path to a page in the middle of the big event (the ceiling takes it too)


async def seed(settings: Settings, big: int) -> Seeded:
    store = await open_store(settings)
    try:
        await store.migrate()
        tenant = await store.create_tenant("bench", int(time.time()))
        key = await keys.create_key(store, settings.server_secret(), tenant.id, "write", "bench", 0)
        changes = EventChanges(start_at=START, end_at=START + 3600, status="confirmed")
        for event_id in [f"e{i}" for i in range(100)] + ["small", "big"]:
            await put_event(store, tenant.id, event_id, changes)
        big_pk = await _bulk_registrations(store, tenant.id, "big", big)
        await _bulk_registrations(store, tenant.id, "small", 10)
        for i in range(100):  # the ids the re-upsert scenario rewrites
            await _bulk_registrations(store, tenant.id, f"e{i}", 1, prefix=f"seed{i}")
    finally:
        await store.close()
    middle = big // 2
    token = PageTokens(settings.server_secret()).encode(
        PageToken(PageKind.EVENT_REGISTRATIONS, tenant.id, big_pk, middle // 50 + 1, 50, middle)
    )
    return Seeded(
        tenant.id,
        key,
        f"/v1/bookable_events/big/registrations/pages/{token}",
    )


async def _bulk_registrations(
    store: Any, tenant_id: int, event_id: str, n: int, prefix: str = "bulk"
) -> int:
    """Insert n accepted registrations straight into the tables, with the counters to match."""
    event = await store.get_event(tenant_id, event_id)
    assert event is not None
    now = int(time.time())

    def rows() -> Any:
        for seq in range(1, n + 1):
            rid = prefix if n == 1 else f"{prefix}{seq}"
            email = f"{rid}@example.org"
            meta = metadata_text({"email": email, "name": "Seed"})
            yield (event.pk, rid, seq, "accepted", 0, meta, email, 0, 1, now, now)

    columns = [
        "event_pk",
        "id",
        "seq",
        "status",
        "guest_count",
        "metadata",
        "email_key",
        "checked_in_count",
        "version",
        "created_at",
        "updated_at",
    ]
    counters = (
        "UPDATE events SET count_accepted = count_accepted + {0}, seats_taken = seats_taken + {1},"
        " next_seq = next_seq + {2} WHERE pk = {3}"
    )
    if store.dialect == "sqlite":
        with store.db:
            store.db.execute("BEGIN")
            marks = ", ".join("?" * len(columns))
            store.db.executemany(
                f"INSERT INTO registrations ({', '.join(columns)}) VALUES ({marks})", rows()
            )
            store.db.execute(counters.format(*"????"), (n, n, n, event.pk))
    else:
        async with store.pool.acquire() as conn, conn.transaction():
            await conn.copy_records_to_table("registrations", records=rows(), columns=columns)
            await conn.execute(counters.format("$1", "$1", "$1", "$2"), n, event.pk)
    return int(event.pk)
