"""The /v1 request bodies: each declared once, as a msgspec Struct whose constraints come from
core/limits.py, and read into a core command. surfaces/fields.py decodes a body against its Struct and,
when that fails, reports every field's error at once, worded by WORDS; what no type can say (a time's
calendar and range, end after start) is an explicit step after the decode."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from msgspec import UNSET, Meta, Struct, UnsetType

from turnout.core import times
from turnout.core.changes import KEEP
from turnout.core.errors import FieldError
from turnout.core.events import EventChanges
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
    whole,
)
from turnout.core.model import REGISTRATION_STATUSES, RegistrationStatus
from turnout.core.registrations import RegistrationChanges
from turnout.surfaces.fields import Body, Words, failed

# The declarations.
Id = Annotated[str, Meta(pattern=whole(ID_PATTERN), max_length=MAX_ID_LENGTH)]
# An RFC 3339 time's shape (core/times.py); its calendar and range are read after the decode.
Instant = Annotated[
    str,
    Meta(
        pattern=whole(times.RFC3339),
        description="An RFC 3339 time with Z or a ±HH:MM offset, such as 2025-01-24T12:30:00Z; "
        "fractions of a second are dropped.",
    ),
]
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
    start: Instant
    end: Instant
    status: Literal["confirmed", "cancelled"]
    registration: RegistrationSettings | UnsetType = UNSET


class RegistrationUpsert(Struct):
    registration_id: Id
    status: RegistrationStatus
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


# How /v1 words a refusal of each declared field (surfaces/fields.py): (code, message).
_ID = {
    "missing": ("required", "{field} is required"),
    "null": ("required", "{field} is required"),
    "max_length": ("too_long", f"{{field}} must be at most {MAX_ID_LENGTH} characters"),
    "*": ("invalid", "{field} must match [A-Za-z0-9_-]{{1,64}}"),
}
_INSTANT = "{field} must be an RFC 3339 time such as 2025-01-24T12:30:00Z"
_REQUIRED = {
    "missing": ("required", "{field} is required"),
    "null": ("required", "{field} is required"),
}
WORDS: Words = {
    "bookable_event_id": _ID,
    "registration_id": _ID,
    "start": {**_REQUIRED, "*": ("invalid", _INSTANT)},
    "end": {**_REQUIRED, "*": ("invalid", _INSTANT)},
    "EventUpsert.status": {**_REQUIRED, "*": ("invalid", "status must be confirmed or cancelled")},
    "RegistrationUpsert.status": {
        **_REQUIRED,
        "*": ("invalid", "status must be one of " + ", ".join(REGISTRATION_STATUSES)),
    },
    "registration": {"*": ("invalid", "registration must be an object")},
    "registration.capacity": {
        "*": ("out_of_range", f"capacity must be between 1 and {MAX_CAPACITY}"),
        "type": ("must_be_integer", "capacity must be a whole number or null"),
    },
    "metadata": {
        "*": ("invalid", "metadata must be an object or null"),
        "max_length": ("too_many", f"metadata holds at most {MAX_METADATA_PAIRS} pairs"),
        "key_min_length": ("invalid", "metadata keys must not be empty"),
        "key_max_length": ("too_long", f"metadata keys are at most {MAX_METADATA_KEY} characters"),
    },
    "metadata.*": {
        "*": ("invalid", "must be a string, an integer or a number"),
        "max_length": ("too_long", f"at most {MAX_METADATA_STRING} characters"),
        "ge": ("out_of_range", "integers must fit in 32 bits (signed)"),
        "le": ("out_of_range", "integers must fit in 32 bits (signed)"),
    },
    "guest_count": {
        "*": ("must_be_integer", "guest_count must be a whole number"),
        "ge": ("out_of_range", f"guest_count must be 0 to {MAX_GUESTS}"),
        "le": ("out_of_range", f"guest_count must be 0 to {MAX_GUESTS}"),
    },
    "notes": {
        "*": ("invalid", "notes must be a string or null"),
        "max_length": ("too_long", f"notes are at most {MAX_NOTES} characters"),
    },
    "bookable_events": {
        **_REQUIRED,
        "*": ("invalid", "bookable_events must be a non-empty list"),
        "max_length": ("too_many", f"at most {MAX_AVAILABILITY_IDS} bookable events"),
        "item": ("invalid", 'each item must be {{"bookable_event_id": "…"}}'),
    },
}

EVENT = Body(EventUpsert, WORDS)
REGISTRATION = Body(RegistrationUpsert, WORDS)
AVAILABILITY = Body(AvailabilityQuery, WORDS)


def _kept(value: Any) -> Any:
    return KEEP if value is UNSET else value


def event_upsert(raw: bytes, content_type: str | None = None) -> tuple[str, EventChanges]:
    """E1's command; then, explicitly, the times' format and end after start."""
    body, errors = EVENT.decode(raw, content_type)
    start, end = _instant(body.start, "start", errors), _instant(body.end, "end", errors)
    if start is not None and end is not None and end <= start:
        errors.append(FieldError("end", "invalid", "end must be after start"))
    EVENT.fail(errors)
    assert start is not None and end is not None
    capacity = KEEP if body.registration is UNSET else _kept(body.registration.capacity)
    return body.bookable_event_id, EventChanges(
        start_at=start, end_at=end, status=body.status, capacity=capacity
    )


def registration_upsert(
    raw: bytes, content_type: str | None = None
) -> tuple[str, RegistrationChanges]:
    """R1's command: the declaration says it all."""
    body, errors = REGISTRATION.decode(raw, content_type)
    REGISTRATION.fail(errors)
    return body.registration_id, RegistrationChanges(
        status=body.status,
        metadata=_kept(body.metadata),
        guest_count=_kept(body.guest_count),
        notes=_kept(body.notes),
    )


def availability_ids(raw: bytes, content_type: str | None = None) -> list[str]:
    """The requested event ids, in order, once each."""
    body, errors = AVAILABILITY.decode(raw, content_type)
    AVAILABILITY.fail(errors)
    return list(dict.fromkeys(item.bookable_event_id for item in body.bookable_events))


def _instant(value: str, field: str, errors: list[FieldError]) -> int | None:
    if failed(value):
        return None
    try:
        return times.parse_rfc3339(value)
    except (ValueError, OverflowError):
        errors.append(FieldError(field, "invalid", _INSTANT.format(field=field)))
        return None
