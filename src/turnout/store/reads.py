"""The read methods both backends share: one SQL text each (`?` placeholders, store/queries.py).

A backend says only how a statement runs (`_rows`): SQLite on its reader connection, PostgreSQL on a
pooled connection with numbered placeholders. Writes stay per backend, where the databases differ
(docs/ARCHITECTURE.md: group commit on SQLite, one function call on PostgreSQL).
"""

from __future__ import annotations

import abc
from collections.abc import Sequence
from typing import Any

from turnout.core.model import Event, Registration
from turnout.core.ports import EventQuery, RegistrationFilter
from turnout.store import queries
from turnout.store.rows import (
    EVENT_COLUMNS,
    REGISTRATION_COLUMNS,
    event_from_row,
    registration_from_row,
)

_EVENT = f"SELECT {EVENT_COLUMNS} FROM events WHERE tenant_id = ? AND id = ?"
_EVENTS_AFTER = f"SELECT {EVENT_COLUMNS} FROM events WHERE tenant_id = ? AND pk > ?{{drafts}}"
_NO_DRAFTS = " AND status <> 'draft'"
_REGISTRATION = f"SELECT {REGISTRATION_COLUMNS} FROM registrations WHERE event_pk = ? AND id = ?"
_VERSIONS_AFTER = (
    "SELECT seq, version FROM registrations WHERE event_pk = ? AND seq > ? ORDER BY seq LIMIT ?"
)
_REGISTRATIONS_THROUGH = (
    f"SELECT {REGISTRATION_COLUMNS} FROM registrations WHERE event_pk = ? AND seq > ?"
    " AND seq <= ? ORDER BY seq"
)


class Reads(abc.ABC):
    @abc.abstractmethod
    async def _rows(self, sql: str, args: Sequence[Any]) -> Sequence[Sequence[Any]]:
        """Run `sql` (with `?` placeholders) outside any write; its rows."""

    async def get_event(self, tenant_id: int, event_id: str) -> Event | None:
        rows = await self._rows(_EVENT, (tenant_id, event_id))
        return event_from_row(rows[0]) if rows else None

    async def get_events(self, tenant_id: int, event_ids: Sequence[str]) -> list[Event]:
        if not event_ids:
            return []
        marks = ", ".join("?" * len(event_ids))
        sql = f"SELECT {EVENT_COLUMNS} FROM events WHERE tenant_id = ? AND id IN ({marks})"
        return [event_from_row(r) for r in await self._rows(sql, (tenant_id, *event_ids))]

    async def list_events(
        self, tenant_id: int, after_pk: int, limit: int, include_drafts: bool
    ) -> list[Event]:
        drafts = "" if include_drafts else _NO_DRAFTS
        sql = _EVENTS_AFTER.format(drafts=drafts) + " ORDER BY pk LIMIT ?"
        return [event_from_row(r) for r in await self._rows(sql, (tenant_id, after_pk, limit))]

    async def count_events(self, tenant_id: int, include_drafts: bool) -> int:
        drafts = "" if include_drafts else _NO_DRAFTS
        rows = await self._rows(
            f"SELECT count(*) FROM events WHERE tenant_id = ?{drafts}", (tenant_id,)
        )
        return int(rows[0][0])

    async def find_events(
        self, tenant_id: int, query: EventQuery, limit: int, offset: int
    ) -> tuple[list[Event], int]:
        select, count, args = queries.find_events(tenant_id, query)
        rows = await self._rows(select, (*args, limit, offset))
        total = await self._rows(count, args)
        return [event_from_row(r) for r in rows], int(total[0][0])

    async def get_registration(self, event_pk: int, registration_id: str) -> Registration | None:
        rows = await self._rows(_REGISTRATION, (event_pk, registration_id))
        return registration_from_row(rows[0]) if rows else None

    async def registration_versions(
        self, event_pk: int, after_seq: int, limit: int
    ) -> Sequence[Sequence[int]]:
        return await self._rows(_VERSIONS_AFTER, (event_pk, after_seq, limit))

    async def registrations_through(
        self, event_pk: int, after_seq: int, last_seq: int
    ) -> list[Registration]:
        rows = await self._rows(_REGISTRATIONS_THROUGH, (event_pk, after_seq, last_seq))
        return [registration_from_row(r) for r in rows]

    async def registrations_at(
        self, event_pk: int, only: RegistrationFilter | None, offset: int, limit: int
    ) -> list[Registration]:
        sql, args = queries.registrations_at(event_pk, only, offset, limit)
        return [registration_from_row(r) for r in await self._rows(sql, args)]
