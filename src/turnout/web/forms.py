"""The web app's forms, read into the core's commands. What no form field can say, the core decides
(core/events.py, core/registrations.py), with the same rules and errors as the API."""

from __future__ import annotations

import datetime as dt

from turnout.core import ids, localtime
from turnout.core.changes import KEEP
from turnout.core.errors import FieldError, ValidationFailed
from turnout.core.events import EventChanges
from turnout.core.limits import (
    MAX_DESCRIPTION,
    MAX_GUESTS,
    MAX_LOCATION,
    MAX_METADATA_STRING,
    MAX_TITLE,
)
from turnout.core.model import REGISTRATION_STATUSES, RegistrationStatus
from turnout.core.registrations import RegistrationChanges

_TEXT_LIMITS = {"title": MAX_TITLE, "description": MAX_DESCRIPTION, "location": MAX_LOCATION}


def _text(form: dict[str, str], name: str) -> str | None:
    value = form.get(name, "").strip()
    return value or None


def _instant(form: dict[str, str], name: str, timezone: str, errors: list[FieldError]) -> int:
    """A `datetime-local` field (YYYY-MM-DDTHH:MM), in the event's zone, as a UTC instant."""
    raw = form.get(name, "").strip()
    try:
        day, time = raw.split("T", 1) if "T" in raw else raw.split(" ", 1)
        return localtime.to_instant(
            localtime.parse_date(day), localtime.parse_time(time[:5]), timezone
        )
    except ValueError as exc:
        message = str(exc) if raw else f"{name} is required"
        errors.append(FieldError(name, "invalid" if raw else "required", message))
        return 0


def event_changes(form: dict[str, str]) -> EventChanges:
    errors: list[FieldError] = []
    timezone = form.get("timezone", "").strip() or "UTC"
    try:
        localtime.zone(timezone)
    except ValueError:
        errors.append(FieldError("timezone", "invalid", f"unknown timezone {timezone!r}"))
        timezone = "UTC"
    start, end = _instant(form, "start", timezone, errors), _instant(form, "end", timezone, errors)
    capacity = _whole(form, "capacity", 1, 2_147_483_647, errors)
    for name, limit in _TEXT_LIMITS.items():
        if len(form.get(name, "")) > limit:
            errors.append(FieldError(name, "too_long", f"{name} has at most {limit} characters"))
    if errors:
        raise ValidationFailed(errors)
    return EventChanges(
        start_at=start,
        end_at=end,
        timezone=timezone,
        capacity=capacity,
        title=_text(form, "title"),
        description=_text(form, "description"),
        location=_text(form, "location"),
    )


def event_id(form: dict[str, str]) -> str:
    chosen = form.get("id", "").strip()
    if not chosen:
        return ids.new_id("evt_")
    if problem := ids.check_id("id", chosen):
        raise ValidationFailed([problem])
    return chosen


def _whole(
    form: dict[str, str], name: str, low: int, high: int, errors: list[FieldError]
) -> int | None:
    raw = form.get(name, "").strip()
    if not raw:
        return None
    if not raw.isdigit() or not low <= int(raw) <= high:
        errors.append(
            FieldError(name, "out_of_range", f"{name} is a whole number from {low} to {high}")
        )
        return None
    return int(raw)


def new_registration(form: dict[str, str]) -> RegistrationChanges:
    errors: list[FieldError] = []
    attendee = {k: v for k in ("name", "email", "phone_number") if (v := form.get(k, "").strip())}
    if "name" not in attendee and "email" not in attendee:
        errors.append(FieldError("name", "required", "give a name or an email"))
    for field, value in attendee.items():  # stored as metadata, whose strings have a limit
        if len(value) > MAX_METADATA_STRING:
            message = f"at most {MAX_METADATA_STRING} characters"
            errors.append(FieldError(f"metadata.{field}", "too_long", message))
    guests = _whole(form, "guest_count", 0, MAX_GUESTS, errors)
    if errors:
        raise ValidationFailed(errors)
    return RegistrationChanges(
        status=status(form.get("status", "accepted")),
        guest_count=guests or 0,
        metadata=attendee,
        notes=_text(form, "notes"),
    )


def registration_changes(form: dict[str, str]) -> RegistrationChanges:
    errors: list[FieldError] = []
    guests = _whole(form, "guest_count", 0, MAX_GUESTS, errors)
    if errors:
        raise ValidationFailed(errors)
    return RegistrationChanges(
        status=status(form["status"]) if form.get("status") else KEEP,
        guest_count=KEEP if guests is None else guests,
    )


def status(value: str) -> RegistrationStatus:
    if value not in REGISTRATION_STATUSES:
        raise ValidationFailed([FieldError("status", "invalid", f"unknown status {value!r}")])
    return value  # type: ignore[return-value]


def local_input(instant: int, timezone: str) -> str:
    """An instant as a `datetime-local` value in the event's zone."""
    return dt.datetime.fromtimestamp(instant, localtime.zone(timezone)).strftime("%Y-%m-%dT%H:%M")
