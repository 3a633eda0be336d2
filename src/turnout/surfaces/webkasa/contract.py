"""The /api/v1 request bodies, each declared once as a msgspec Struct whose limits come from
core/limits.py. The attendee's email and the statuses are declared by patterns (below) that the
decode enforces and the OpenAPI document carries, so a client reads exactly what is accepted. What no
type can say — trimming, cost in cents, the local schedule's formats and merge — is a small step in
parse.py after the decode.

Every body refuses fields it does not declare, except the fields of Webkasa's own objects, which a
client may send back as it read them (IGNORED, accepted and not read)."""

from __future__ import annotations

from typing import Annotated

from msgspec import UNSET, Meta, Struct, UnsetType

from turnout.core.limits import (
    MAX_ATTENDEE_TEXT,
    MAX_CAPACITY,
    MAX_COST,
    MAX_DESCRIPTION,
    MAX_GUESTS,
    MAX_LOCATION,
    MAX_NOTES,
    MAX_TITLE,
    whole,
)
from turnout.surfaces.webkasa.mapping import EVENT_STATUS_IN, READINGS

# The characters str.strip() trims (those of str.isspace; tests/test_webkasa_patterns.py holds the
# two equal), as ranges of code points. parse.py trims the attendee's email and the statuses with
# exactly these, and the patterns let a value carry them on either side. Spelled \uXXXX in the
# patterns: Python's `re` and JSON Schema's ECMA-262 regexes read those alike (their \s differ).
_SPACES: tuple[tuple[int, int], ...] = (
    *((0x09, 0x0D), (0x1C, 0x20), (0x85, 0x85), (0xA0, 0xA0), (0x1680, 0x1680)),
    *((0x2000, 0x200A), (0x2028, 0x2029), (0x202F, 0x202F), (0x205F, 0x205F), (0x3000, 0x3000)),
)
SPACE = "".join(chr(c) for first, last in _SPACES for c in range(first, last + 1))
_SPACE = "".join(
    f"\\u{first:04x}" if first == last else f"\\u{first:04x}-\\u{last:04x}"
    for first, last in _SPACES
)
_NUL = "\\u0000"  # refused in any text of a body (surfaces/decoding.py); said here too


def _trimmed(inner: str) -> str:
    """A pattern for `inner` (a regex) with SPACE on either side; the whole value."""
    return whole(f"[{_SPACE}]*(?:{inner})[{_SPACE}]*")


def _any_case(words: tuple[str, ...]) -> str:
    """A regex for any of `words` in any case: ASCII letters only, so the reading is the word."""
    return "|".join("".join(f"[{c.upper()}{c.lower()}]" for c in word) for word in words)


# An email's shape, once trimmed: one @, text on both sides, no space next to either end.
EMAIL_PATTERN = _trimmed(f"[^@{_NUL}{_SPACE}][^@{_NUL}]*@[^@{_NUL}{_SPACE}]+")
READING_PATTERN = _trimmed(_any_case(READINGS))
EVENT_STATUS_PATTERN = _trimmed(_any_case(tuple(EVENT_STATUS_IN)))

Text = Annotated[str, Meta(max_length=MAX_ATTENDEE_TEXT)]
Email = Annotated[
    str,
    Meta(
        max_length=MAX_ATTENDEE_TEXT,
        pattern=EMAIL_PATTERN,
        description="An email address: one @ with text on both sides; trimmed.",
    ),
]
Guests = Annotated[int, Meta(ge=0, le=MAX_GUESTS)]
Notes = Annotated[str, Meta(max_length=MAX_NOTES)]
Title = Annotated[str, Meta(min_length=1, max_length=MAX_TITLE)]
# Local date, time and zone: read by core.localtime after the decode.
LocalDate = Annotated[str, Meta(description="YYYY-MM-DD, in `timezone`")]
LocalTime = Annotated[str, Meta(description="HH:MM or HH:MM:SS, in `timezone`")]
Zone = Annotated[str, Meta(description="an IANA time zone; UTC when absent or null")]
EventStatusText = Annotated[
    str,
    Meta(
        pattern=EVENT_STATUS_PATTERN,
        description="published, draft or cancelled, in any case (ASCII letters); trimmed",
    ),
]
Reading = Annotated[
    str,
    Meta(
        pattern=READING_PATTERN,
        description="PENDING, CONFIRMED, ATTENDED or CANCELLED, in any case (ASCII letters); "
        "trimmed",
    ),
]


class EventChange(Struct, kw_only=True, forbid_unknown_fields=True):
    """W4's body (PATCH): every field optional; a schedule field given is merged with the
    event's current schedule."""

    title: Title | UnsetType = UNSET
    description: Annotated[str, Meta(max_length=MAX_DESCRIPTION)] | UnsetType | None = UNSET
    location: Annotated[str, Meta(max_length=MAX_LOCATION)] | UnsetType | None = UNSET
    cost: Annotated[float, Meta(ge=0, le=MAX_COST)] | UnsetType | None = UNSET  # ≤ 2 decimals
    slots: Annotated[int, Meta(ge=1, le=MAX_CAPACITY)] | UnsetType | None = UNSET
    status: EventStatusText | UnsetType = UNSET
    start_date: LocalDate | UnsetType = UNSET
    end_date: LocalDate | UnsetType | None = UNSET
    start_time: LocalTime | UnsetType | None = UNSET
    end_time: LocalTime | UnsetType | None = UNSET
    timezone: Zone | UnsetType | None = UNSET


class EventCreate(EventChange, kw_only=True, forbid_unknown_fields=True):
    """W3's body: title and start_date are required; an end_date needs an end_time."""

    title: Title
    # null reads as the default on create (a PATCH must name a status): wider than the base's.
    status: EventStatusText | None = "draft"  # type: ignore[assignment]
    start_date: LocalDate


class RegistrationChange(Struct, kw_only=True, forbid_unknown_fields=True):
    """W8's body (PATCH)."""

    attendee_email: Email | UnsetType = UNSET
    attendee_name: Text | UnsetType = UNSET
    attendee_phone: Text | UnsetType | None = UNSET
    status: Reading | UnsetType = UNSET
    guest_count: Guests | UnsetType = UNSET
    notes: Notes | UnsetType | None = UNSET


class RegistrationCreate(RegistrationChange, kw_only=True, forbid_unknown_fields=True):
    """W6's body: attendee_email and attendee_name are required."""

    attendee_email: Email
    attendee_name: Text
    status: Reading = "PENDING"


class CheckIn(Struct, forbid_unknown_fields=True):
    """W10's body: how many of the party are present; absent or null: all of them."""

    count: Annotated[int, Meta(ge=0)] | UnsetType | None = UNSET


# The fields of Webkasa's own objects that turnout does not read (a client may send an object back as
# it read it), accepted and ignored; and the right name for a likely slip.
EVENT_IGNORED = ("id", "created_at", "updated_at", "counts", "tenant_id", "etag")
EVENT_INSTEAD = {
    "capacity": "slots",
    "name": "title",
    "price": "cost",
    "start": "start_date",
    "end": "end_date",
    "time_zone": "timezone",
    "tz": "timezone",
}
REGISTRATION_IGNORED = (
    *("id", "event_id", "created_at", "updated_at", "checked_in_count", "checked_in_at"),
    *("tenant_id", "etag"),
)
REGISTRATION_INSTEAD = {
    "email": "attendee_email",
    "name": "attendee_name",
    "phone": "attendee_phone",
    "guests": "guest_count",
}
CHECK_IN_INSTEAD = {"checked_in_count": "count"}
