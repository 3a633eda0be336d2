"""Core records → /v1 JSON. Times are `YYYY-MM-DDTHH:MM:SSZ`; drafts are never rendered here."""

from __future__ import annotations

from typing import Any

from turnout.core.model import Event, Registration
from turnout.core.times import format_utc


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
