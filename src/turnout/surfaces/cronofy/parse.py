"""Validate /v1 request bodies into core commands, reporting every field error at once.

Each body is declared once as a msgspec Struct whose constraints come from core/limits.py. A body is
first decoded whole against its Struct (the fast path almost every request takes); only when that
fails is it checked field by field below, so that every error is reported at once, in Cronofy's
words. tests/test_bodies_fast_path.py holds the two paths to the same answers."""

from __future__ import annotations

from typing import Annotated, Any, Literal, cast

import msgspec
from msgspec import UNSET, Meta, Struct, UnsetType

from turnout.core import times
from turnout.core.changes import KEEP
from turnout.core.errors import FieldError, ValidationFailed
from turnout.core.events import EventChanges
from turnout.core.ids import check_id
from turnout.core.limits import (
    ID_PATTERN,
    INT32_MAX,
    INT32_MIN,
    MAX_AVAILABILITY_IDS,
    MAX_CAPACITY,
    MAX_GUESTS,
    MAX_ID_LENGTH,
    MAX_METADATA_KEY,
    MAX_METADATA_PAIRS,
    MAX_METADATA_STRING,
    MAX_NOTES,
)
from turnout.core.metadata import check_metadata
from turnout.core.model import REGISTRATION_STATUSES, EventStatus, RegistrationStatus
from turnout.core.registrations import RegistrationChanges

# The declarations. `\Z`, not `$`: Python's `$` also matches before a final newline.
Id = Annotated[str, Meta(pattern=f"^{ID_PATTERN}\\Z", max_length=MAX_ID_LENGTH)]
MetadataValue = (
    Annotated[str, Meta(max_length=MAX_METADATA_STRING)]
    | Annotated[int, Meta(ge=INT32_MIN, le=INT32_MAX)]
    | float  # JSON has no NaN or Infinity, and msgspec refuses numbers past a double's range
)
MetadataObject = Annotated[
    dict[Annotated[str, Meta(min_length=1, max_length=MAX_METADATA_KEY)], MetadataValue],
    Meta(max_length=MAX_METADATA_PAIRS),
]


class RegistrationSettings(Struct):
    capacity: Annotated[int, Meta(ge=1, le=MAX_CAPACITY)] | UnsetType | None = UNSET


class EventUpsert(Struct):
    bookable_event_id: Id
    start: str  # RFC 3339, read by core.times after the decode
    end: str
    status: Literal["confirmed", "cancelled"]
    registration: RegistrationSettings | UnsetType = UNSET


class RegistrationUpsert(Struct):
    registration_id: Id
    status: Literal["pending", "tentative", "accepted", "declined", "removed"]
    metadata: MetadataObject | UnsetType | None = UNSET
    guest_count: Annotated[int, Meta(ge=0, le=MAX_GUESTS)] | UnsetType = UNSET
    notes: Annotated[str, Meta(max_length=MAX_NOTES)] | UnsetType | None = UNSET


class AvailabilityItem(Struct):
    bookable_event_id: str


class AvailabilityQuery(Struct):
    """POST /v1/availability: the events asked about, in order (repeats are answered once)."""

    bookable_events: Annotated[
        list[AvailabilityItem], Meta(min_length=1, max_length=MAX_AVAILABILITY_IDS)
    ]


_EVENT = msgspec.json.Decoder(EventUpsert)
_REGISTRATION = msgspec.json.Decoder(RegistrationUpsert)


def _kept(value: Any) -> Any:
    return KEEP if value is UNSET else value


def fast_event_upsert(raw: bytes) -> tuple[str, EventChanges] | None:
    """The command, when the body decodes whole and passes the cross-field rule; else None."""
    if b"\\u0000" in raw:  # NUL is refused by the shared decoder, with its own message
        return None
    try:
        body = _EVENT.decode(raw)
        start, end = times.parse_rfc3339(body.start), times.parse_rfc3339(body.end)
    except (msgspec.DecodeError, UnicodeDecodeError, ValueError, OverflowError):
        return None
    if end <= start:
        return None
    capacity = KEEP if body.registration is UNSET else _kept(body.registration.capacity)
    return body.bookable_event_id, EventChanges(
        start_at=start, end_at=end, status=body.status, capacity=capacity
    )


def fast_registration_upsert(raw: bytes) -> tuple[str, RegistrationChanges] | None:
    """The command, when the body decodes whole; else None."""
    if b"\\u0000" in raw:
        return None
    try:
        body = _REGISTRATION.decode(raw)
    except (msgspec.DecodeError, UnicodeDecodeError):
        return None
    return body.registration_id, RegistrationChanges(
        status=body.status,
        metadata=_kept(body.metadata),
        guest_count=_kept(body.guest_count),
        notes=_kept(body.notes),
    )


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
