"""Core records → /api/v1 JSON. Local fields are in the event's timezone, without seconds."""

from __future__ import annotations

from typing import Any

from turnout.core.localtime import local_parts
from turnout.core.metadata import EMAIL, NAME, PHONE
from turnout.core.model import Event, Registration
from turnout.core.times import format_utc
from turnout.surfaces.webkasa.mapping import EVENT_STATUS_OUT, reading


def local_schedule(e: Event) -> dict[str, str]:
    start_date, start_time = local_parts(e.start_at, e.timezone)
    end_date, end_time = local_parts(e.end_at, e.timezone)
    return {
        "start_date": start_date,
        "start_time": start_time,
        "end_time": end_time,
        "end_date": end_date,
    }


def event(e: Event, include_counts: bool = False) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": e.id,
        "title": e.title,
        "description": e.description,
        **local_schedule(e),
        "timezone": e.timezone,
        "location": e.location,
        "cost": None if e.cost_cents is None else e.cost_cents / 100,
        "slots": e.capacity,
        "status": EVENT_STATUS_OUT[e.status],
        "created_at": format_utc(e.created_at),
        "updated_at": format_utc(e.updated_at),
    }
    if include_counts:
        body["counts"] = {
            "registrations": e.counts.registered,
            "seats_taken": e.seats_taken,
            "seats_available": e.seats_available,
            "checked_in": e.checked_in,
        }
    return body


def registration(r: Registration, event_id: str) -> dict[str, Any]:
    metadata = r.metadata or {}
    return {
        "id": r.id,
        "event_id": event_id,
        "attendee_name": _text(metadata.get(NAME)),
        "attendee_email": _text(metadata.get(EMAIL)),
        "attendee_phone": _text(metadata.get(PHONE)),
        "status": reading(r),
        "guest_count": r.guest_count,
        "notes": r.notes,
        "created_at": format_utc(r.created_at),
        "checked_in_count": r.checked_in_count,
        "checked_in_at": None if r.checked_in_at is None else format_utc(r.checked_in_at),
        "updated_at": format_utc(r.updated_at),
    }


def _text(value: Any) -> str | None:
    # /v1 clients may store a number under a claim name; it still reads as text here.
    return None if value is None else str(value)


def page_meta(total: int, limit: int, offset: int, shown: int) -> dict[str, Any]:
    return {"total": total, "limit": limit, "offset": offset, "hasMore": offset + shown < total}
