"""What clients were told, and what the database holds: for crash and restart tests.

A `Ledger` records every registration write a client sent and what came back. After a crash, each
registration in the database must be one of the versions the client sent since its last
acknowledgement (the acknowledged one, or one whose answer was lost) — never a mix of two, and
never missing if one was acknowledged. `invariant_problems` reads the database directly, since the
API shows the counters under test.
"""

from __future__ import annotations

import asyncio
import dataclasses
import re
import sqlite3
from typing import Any

import asyncpg

Body = dict[str, Any]


@dataclasses.dataclass
class Ledger:
    acked: dict[str, Body] = dataclasses.field(default_factory=dict)  # last 2xx per id
    unanswered: dict[str, list[Body]] = dataclasses.field(default_factory=dict)  # since then
    statuses: list[int | str] = dataclasses.field(default_factory=list)  # status or exception

    def sent(self, body: Body, answer: int | str) -> None:
        rid = body["registration_id"]
        self.statuses.append(answer)
        if isinstance(answer, int) and 200 <= answer < 300:
            self.acked[rid] = body
            self.unanswered[rid] = []
        elif not isinstance(answer, int) or answer >= 500:
            self.unanswered.setdefault(rid, []).append(body)
        # A 4xx is a definite "not applied": the registration stays as it was.

    def mismatches(self, stored: dict[str, Body]) -> list[str]:
        """Registrations whose stored state is not a version some client sent since its last ack."""
        problems = []
        for rid in set(self.acked) | set(self.unanswered) | set(stored):
            candidates = [self.acked[rid]] if rid in self.acked else []
            candidates += self.unanswered.get(rid, [])
            row = stored.get(rid)
            if row is None:
                if rid in self.acked:
                    problems.append(f"{rid}: acknowledged {self.acked[rid]} but missing")
            elif not any(_same(row, body) for body in candidates):
                problems.append(f"{rid}: stored {row}, sent {candidates}")
        return problems


def _same(row: Body, body: Body) -> bool:
    return all(row[k] == body[k] for k in ("status", "guest_count", "notes"))


def query(database_url: str, sql: str, *args: Any) -> list[tuple[Any, ...]]:
    """Rows of `sql` (with $1-style parameters) on either database, from a connection of its own."""
    if database_url.startswith("sqlite:///"):
        db = sqlite3.connect(database_url.removeprefix("sqlite:///"), timeout=30)
        try:
            return [tuple(r) for r in db.execute(re.sub(r"\$\d+", "?", sql), args)]
        finally:
            db.close()

    async def go() -> list[tuple[Any, ...]]:
        conn = await asyncpg.connect(database_url)
        try:
            return [tuple(r) for r in await conn.fetch(sql, *args)]
        finally:
            await conn.close()

    return asyncio.run(go())


def stored_registrations(database_url: str, tenant_id: int, event_id: str) -> dict[str, Body]:
    rows = query(
        database_url,
        "SELECT r.id, r.status, r.guest_count, r.notes FROM registrations r"
        " JOIN events e ON e.pk = r.event_pk WHERE e.tenant_id = $1 AND e.id = $2",
        tenant_id,
        event_id,
    )
    return {r[0]: {"status": r[1], "guest_count": r[2], "notes": r[3]} for r in rows}


_ACTIVE = ("pending", "tentative", "accepted")


def invariant_problems(database_url: str, tenant_id: int, event_id: str) -> list[str]:
    """The event's counters against its rows, the seat limit, and each row's status history."""
    (event,) = query(
        database_url,
        "SELECT pk, capacity, seats_taken, count_pending, count_tentative, count_accepted,"
        " count_declined, count_removed, next_seq FROM events WHERE tenant_id = $1 AND id = $2",
        tenant_id,
        event_id,
    )
    pk, capacity, seats_taken, *counts, next_seq = event
    rows = query(
        database_url,
        "SELECT r.status, r.guest_count, r.seq,"
        " (SELECT h.status FROM registration_history h WHERE h.registration_pk = r.pk"
        "  ORDER BY h.pk DESC LIMIT 1)"
        " FROM registrations r WHERE r.event_pk = $1",
        pk,
    )
    problems = []
    statuses = ("pending", "tentative", "accepted", "declined", "removed")
    actual = [sum(1 for r in rows if r[0] == s) for s in statuses]
    if list(counts) != actual:
        problems.append(f"counters {dict(zip(statuses, counts, strict=True))} but rows {actual}")
    seats = sum(1 + r[1] for r in rows if r[0] in _ACTIVE)
    if seats != seats_taken:
        problems.append(f"seats_taken {seats_taken} but rows hold {seats}")
    if capacity is not None and seats_taken > capacity:
        problems.append(f"seats_taken {seats_taken} > capacity {capacity}")
    if next_seq != len(rows) + 1:
        problems.append(f"next_seq {next_seq} with {len(rows)} rows")
    if len({r[2] for r in rows}) != len(rows):
        problems.append("duplicate seq")
    problems += [f"history ends in {r[3]} for a {r[0]} row" for r in rows if r[3] != r[0]]
    return problems
