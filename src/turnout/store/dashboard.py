"""The web app's reads: events by title and status, registrations a page at a time, history.

Registration pages are keyset pages over the event's sequence numbers, walked through an index
(`UNIQUE (event_pk, seq)`, or `registrations_by_status` when filtered), so the thousandth page costs
what the first does, at any size of event. Email search is a prefix range on
`registrations_by_email`; a search that is not an email prefix also looks for the text in names,
which scans the event's rows until it has a page of matches (docs/DASHBOARD.md).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from turnout.core.model import Event, EventStatus, Registration, RegistrationStatus
from turnout.store.base import Store
from turnout.store.rows import (
    EVENT_COLUMNS,
    REGISTRATION_COLUMNS,
    event_from_row,
    registration_from_row,
)
from turnout.store.sqlexec import sql_for

_HIGHEST = "\U0010ffff"  # sorts after any text: the end of a prefix range


@dataclasses.dataclass(frozen=True, slots=True)
class Page:
    """A page of registrations; `after`/`before` are the sequence numbers to ask the next or
    previous page from, None when there is none."""

    rows: list[Registration]
    after: int | None
    before: int | None


@dataclasses.dataclass(frozen=True, slots=True)
class HistoryEntry:
    status: RegistrationStatus
    checked_in_count: int
    at: int


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


class Dashboard:
    def __init__(self, store: Store) -> None:
        self.sql = sql_for(store)

    async def events(
        self, tenant_id: int, status: EventStatus | None, search: str, limit: int = 200
    ) -> list[Event]:
        where, args = "tenant_id = ?", list[Any]([tenant_id])
        if status is not None:
            where, args = where + " AND status = ?", [*args, status]
        if search:
            where += " AND (lower(title) LIKE ? ESCAPE '\\' OR lower(id) LIKE ? ESCAPE '\\')"
            args += [_like(search.lower())] * 2
        sql = f"SELECT {EVENT_COLUMNS} FROM events WHERE {where} ORDER BY start_at, id LIMIT ?"
        return [event_from_row(r) for r in await self.sql.rows(sql, *args, limit)]

    async def registrations(
        self,
        event_pk: int,
        status: RegistrationStatus | None,
        after: int = 0,
        before: int | None = None,
        limit: int = 50,
    ) -> Page:
        where, args = "event_pk = ?", list[Any]([event_pk])
        if status is not None:
            where, args = where + " AND status = ?", [*args, status]
        backwards = before is not None
        if backwards:
            where, args = where + " AND seq < ?", [*args, before]
            order = "seq DESC"
        else:
            where, args = where + " AND seq > ?", [*args, after]
            order = "seq"
        sql = f"SELECT {REGISTRATION_COLUMNS} FROM registrations WHERE {where} ORDER BY {order} LIMIT ?"
        rows = [registration_from_row(r) for r in await self.sql.rows(sql, *args, limit + 1)]
        more = len(rows) > limit
        rows = rows[:limit]
        if backwards:
            rows.reverse()
            return Page(rows, rows[-1].seq if rows else None, rows[0].seq if more else None)
        return Page(rows, rows[-1].seq if more else None, rows[0].seq if after and rows else None)

    async def search(self, event_pk: int, text: str, limit: int = 20) -> list[Registration]:
        """Registrations whose email starts with `text`, or whose id is `text`, then (when that
        finds fewer than `limit`) those with `text` anywhere in their attendee details."""
        key = text.strip().lower()
        if not key:
            return []
        by_email = await self.sql.rows(
            f"SELECT {REGISTRATION_COLUMNS} FROM registrations WHERE event_pk = ?"
            " AND ((email_key >= ? AND email_key < ?) OR id = ?) ORDER BY email_key LIMIT ?",
            event_pk,
            key,
            key + _HIGHEST,
            text.strip(),
            limit,
        )
        found = [registration_from_row(r) for r in by_email]
        if len(found) < limit and "@" not in key:
            found += await self._by_details(event_pk, key, limit - len(found), found)
        return found

    async def _by_details(
        self, event_pk: int, key: str, limit: int, seen: list[Registration]
    ) -> list[Registration]:
        rows = await self.sql.rows(
            f"SELECT {REGISTRATION_COLUMNS} FROM registrations WHERE event_pk = ?"
            " AND lower(metadata) LIKE ? ESCAPE '\\' ORDER BY seq LIMIT ?",
            event_pk,
            _like(key),
            limit + len(seen),
        )
        ids = {r.id for r in seen}
        return [r for r in map(registration_from_row, rows) if r.id not in ids][:limit]

    async def history(self, event_pk: int, registration_id: str) -> list[HistoryEntry]:
        rows: list[Any] = await self.sql.rows(
            "SELECT h.status, h.checked_in_count, h.at FROM registration_history h"
            " JOIN registrations r ON r.pk = h.registration_pk"
            " WHERE r.event_pk = ? AND r.id = ? ORDER BY h.pk",
            event_pk,
            registration_id,
        )
        return [HistoryEntry(r[0], int(r[1]), int(r[2])) for r in rows]

    async def event_counts(self, event_pk: int) -> dict[str, int]:
        """The door's live counts: persons checked in, and persons expected (seats held)."""
        rows = await self.sql.rows(
            "SELECT checked_in, seats_taken FROM events WHERE pk = ?", event_pk
        )
        checked_in, expected = rows[0] if rows else (0, 0)
        return {"checked_in": int(checked_in), "expected": int(expected)}

    async def event_title(self, tenant_id: int, event_pk: int) -> str:
        rows = await self.sql.rows(
            "SELECT coalesce(title, id) FROM events WHERE tenant_id = ? AND pk = ?",
            tenant_id,
            event_pk,
        )
        return str(rows[0][0]) if rows else "an event that no longer exists"

    async def by_seq(self, event_pk: int, seq: int) -> Registration | None:
        rows = await self.sql.rows(
            f"SELECT {REGISTRATION_COLUMNS} FROM registrations WHERE event_pk = ? AND seq = ?",
            event_pk,
            seq,
        )
        return registration_from_row(rows[0]) if rows else None
