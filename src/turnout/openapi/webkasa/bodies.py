"""The /api/v1 request body schemas, field by field as parse.py validates them."""

from __future__ import annotations

from turnout.core.limits import (
    MAX_ATTENDEE_TEXT,
    MAX_CAPACITY,
    MAX_COST,
    MAX_DESCRIPTION,
    MAX_GUESTS,
    MAX_LOCATION,
    MAX_NOTES,
    MAX_TITLE,
)
from turnout.openapi.build import Schema, object_schema, spellings
from turnout.surfaces.webkasa.mapping import EVENT_STATUS_IN, READINGS
from turnout.surfaces.webkasa.parse import EVENT_IGNORED, REGISTRATION_IGNORED

MAX_SLOTS = MAX_CAPACITY


def _ignored(names: tuple[str, ...]) -> dict[str, Schema]:
    """Webkasa's own read-only fields: a client may send an object back as it read it."""
    return {name: {"description": "Accepted and ignored (read-only)."} for name in names}


_UNKNOWN = " Any other field is a 422 `unknown_field` naming it (and the right one, e.g. slots)."
EVENT_STATUSES = tuple(EVENT_STATUS_IN)
DATE: Schema = {"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"}
TIME: Schema = {"type": "string", "pattern": r"^([01]\d|2[0-3]):[0-5]\d$"}

# The spec's examples (§5 W3, §6.1 W6).
SPEC_EVENT = {
    "title": "Monthly Meditation",
    "start_date": "2024-02-15",
    "start_time": "19:00",
    "end_time": "21:00",
    "timezone": "America/Los_Angeles",
    "location": "Community Center",
    "cost": 25.00,
    "slots": 30,
    "status": "published",
}
SPEC_REGISTRATION = {
    "attendee_email": "user@example.com",
    "attendee_name": "John Doe",
    "attendee_phone": "+1234567890",
    "status": "PENDING",
    "guest_count": 2,
    "notes": "Dietary restrictions: vegan",
}


def _nullable(schema: Schema, description: str) -> Schema:
    types = schema["type"]
    return {**schema, "type": [types, "null"], "description": description}


def _event_properties(creating: bool) -> dict[str, Schema]:
    keep = "" if creating else " Omitted: unchanged."
    return {
        "title": {
            "type": "string",
            "minLength": 1,
            "description": f"1–{MAX_TITLE} characters after trimming; null is a 422.{keep}",
        },
        "start_date": {
            **DATE,
            "description": "A real calendar date, local to timezone; null is a 422. On PATCH the "
            "end keeps its distance in days when end_date is not given.",
        },
        "start_time": _nullable(
            TIME, "HH:MM, 24-hour, two digits each (9:00 is a 422); omitted or null = 00:00."
        ),
        "end_time": _nullable(
            TIME,
            "HH:MM; omitted or null = start + 1 hour. The end must be after the start "
            "(otherwise a 422 on end_time).",
        ),
        "end_date": (
            _nullable(
                DATE,
                "A turnout extension for events that cross midnight; valid only with end_time. "
                "Omitted or null: start_date.",
            )
            if creating
            else _nullable(
                DATE,
                "A turnout extension; null = the start date. Dropped when the end time is null.",
            )
        ),
        "timezone": {
            "type": ["string", "null"],
            "description": f"A valid IANA name; null or omitted: UTC on create.{keep}",
            "examples": ["America/Los_Angeles"],
        },
        "description": {
            "type": ["string", "null"],
            "maxLength": MAX_DESCRIPTION,
            "description": f"null clears it.{keep}",
        },
        "location": {
            "type": ["string", "null"],
            "maxLength": MAX_LOCATION,
            "description": f"null clears it.{keep}",
        },
        "cost": {
            "type": ["number", "null"],
            "minimum": 0,
            "maximum": MAX_COST,
            "description": f"Dollars, at most 2 decimals (25.005 is a 422); null clears it.{keep}",
        },
        "slots": {
            "type": ["integer", "null"],
            "minimum": 1,
            "maximum": MAX_SLOTS,
            "description": 'Seats, a JSON integer (0, 2.5 and "30" are a 422); null = '
            "unlimited. Lowering it below seats_taken is allowed: nobody is evicted, new seats "
            f"are refused until usage falls below it.{keep}",
        },
        "status": {
            **spellings(list(EVENT_STATUSES), nullable=creating),
            "description": f"One of {', '.join(EVENT_STATUSES)}, case-insensitive; anything else "
            + (
                "is a 422. Omitted or null: draft."
                if creating
                else "(null too) is a 422. Any transition is allowed."
            ),
            "examples": list(EVENT_STATUSES),
        },
    }


def event_create() -> Schema:
    schema = object_schema(
        {**_event_properties(creating=True), **_ignored(EVENT_IGNORED)},
        ["title", "start_date"],
        "The W3 body. Local date and times are read in timezone. id and the other read-only "
        "fields are ignored." + _UNKNOWN,
        additionalProperties=False,
    )
    # end_date needs end_time, unless it is null (null means no end date).
    schema["if"] = {"properties": {"end_date": {"type": "string"}}, "required": ["end_date"]}
    schema["then"] = {"properties": {"end_time": {"type": "string"}}, "required": ["end_time"]}
    return schema


def event_update() -> Schema:
    return object_schema(
        {**_event_properties(creating=False), **_ignored(EVENT_IGNORED)},
        [],
        "The W4 body: W3's fields, all optional; omitted fields are kept (an empty body changes "
        "nothing). Given time fields are merged with the event's current local fields, then its "
        "instants are recomputed." + _UNKNOWN,
        additionalProperties=False,
    )


def _registration_properties(creating: bool) -> dict[str, Schema]:
    keep = " Omitted: default." if creating else " Omitted: unchanged."
    statuses = ", ".join(READINGS)
    return {
        "attendee_email": {
            "type": "string",
            "maxLength": MAX_ATTENDEE_TEXT,
            # Looser than the rule (Python's and JSON Schema's whitespace differ), never stricter.
            "pattern": r"^[^@]*[^@ \t\n\r][^@]*@[^@]*[^@ \t\n\r][^@]*$",
            "description": "Exactly one @, a non-empty local part, a domain without whitespace; "
            "trimmed. At most one active registration per email (case-insensitive) per event. "
            "null is a 422.",
        },
        "attendee_name": {
            "type": "string",
            "minLength": 1,
            "maxLength": MAX_ATTENDEE_TEXT,
            "description": "Non-empty after trimming; null is a 422.",
        },
        "attendee_phone": {
            "type": ["string", "null"],
            "maxLength": MAX_ATTENDEE_TEXT,
            "description": "Free-form; null clears it.",
        },
        "status": {
            **spellings(list(READINGS)),
            "description": f"One of {statuses}, case-insensitive (default PENDING). PENDING → "
            "pending, CONFIRMED → accepted with the check-in undone, ATTENDED → accepted with "
            "the whole party checked in, CANCELLED → removed (check-in data kept). A status "
            "matching the current reading leaves the core status as it is (PENDING keeps "
            "tentative), except ATTENDED." + ("" if creating else keep),
            "examples": list(READINGS),
        },
        "guest_count": {
            "type": "integer",
            "minimum": 0,
            "maximum": MAX_GUESTS,
            "description": 'Extra people, a JSON integer (-1, 1.5 and "2" are a 422); the '
            "registration holds 1 + guest_count seats while it is not CANCELLED. It may not go "
            f"below checked_in_count − 1.{keep}",
        },
        "notes": {
            "type": ["string", "null"],
            "maxLength": MAX_NOTES,
            "description": f"Free text; null clears it.{keep}",
        },
    }


def registration_create() -> Schema:
    return object_schema(
        {**_registration_properties(creating=True), **_ignored(REGISTRATION_IGNORED)},
        ["attendee_email", "attendee_name"],
        "The W6 body. id and the other read-only fields are ignored." + _UNKNOWN,
        additionalProperties=False,
    )


def registration_update() -> Schema:
    return object_schema(
        {**_registration_properties(creating=False), **_ignored(REGISTRATION_IGNORED)},
        [],
        "The W8 body: W6's fields, all optional; omitted fields are kept (an empty body changes "
        "nothing). id and the other read-only fields are ignored." + _UNKNOWN,
        additionalProperties=False,
    )


def check_in() -> Schema:
    return object_schema(
        {
            "count": {
                "type": ["integer", "null"],
                "minimum": 0,
                "description": "The absolute number of people present, 0 to 1 + guest_count (not "
                "an increment, so a retry is safe). Omitted or null: the whole party. 0 undoes "
                "the check-in.",
            }
        },
        [],
        "The W10 body; it may also be empty." + _UNKNOWN,
        additionalProperties=False,
    )
