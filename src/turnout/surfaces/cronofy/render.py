"""Core records → /v1 JSON. Times are `YYYY-MM-DDTHH:MM:SSZ`; drafts are never rendered here."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec

from turnout.core.model import Event, Registration
from turnout.core.times import format_utc

_encode = msgspec.json.Encoder().encode


def event(e: Event) -> dict[str, Any]:
    return {
        "bookable_event_id": e.id,
        "start": format_utc(e.start_at),
        "end": format_utc(e.end_at),
        "status": e.status,
        "timezone": e.timezone,
        "registration": {
            "capacity": e.capacity,
            "registered_count": e.counts.registered,
            "total_count": e.counts.total,
            "seats_taken": e.seats_taken,
        },
    }


def registration(r: Registration, ticket: str | None = None) -> dict[str, Any]:
    """`ticket` is the registration's ticket code (auth/tickets.py), a turnout extension that /v1
    always shows; webhook payloads (webhooks/payloads.py) leave it out."""
    body = {
        "registration_id": r.id,
        "status": r.status,
        # Cronofy's DELETE clears the metadata it shows; turnout keeps it (core CANCELLATION).
        "metadata": None if r.status == "removed" else r.metadata,
        "guest_count": r.guest_count,
        "notes": r.notes,
        "checked_in_count": r.checked_in_count,
        "checked_in_at": None if r.checked_in_at is None else format_utc(r.checked_in_at),
        "created_at": format_utc(r.created_at),
        "updated_at": format_utc(r.updated_at),
    }
    if ticket is not None:
        body["ticket_code"] = ticket
    return body


def availability(e: Event) -> dict[str, Any]:
    return {
        "bookable_event_id": e.id,
        "start": format_utc(e.start_at),
        "end": format_utc(e.end_at),
        "registration": {
            "capacity": e.capacity,
            "registered_count": e.counts.registered,
            "seats_taken": e.seats_taken,
        },
    }


def pages(current: int, total: int, next_page: str | None) -> dict[str, Any]:
    body: dict[str, Any] = {"current": current, "total": total}
    if next_page is not None:
        body["next_page"] = next_page
    return body


class RenderedRows:
    """Each registration's /v1 JSON (with its ticket code), encoded once per version and spliced into
    pages as raw bytes: a write's answer carries the event's first page, so without this every write
    rendered and signed fifty rows that had not changed (issue 15's profile: a quarter of the time).

    Keyed by (event pk, sequence, version): every change to a registration bumps its version (the
    one write path, core/registrations.py), events are never deleted, and a sequence is never
    reused, so a key names one content forever — within one database. The cache belongs to one app
    (one store), never to the process: test processes serve several databases. A migration that
    rewrote rows without bumping their versions would need a restart.
    """

    def __init__(self, ticket: Callable[[Event, Registration], str], size: int = 1 << 14) -> None:
        self._ticket = ticket
        self._size = size
        self._rows: dict[tuple[int, int, int], msgspec.Raw] = {}

    def __call__(self, event: Event, r: Registration) -> msgspec.Raw:
        key = (event.pk, r.seq, r.version)
        found = self._rows.get(key)
        if found is None:
            found = msgspec.Raw(_encode(registration(r, self._ticket(event, r))))
            if len(self._rows) >= self._size:  # drop the oldest half (dicts keep insertion order)
                for old in list(self._rows)[: self._size // 2]:
                    del self._rows[old]
            self._rows[key] = found
        return found
