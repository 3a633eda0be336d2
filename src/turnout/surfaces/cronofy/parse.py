"""Validate /v1 request bodies into core commands, reporting every field error at once."""

from __future__ import annotations

from typing import Any, cast

from turnout.core import times
from turnout.core.changes import KEEP
from turnout.core.errors import FieldError, ValidationFailed
from turnout.core.events import EventChanges
from turnout.core.ids import check_id
from turnout.core.limits import MAX_AVAILABILITY_IDS, MAX_CAPACITY, MAX_GUESTS, MAX_NOTES
from turnout.core.metadata import check_metadata
from turnout.core.model import REGISTRATION_STATUSES, EventStatus, RegistrationStatus
from turnout.core.registrations import RegistrationChanges


def event_upsert(body: dict[str, Any]) -> tuple[str, EventChanges]:
    errors: list[FieldError] = []
    event_id = body.get("bookable_event_id")
    _add(errors, check_id("bookable_event_id", event_id))
    start = _instant(body, "start", errors)
    end = _instant(body, "end", errors)
    if start is not None and end is not None and end <= start:
        errors.append(FieldError("end", "invalid", "end must be after start"))
    status = body.get("status")
    if status is None:
        errors.append(FieldError("status", "required", "status is required"))
    elif status not in ("confirmed", "cancelled"):
        errors.append(FieldError("status", "invalid", "status must be confirmed or cancelled"))
    capacity: Any = KEEP
    if "registration" in body:
        registration = body["registration"]
        if not isinstance(registration, dict):
            errors.append(FieldError("registration", "invalid", "registration must be an object"))
        elif "capacity" in registration:
            capacity = registration["capacity"]
            _add(errors, _check_capacity(capacity))
    if errors:
        raise ValidationFailed(errors)
    assert isinstance(event_id, str) and start is not None and end is not None
    return event_id, EventChanges(
        start_at=start, end_at=end, status=cast(EventStatus, status), capacity=capacity
    )


def registration_upsert(body: dict[str, Any]) -> tuple[str, RegistrationChanges]:
    errors: list[FieldError] = []
    registration_id = body.get("registration_id")
    _add(errors, check_id("registration_id", registration_id))
    status = body.get("status")
    if status is None:
        errors.append(FieldError("status", "required", "status is required"))
    elif status not in REGISTRATION_STATUSES:
        errors.append(
            FieldError(
                "status", "invalid", "status must be one of " + ", ".join(REGISTRATION_STATUSES)
            )
        )
    metadata: Any = KEEP
    if "metadata" in body:
        metadata, problems = check_metadata(body["metadata"])
        errors.extend(problems)
    guest_count: Any = KEEP
    if "guest_count" in body:
        guest_count = body["guest_count"]
        _add(errors, _check_guest_count(guest_count))
    notes: Any = KEEP
    if "notes" in body:
        notes = body["notes"]
        _add(errors, _check_notes(notes))
    if errors:
        raise ValidationFailed(errors)
    assert isinstance(registration_id, str)
    return registration_id, RegistrationChanges(
        status=cast(RegistrationStatus, status),
        metadata=metadata,
        guest_count=guest_count,
        notes=notes,
    )


def availability_ids(body: dict[str, Any]) -> list[str]:
    """The requested event ids, in order, once each."""
    items = body.get("bookable_events")
    if items is None:
        raise _one("bookable_events", "required", "bookable_events is required")
    if not isinstance(items, list) or not items:
        raise _one("bookable_events", "invalid", "bookable_events must be a non-empty list")
    if len(items) > MAX_AVAILABILITY_IDS:
        raise _one("bookable_events", "too_many", f"at most {MAX_AVAILABILITY_IDS} bookable events")
    ids: list[str] = []
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("bookable_event_id"), str):
            raise _one("bookable_events", "invalid", 'each item must be {"bookable_event_id": "…"}')
        if item["bookable_event_id"] not in ids:
            ids.append(item["bookable_event_id"])
    return ids


def _instant(body: dict[str, Any], field: str, errors: list[FieldError]) -> int | None:
    value = body.get(field)
    if value is None:
        errors.append(FieldError(field, "required", f"{field} is required"))
        return None
    try:
        if not isinstance(value, str):
            raise ValueError
        return times.parse_rfc3339(value)
    except (ValueError, OverflowError):
        errors.append(
            FieldError(
                field, "invalid", f"{field} must be an RFC 3339 time such as 2025-01-24T12:30:00Z"
            )
        )
        return None


def _check_capacity(value: Any) -> FieldError | None:
    field = "registration.capacity"
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        return FieldError(field, "must_be_integer", "capacity must be a whole number or null")
    if not 1 <= value <= MAX_CAPACITY:
        return FieldError(field, "out_of_range", f"capacity must be between 1 and {MAX_CAPACITY}")
    return None


def _check_guest_count(value: Any) -> FieldError | None:
    if isinstance(value, bool) or not isinstance(value, int):
        return FieldError("guest_count", "must_be_integer", "guest_count must be a whole number")
    if not 0 <= value <= MAX_GUESTS:
        return FieldError("guest_count", "out_of_range", f"guest_count must be 0 to {MAX_GUESTS}")
    return None


def _check_notes(value: Any) -> FieldError | None:
    if value is not None and not isinstance(value, str):
        return FieldError("notes", "invalid", "notes must be a string or null")
    if isinstance(value, str) and len(value) > MAX_NOTES:
        return FieldError("notes", "too_long", f"notes are at most {MAX_NOTES} characters")
    return None


def _add(errors: list[FieldError], error: FieldError | None) -> None:
    if error is not None:
        errors.append(error)


def _one(field: str, code: str, message: str) -> ValidationFailed:
    return ValidationFailed([FieldError(field, code, message)])
