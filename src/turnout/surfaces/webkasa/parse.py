"""Read /api/v1 input — bodies (declared in contract.py) and query strings (declared in
records.py) — into core terms, reporting every field error at once."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from msgspec import UNSET

from turnout.core import localtime, times
from turnout.core.errors import FieldError, ValidationFailed
from turnout.core.limits import (
    MAX_CAPACITY,
    MAX_COST,
    MAX_GUESTS,
    MAX_LIMIT,
    MAX_TITLE,
)
from turnout.core.model import EventStatus
from turnout.core.ports import EventQuery
from turnout.surfaces.fields import Body, Words, failed, given
from turnout.surfaces.query import Query
from turnout.surfaces.webkasa import records
from turnout.surfaces.webkasa.contract import (
    CHECK_IN_INSTEAD,
    EVENT_INSTEAD,
    REGISTRATION_INSTEAD,
    SPACE,
    CheckIn,
    EventChange,
    EventCreate,
    RegistrationChange,
    RegistrationCreate,
)
from turnout.surfaces.webkasa.contract import EVENT_IGNORED as EVENT_IGNORED  # openapi/ reads these
from turnout.surfaces.webkasa.contract import REGISTRATION_IGNORED as REGISTRATION_IGNORED
from turnout.surfaces.webkasa.mapping import EVENT_STATUS_IN, READINGS

# Query strings: read through the route records' Structs (surfaces/query.py); then, explicitly, the
# clamped limit, the status readings and the dates.
EVENTS_QUERY = Query(records.EventQuery, records.QUERY_WORDS)
COUNTED_QUERY = Query(records.Counted, records.QUERY_WORDS)
REGISTRATIONS_QUERY = Query(records.RegistrationQuery, records.QUERY_WORDS)


def _page(given: records.EventQuery | records.RegistrationQuery) -> tuple[int, int]:
    """(limit, offset): the limit, declared up to MAX_OFFSET, is clamped to MAX_LIMIT."""
    return min(given.limit, MAX_LIMIT), given.offset


def counted(query: Mapping[str, str]) -> bool:
    """W2's include_counts."""
    return COUNTED_QUERY.read(query).include_counts is True


def event_query(query: Mapping[str, str]) -> tuple[EventQuery, bool, int, int]:
    """The W1 filters, whether to include counts, and the page (limit, offset)."""
    given, errors = EVENTS_QUERY.decode(query)
    statuses: tuple[EventStatus, ...] | None = None
    if given.status is not UNSET and not failed(given.status):
        # Its pattern (contract.py) admits exactly the words, in any ASCII case, trimmed.
        statuses = (EVENT_STATUS_IN[given.status.strip().lower()],)
    upcoming, past = given.upcoming is True, given.past is True
    if upcoming and past:
        errors.append(FieldError("past", "invalid", "upcoming and past cannot both be true"))
    bounds: dict[str, Any] = {}
    for name, date_key, instant_key in (
        ("start_date", "start_date_from", "starts_from"),
        ("end_date", "start_date_to", "starts_to"),
    ):
        text = getattr(given, name)
        if text is not UNSET and not failed(text):
            key, value = _date_or_instant(text)
            if value is None:
                errors.append(
                    FieldError(name, "invalid", f"{name} must be YYYY-MM-DD or an RFC 3339 time")
                )
            else:
                bounds[date_key if key == "date" else instant_key] = value
    if errors:
        raise ValidationFailed(EVENTS_QUERY.ordered(errors))
    now = times.now()
    wanted = EventQuery(
        statuses=statuses,
        ends_after=now if upcoming else None,
        ends_by=now if past else None,
        **bounds,
    )
    limit, offset = _page(given)
    return wanted, given.include_counts is True, limit, offset


def _date_or_instant(text: str) -> tuple[str, Any]:
    try:
        return "date", localtime.parse_date(text).isoformat()
    except ValueError:
        pass
    try:
        return "instant", times.parse_rfc3339(text)
    except (ValueError, OverflowError):
        return "", None


def registration_query(query: Mapping[str, str]) -> tuple[str | None, int, int]:
    """W5's status reading (None: every registration) and page (limit, offset)."""
    given, errors = REGISTRATIONS_QUERY.decode(query)
    wanted = None
    if given.status is not UNSET and not failed(given.status):
        wanted = given.status.strip().upper()  # one of FILTERS: its pattern says so
    if errors:
        raise ValidationFailed(REGISTRATIONS_QUERY.ordered(errors))
    limit, offset = _page(given)
    return wanted, limit, offset


# Bodies: declared in contract.py; how /api/v1 words a refusal of each field (surfaces/fields.py).
_TITLE = f"title is required (1–{MAX_TITLE} characters)"
WORDS: Words = {
    "attendee_email": {
        "missing": ("required", "{field} is required"),
        "null": ("required", "{field} is required"),
        "*": ("invalid", "{field} must be non-empty text"),
        "max_length": ("too_long", "{field} is at most {bound} characters"),
    },
    "attendee_phone": {
        "*": ("invalid", "attendee_phone must be text"),
        "max_length": ("too_long", "attendee_phone is at most {bound} characters"),
    },
    "RegistrationChange.attendee_email": {
        "pattern": ("invalid", "attendee_email must be an email address"),
    },
    "RegistrationChange.status": {
        "*": ("invalid", "status must be one of " + ", ".join(READINGS)),
    },
    "guest_count": {
        "*": ("invalid", "guest_count must be a whole number"),
        "ge": ("out_of_range", f"guest_count must be 0 to {MAX_GUESTS}"),
        "le": ("out_of_range", f"guest_count must be 0 to {MAX_GUESTS}"),
    },
    "notes": {
        "*": ("invalid", "notes must be text or null"),
        "max_length": ("too_long", "notes are at most {bound} characters"),
    },
    "title": {
        "missing": ("required", _TITLE),
        "null": ("required", _TITLE),
        "*": ("invalid", _TITLE),
        "max_length": ("too_long", "title is at most {bound} characters"),
    },
    "description": {
        "*": ("invalid", "{field} must be a string or null"),
        "max_length": ("too_long", "{field} is at most {bound} characters"),
    },
    "cost": {
        "*": ("invalid", "cost must be a number"),
        "ge": ("out_of_range", f"cost must be between 0 and {MAX_COST}"),
        "le": ("out_of_range", f"cost must be between 0 and {MAX_COST}"),
    },
    "slots": {
        "*": ("invalid", "slots must be a whole number or null"),
        "ge": ("out_of_range", f"slots must be between 1 and {MAX_CAPACITY}"),
        "le": ("out_of_range", f"slots must be between 1 and {MAX_CAPACITY}"),
    },
    "EventChange.status": {"*": ("invalid", "status must be published, draft or cancelled")},
    "start_date": {
        "missing": ("required", "start_date is required"),
        "null": ("required", "start_date is not valid"),
        "*": ("invalid", "start_date is not valid"),
    },
    "count": {"*": ("invalid", "count is a whole number of people, 0 or more")},
    "*": {"*": ("invalid", "{field} is not valid")},  # end_date, start_time, end_time, timezone
}
WORDS = {
    **WORDS,
    "attendee_name": WORDS["attendee_email"],
    "location": WORDS["description"],
}

EVENT_CREATE = Body(EventCreate, WORDS, closed=True, ignored=EVENT_IGNORED, instead=EVENT_INSTEAD)
EVENT_CHANGE = Body(EventChange, WORDS, closed=True, ignored=EVENT_IGNORED, instead=EVENT_INSTEAD)
REGISTRATION_CREATE = Body(
    RegistrationCreate,
    WORDS,
    closed=True,
    ignored=REGISTRATION_IGNORED,
    instead=REGISTRATION_INSTEAD,
)
REGISTRATION_CHANGE = Body(
    RegistrationChange,
    WORDS,
    closed=True,
    ignored=REGISTRATION_IGNORED,
    instead=REGISTRATION_INSTEAD,
)
CHECK_IN = Body(CheckIn, WORDS, closed=True, instead=CHECK_IN_INSTEAD)


@dataclasses.dataclass(frozen=True)
class EventInput:
    """W3/W4 fields as given: absent ones are left out, and the schedule ones stay local text."""

    fields: dict[str, Any]  # core EventChanges fields other than the schedule

    schedule: dict[str, Any]  # start_date, start_time, end_date, end_time, timezone as given


def event_fields(raw: bytes, content_type: str | None, creating: bool) -> EventInput:
    """W3's or W4's body; then, explicitly: the title trimmed, cost in cents, the status reading,
    the schedule's formats, and (on create) an end date only with an end time."""
    declared = EVENT_CREATE if creating else EVENT_CHANGE
    body, errors = declared.decode(raw, content_type)
    fields = given(body)
    schedule = {name: fields.pop(name) for name in SCHEDULE if name in fields}
    if "title" in fields:
        fields["title"] = fields["title"].strip()
        if not fields["title"]:
            errors.append(FieldError("title", "invalid", _TITLE))
    if "cost" in fields:
        fields["cost_cents"] = _cents(fields.pop("cost"), errors)
    if "slots" in fields:
        fields["capacity"] = fields.pop("slots")
    if "status" in fields:
        status = "draft" if fields["status"] is None else fields["status"]  # null on create
        fields["status"] = EVENT_STATUS_IN[status.strip(SPACE).lower()]  # its pattern: a key
    _check_schedule(schedule, errors)
    after = []
    if creating and body.end_date not in (None, UNSET) and body.end_time in (None, UNSET):
        after.append(FieldError("end_date", "invalid", "end_date needs end_time"))
    declared.fail(errors, after)
    return EventInput(fields, schedule)


def _cents(cost: float | None, errors: list[FieldError]) -> int | None:
    if cost is None:
        return None
    cents = Decimal(str(cost)) * 100
    if cents != cents.to_integral_value():
        errors.append(FieldError("cost", "invalid", "cost has at most 2 decimals"))
        return None
    return int(cents)


# The local schedule's fields, each read by its own format (null: the default — UTC, no end).
SCHEDULE: dict[str, Callable[[str], object]] = {
    "start_date": localtime.parse_date,
    "end_date": localtime.parse_date,
    "start_time": localtime.parse_time,
    "end_time": localtime.parse_time,
    "timezone": localtime.zone,
}


def _check_schedule(schedule: dict[str, Any], errors: list[FieldError]) -> None:
    for name, value in list(schedule.items()):
        try:
            if value is not None:
                SCHEDULE[name](value)
        except ValueError:
            errors.append(FieldError(name, "invalid", f"{name} is not valid"))
            del schedule[name]


def merged_schedule(
    schedule: dict[str, Any], current: dict[str, Any] | None
) -> tuple[int, int, str]:
    """(start_at, end_at, timezone) from the given local fields over the event's current ones.

    When the start date moves and no end date is given, the end keeps its distance in days.
    """
    base = current or {"start_time": None, "end_date": None, "end_time": None, "timezone": "UTC"}
    values = {**base, **schedule}
    if current is not None and "end_date" not in schedule and "start_date" in schedule:
        span = dt.date.fromisoformat(current["end_date"]) - dt.date.fromisoformat(
            current["start_date"]
        )
        try:
            values["end_date"] = (dt.date.fromisoformat(values["start_date"]) + span).isoformat()
        except OverflowError:  # the kept length would end the event after 9999-12-31
            message = "the event's end would fall after the year 9999"
            raise ValidationFailed([FieldError("start_date", "invalid", message)]) from None
    if values.get("end_time") is None:
        values["end_date"] = None
    tz = values.get("timezone") or "UTC"
    start, end = localtime.schedule(
        values["start_date"],
        values.get("start_time"),
        values.get("end_date"),
        values.get("end_time"),
        tz,
    )
    return start, end, tz


# Registration bodies


def registration_fields(raw: bytes, content_type: str | None, creating: bool) -> dict[str, Any]:
    """The W6/W8 fields given: attendee_* (trimmed; the email's shape), status (a reading, in any
    case), guest_count, notes."""
    declared = REGISTRATION_CREATE if creating else REGISTRATION_CHANGE
    body, errors = declared.decode(raw, content_type)
    out = given(body)
    # The email's shape and the status's readings are their declared patterns (contract.py).
    if "attendee_email" in out:
        out["attendee_email"] = out["attendee_email"].strip(SPACE)
    if "attendee_name" in out:
        out["attendee_name"] = out["attendee_name"].strip()
        if not out["attendee_name"]:
            errors.append(
                FieldError("attendee_name", "invalid", "attendee_name must be non-empty text")
            )
    if "status" in out:
        out["status"] = out["status"].strip(SPACE).upper()
    declared.fail(errors)
    return out


def check_in_count(raw: bytes, content_type: str | None) -> int | None:
    """W10's count: None (absent or null) is the whole party."""
    body, errors = CHECK_IN.decode(raw, content_type)
    CHECK_IN.fail(errors)
    return None if body.count is UNSET else body.count
