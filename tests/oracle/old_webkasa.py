"""Validate /api/v1 input — bodies and query strings — reporting every field error at once."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from turnout.core import localtime, times
from turnout.core.errors import FieldError, ValidationFailed
from turnout.core.limits import (
    DEFAULT_LIMIT,
    MAX_ATTENDEE_TEXT,
    MAX_CAPACITY,
    MAX_COST,
    MAX_DESCRIPTION,
    MAX_GUESTS,
    MAX_LIMIT,
    MAX_LOCATION,
    MAX_NOTES,
    MAX_OFFSET,
    MAX_TITLE,
)
from turnout.core.model import EventStatus
from turnout.store.base import EventQuery
from turnout.surfaces.decoding import refuse_unknown
from turnout.surfaces.webkasa.mapping import EVENT_STATUS_IN, FILTERS, READINGS

EMAIL_SHAPE = re.compile(r"[^@\s][^@]*@[^@\s]+\Z")


def _fail(errors: list[FieldError]) -> None:
    if errors:
        raise ValidationFailed(errors)


# Query strings. Each parser appends its problems to `errors`, so a handler reports them all at once.


def pagination(query: dict[str, str], errors: list[FieldError]) -> tuple[int, int]:
    """(limit, offset): limit defaults to 50 and is clamped to 100."""
    limit = _query_int(errors, query, "limit", DEFAULT_LIMIT, minimum=1)
    offset = _query_int(errors, query, "offset", 0, minimum=0)
    return min(limit, MAX_LIMIT), offset


def _query_int(
    errors: list[FieldError], query: dict[str, str], name: str, default: int, minimum: int
) -> int:
    text = query.get(name)
    if text is None:
        return default
    text = text.strip()  # str.strip takes \x1c-\x1f too, which int() would refuse with a 500
    if not re.fullmatch(r"-?\d{1,12}", text, re.ASCII):  # ASCII: not "٣" for 3
        errors.append(FieldError(name, "invalid", f"{name} must be a whole number"))
        return default
    value = int(text)
    if value < minimum or value > MAX_OFFSET:
        errors.append(
            FieldError(name, "out_of_range", f"{name} must be between {minimum} and {MAX_OFFSET}")
        )
    return value


def boolean(query: dict[str, str], name: str, errors: list[FieldError]) -> bool:
    text = query.get(name)
    if text is None:
        return False
    lowered = text.strip().lower()
    if lowered in ("true", "1"):
        return True
    if lowered not in ("false", "0"):
        errors.append(FieldError(name, "invalid", f"{name} must be true, false, 1 or 0"))
    return False


def event_query(query: dict[str, str], errors: list[FieldError]) -> tuple[EventQuery, bool]:
    """The W1 filters, and whether to include counts."""
    statuses: tuple[EventStatus, ...] | None = None
    if "status" in query:
        status = EVENT_STATUS_IN.get(query["status"].strip().lower())
        if status is None:
            errors.append(
                FieldError("status", "invalid", "status must be published, draft or cancelled")
            )
        else:
            statuses = (status,)
    upcoming, past = boolean(query, "upcoming", errors), boolean(query, "past", errors)
    if upcoming and past:
        errors.append(FieldError("past", "invalid", "upcoming and past cannot both be true"))
    include_counts = boolean(query, "include_counts", errors)
    bounds: dict[str, Any] = {}
    for name, date_key, instant_key in (
        ("start_date", "start_date_from", "starts_from"),
        ("end_date", "start_date_to", "starts_to"),
    ):
        if name in query:
            key, value = _date_or_instant(query[name])
            if value is None:
                errors.append(
                    FieldError(name, "invalid", f"{name} must be YYYY-MM-DD or an RFC 3339 time")
                )
            else:
                bounds[date_key if key == "date" else instant_key] = value
    now = times.now()
    return EventQuery(
        statuses=statuses,
        ends_after=now if upcoming else None,
        ends_by=now if past else None,
        **bounds,
    ), include_counts


def _date_or_instant(text: str) -> tuple[str, Any]:
    try:
        return "date", localtime.parse_date(text).isoformat()
    except ValueError:
        pass
    try:
        return "instant", times.parse_rfc3339(text)
    except (ValueError, OverflowError):
        return "", None


def registration_reading(query: dict[str, str], errors: list[FieldError]) -> str | None:
    if "status" not in query:
        return None
    wanted = query["status"].strip().upper()
    if wanted not in FILTERS:
        errors.append(
            FieldError("status", "invalid", "status must be one of " + ", ".join(READINGS))
        )
        return None
    return wanted


# Event bodies


@dataclasses.dataclass(frozen=True)
class EventInput:
    """W3/W4 fields as given: absent ones are left out, and the schedule ones stay local text."""

    fields: dict[str, Any]  # core EventChanges fields other than the schedule

    schedule: dict[str, Any]  # start_date, start_time, end_date, end_time, timezone as given


# The fields each body takes; the fields of Webkasa's own objects that turnout does not read (a client
# may send an object back as it read it), accepted and ignored; and the right name for a likely slip.
EVENT_FIELDS = (
    *("title", "description", "location", "cost", "slots", "status"),
    *("start_date", "start_time", "end_date", "end_time", "timezone"),
)
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
REGISTRATION_FIELDS = (
    *("attendee_email", "attendee_name", "attendee_phone", "status", "guest_count", "notes"),
)
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


def event_fields(body: dict[str, Any], creating: bool) -> EventInput:
    refuse_unknown(body, EVENT_FIELDS, EVENT_IGNORED, EVENT_INSTEAD)
    errors: list[FieldError] = []
    fields: dict[str, Any] = {}
    if "title" in body or creating:
        title = body.get("title")
        if not isinstance(title, str) or not title.strip():
            code = "required" if title is None else "invalid"
            message = f"title is required (1–{MAX_TITLE} characters)"
            errors.append(FieldError("title", code, message))
        elif len(title.strip()) > MAX_TITLE:
            message = f"title is at most {MAX_TITLE} characters"
            errors.append(FieldError("title", "too_long", message))
        else:
            fields["title"] = title.strip()
    for name, limit in (("description", MAX_DESCRIPTION), ("location", MAX_LOCATION)):
        if name in body:
            value = body[name]
            if value is not None and not isinstance(value, str):
                errors.append(FieldError(name, "invalid", f"{name} must be a string or null"))
            elif value is not None and len(value) > limit:
                errors.append(FieldError(name, "too_long", f"{name} is at most {limit} characters"))
            else:
                fields[name] = value
    if "cost" in body:
        fields["cost_cents"] = _cost(body["cost"], errors)
    if "slots" in body:
        slots = body["slots"]
        if slots is not None and (isinstance(slots, bool) or not isinstance(slots, int)):
            errors.append(FieldError("slots", "invalid", "slots must be a whole number or null"))
        elif slots is not None and not 1 <= slots <= MAX_CAPACITY:
            message = f"slots must be between 1 and {MAX_CAPACITY}"
            errors.append(FieldError("slots", "out_of_range", message))
        else:
            fields["capacity"] = slots
    if creating or "status" in body:
        status = body.get("status")
        if status is None and creating:
            status = "draft"
        mapped = EVENT_STATUS_IN.get(status.strip().lower()) if isinstance(status, str) else None
        if mapped is None:
            errors.append(
                FieldError("status", "invalid", "status must be published, draft or cancelled")
            )
        else:
            fields["status"] = mapped
    schedule = _schedule_fields(body, creating, errors)
    _fail(errors)
    return EventInput(fields, schedule)


def _cost(value: Any, errors: list[FieldError]) -> int | None:
    if value is None:
        return None
    try:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise InvalidOperation
        amount = Decimal(str(value))
    except InvalidOperation:
        errors.append(FieldError("cost", "invalid", "cost must be a number"))
        return None
    if amount < 0 or amount > MAX_COST:
        errors.append(FieldError("cost", "out_of_range", f"cost must be between 0 and {MAX_COST}"))
        return None
    cents = amount * 100
    if cents != cents.to_integral_value():
        errors.append(FieldError("cost", "invalid", "cost has at most 2 decimals"))
        return None
    return int(cents)


def _schedule_fields(
    body: dict[str, Any], creating: bool, errors: list[FieldError]
) -> dict[str, Any]:
    given: dict[str, Any] = {}
    checks: dict[str, Callable[[str], object]] = {
        "start_date": localtime.parse_date,
        "end_date": localtime.parse_date,
        "start_time": localtime.parse_time,
        "end_time": localtime.parse_time,
        "timezone": localtime.zone,
    }
    for name, check in checks.items():
        if name not in body:
            continue
        value = body[name]
        if value is None and name != "start_date":  # null: the default (UTC; no end date or time)
            given[name] = None
            continue
        try:
            if not isinstance(value, str):
                raise ValueError
            check(value)
            given[name] = value
        except ValueError:
            code = "required" if value is None else "invalid"
            errors.append(FieldError(name, code, f"{name} is not valid"))
    if creating and "start_date" not in body:
        errors.append(FieldError("start_date", "required", "start_date is required"))
    if creating and body.get("end_date") is not None and body.get("end_time") is None:
        errors.append(FieldError("end_date", "invalid", "end_date needs end_time"))
    return given


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


def registration_fields(body: dict[str, Any], creating: bool) -> dict[str, Any]:
    """The W6/W8 fields given, validated: attendee_*, status (a reading), guest_count, notes."""
    refuse_unknown(body, REGISTRATION_FIELDS, REGISTRATION_IGNORED, REGISTRATION_INSTEAD)
    errors: list[FieldError] = []
    out: dict[str, Any] = {}
    for name, required in (("attendee_email", creating), ("attendee_name", creating)):
        if name in body or required:
            value = body.get(name)
            problem = _attendee(name, value)
            if problem:
                errors.append(problem)
            else:
                out[name] = str(value).strip()
    if "attendee_phone" in body:
        phone = body["attendee_phone"]
        if phone is not None and not isinstance(phone, str):
            errors.append(FieldError("attendee_phone", "invalid", "attendee_phone must be text"))
        elif phone is not None and len(phone) > MAX_ATTENDEE_TEXT:
            message = f"attendee_phone is at most {MAX_ATTENDEE_TEXT} characters"
            errors.append(FieldError("attendee_phone", "too_long", message))
        else:
            out["attendee_phone"] = phone
    if "status" in body or creating:
        status = body.get("status", "PENDING")
        wanted = status.strip().upper() if isinstance(status, str) else None
        if wanted not in READINGS:
            errors.append(
                FieldError("status", "invalid", "status must be one of " + ", ".join(READINGS))
            )
        else:
            out["status"] = wanted
    if "guest_count" in body:
        guests = body["guest_count"]
        if isinstance(guests, bool) or not isinstance(guests, int):
            errors.append(
                FieldError("guest_count", "invalid", "guest_count must be a whole number")
            )
        elif not 0 <= guests <= MAX_GUESTS:
            errors.append(
                FieldError("guest_count", "out_of_range", f"guest_count must be 0 to {MAX_GUESTS}")
            )
        else:
            out["guest_count"] = guests
    if "notes" in body:
        notes = body["notes"]
        if notes is not None and not isinstance(notes, str):
            errors.append(FieldError("notes", "invalid", "notes must be text or null"))
        elif notes is not None and len(notes) > MAX_NOTES:
            message = f"notes are at most {MAX_NOTES} characters"
            errors.append(FieldError("notes", "too_long", message))
        else:
            out["notes"] = notes
    _fail(errors)
    return out


def _attendee(name: str, value: Any) -> FieldError | None:
    if value is None:
        return FieldError(name, "required", f"{name} is required")
    if not isinstance(value, str) or not value.strip():
        return FieldError(name, "invalid", f"{name} must be non-empty text")
    if len(value) > MAX_ATTENDEE_TEXT:
        return FieldError(name, "too_long", f"{name} is at most {MAX_ATTENDEE_TEXT} characters")
    if name == "attendee_email" and not EMAIL_SHAPE.match(value.strip()):
        return FieldError(name, "invalid", "attendee_email must be an email address")
    return None


def check_in_count(body: dict[str, Any]) -> int | None:
    refuse_unknown(body, ("count",), instead={"checked_in_count": "count"})
    if "count" not in body or body["count"] is None:
        return None
    count = body["count"]
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        raise ValidationFailed(
            [FieldError("count", "invalid", "count is a whole number of people, 0 or more")]
        )
    return int(count)
