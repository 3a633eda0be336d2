"""The /v1 component schemas: bodies as parse.py reads them, responses as render.py writes them."""

from __future__ import annotations

from turnout.core.limits import (
    INT32_MAX,
    INT32_MIN,
    MAX_AVAILABILITY_IDS,
    MAX_CAPACITY,
    MAX_GUESTS,
    MAX_METADATA_KEY,
    MAX_METADATA_PAIRS,
    MAX_METADATA_STRING,
    MAX_NOTES,
)
from turnout.core.model import REGISTRATION_STATUSES
from turnout.openapi.build import Schema, count, id_schema, object_schema, ref, rendered, utc
from turnout.surfaces.cronofy.errors import ERROR_KEYS

# What core.times.parse_rfc3339 reads: upper-case T and Z; fractional seconds are dropped.
RFC3339 = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$"


def schemas() -> dict[str, Schema]:
    """The component schemas the /v1 operations refer to, by name."""
    return {
        "ErrorObject": _error_object(),
        "EventUpsert": _event_upsert(),
        "RegistrationUpsert": _registration_upsert(),
        "AvailabilityRequest": _availability_request(),
        "Metadata": _metadata(),
        "Registration": _registration(),
        "Pages": _pages(),
        "EventRegistration": _event_registration(),
        "EventCounts": _event_counts(),
        "Event": _event("EventRegistration", "An event with one page of its registrations."),
        "EventSummary": _event("EventCounts", "An event in a list: counters, no registrations."),
        "EventList": _list("bookable_events", "EventSummary"),
        "RegistrationList": _list("registrations", "Registration"),
        "RegistrationEnvelope": rendered({"registration": ref("Registration")}),
        "AvailableEvent": _available_event(),
        "AvailabilityResponse": rendered(
            {"available_bookable_events": {"type": "array", "items": ref("AvailableEvent")}}
        ),
    }


def _error_object() -> Schema:
    detail = rendered(
        {
            "key": {
                "type": "string",
                "pattern": r"^errors\.[a-z_]+$",
                "description": "For programs: "
                + ", ".join(f"errors.{k}" for k in ERROR_KEYS)
                + ".",
            },
            "description": {"type": "string", "description": "For humans."},
        }
    )
    body = rendered(
        {
            "errors": {
                "type": "object",
                "description": (
                    "Field name (dotted when nested: registration.capacity, metadata.email; "
                    "`body` for malformed JSON) → its errors. Clients read errors[field][0].key."
                ),
                "additionalProperties": {"type": "array", "minItems": 1, "items": detail},
            }
        },
        "The 422 body: every field error found, grouped by field.",
    )
    body["properties"]["turnout_error"] = ref("TurnoutError")  # not for Cronofy's SDKs
    return body


def _event_upsert() -> Schema:
    capacity = {
        "type": ["integer", "null"],
        "minimum": 1,
        "maximum": MAX_CAPACITY,
        "description": (
            'Seats; null = unlimited. A JSON integer (5.0, "5" and true are rejected). Omitted: '
            "unlimited on create, unchanged on update."
        ),
    }
    time_rule = "RFC 3339 with Z or ±HH:MM, normalised to UTC; fractional seconds are dropped."
    return object_schema(
        {
            "bookable_event_id": id_schema("Client-chosen id, unique within the tenant."),
            "start": {
                "type": "string",
                "format": "date-time",
                "pattern": RFC3339,
                "description": time_rule,
            },
            "end": {
                "type": "string",
                "format": "date-time",
                "pattern": RFC3339,
                "description": time_rule + " After start.",
            },
            "status": {"type": "string", "enum": ["confirmed", "cancelled"]},
            "registration": object_schema(
                {"capacity": capacity},
                [],
                "Optional; omitted keeps the current capacity.",
                additionalProperties=True,
            ),
        },
        ["bookable_event_id", "start", "end", "status"],
        "The upsertBookableEvent body. Unknown keys (e.g. bearer_token) are ignored.",
        additionalProperties=True,
    )


def _registration_upsert() -> Schema:
    return object_schema(
        {
            "registration_id": id_schema("Client-chosen id, unique within the event."),
            "status": {"type": "string", "enum": list(REGISTRATION_STATUSES)},
            "metadata": {
                **ref("Metadata"),
                "description": "Replaced when present, kept when omitted, cleared when null.",
            },
            "guest_count": {
                "type": "integer",
                "minimum": 0,
                "maximum": MAX_GUESTS,
                "description": (
                    "Extra people; the registration holds 1 + guest_count seats. Kept when omitted."
                ),
            },
            "notes": {
                "type": ["string", "null"],
                "maxLength": MAX_NOTES,
                "description": "Free text. Kept when omitted.",
            },
        },
        ["registration_id", "status"],
        "The upsertRegistration body. Unknown keys (bookable_event_id, bearer_token) are ignored.",
        additionalProperties=True,
    )


def _availability_request() -> Schema:
    item = object_schema(
        {"bookable_event_id": {"type": "string"}}, ["bookable_event_id"], additionalProperties=True
    )
    return object_schema(
        {
            "bookable_events": {
                "type": "array",
                "minItems": 1,
                "maxItems": MAX_AVAILABILITY_IDS,
                "items": item,
            }
        },
        ["bookable_events"],
        "The availability body. Other Cronofy availability parameters are ignored.",
        additionalProperties=True,
    )


def _metadata() -> Schema:
    value = {
        "anyOf": [
            {"type": "string", "maxLength": MAX_METADATA_STRING},
            {"type": "integer", "minimum": INT32_MIN, "maximum": INT32_MAX},
            {"type": "number"},
        ],
        "description": "A string, a 32-bit integer or a finite number; booleans, null, arrays and "
        "objects are rejected.",
    }
    return {
        "type": ["object", "null"],
        "description": (
            f"At most {MAX_METADATA_PAIRS} pairs. Attendee identity lives under email, name and "
            "phone_number."
        ),
        "maxProperties": MAX_METADATA_PAIRS,
        "propertyNames": {"minLength": 1, "maxLength": MAX_METADATA_KEY},
        "additionalProperties": value,
    }


def _registration() -> Schema:
    return rendered(
        {
            "registration_id": id_schema("Client-chosen id."),
            "status": {"type": "string", "enum": list(REGISTRATION_STATUSES)},
            "metadata": {
                **ref("Metadata"),
                "description": (
                    "{} when created without metadata; null after DELETE or an explicit null."
                ),
            },
            "guest_count": count("Extra people; seats held = 1 + guest_count.", MAX_GUESTS),
            "notes": {"type": ["string", "null"], "maxLength": MAX_NOTES},
            "checked_in_count": count("People checked in, 0 to 1 + guest_count.", MAX_GUESTS + 1),
            "checked_in_at": utc(
                "When someone was last checked in; null if nobody is.", nullable=True
            ),
            "created_at": utc("When the registration was created."),
            "updated_at": utc("When it last changed."),
            "ticket_code": {
                "type": "string",
                "pattern": "^T[0-9]+-[0-9]+-[0-9]+-[0-9A-Z]{16}$",
                "description": (
                    "turnout extension: the registration's ticket code, signed with the server "
                    "secret and bound to tenant, event and registration; the door page "
                    "(/app/door/{event}) reads it typed, scanned or from a QR code "
                    "(docs/DASHBOARD.md)."
                ),
            },
        },
        "A registration.",
    )


def _pages() -> Schema:
    return object_schema(
        {
            "current": {"type": "integer", "minimum": 1},
            "total": {"type": "integer", "minimum": 1},
            "next_page": {
                "type": "string",
                "format": "uri",
                "description": "Absolute URL of the next page, built from the public base URL; "
                "absent on the last page.",
            },
        },
        ["current", "total"],
        "Paging state. current < total exactly when next_page is present.",
    )


def _counter_properties() -> dict[str, Schema]:
    return {
        "capacity": {
            "type": ["integer", "null"],
            "minimum": 1,
            "maximum": MAX_CAPACITY,
            "description": "Seats; null = unlimited.",
        },
        "registered_count": count("Registrations in pending, tentative or accepted."),
        "total_count": count("All registrations, declined and removed included."),
        "seats_taken": count("Seats held: the sum of 1 + guest_count over the registered ones."),
    }


def _event_counts() -> Schema:
    return rendered(_counter_properties(), "An event's capacity and counters.")


def _event_registration() -> Schema:
    properties = {
        **_counter_properties(),
        "registrations": {
            "type": "array",
            "items": ref("Registration"),
            "description": "One page of registrations, every status, creation order.",
        },
    }
    always = list(properties)
    properties["pages"] = {
        **ref("Pages"),
        "description": "Present only when there is more than one page.",
    }
    return object_schema(properties, always, "Capacity, counters and one page of registrations.")


def _event_fields(registration: Schema) -> dict[str, Schema]:
    return {
        "bookable_event_id": id_schema("Client-chosen id."),
        "start": utc("Start, UTC."),
        "end": utc("End, UTC."),
        "status": {"type": "string", "enum": ["confirmed", "cancelled"]},
        "timezone": {"type": "string", "description": "IANA name; UTC for events created here."},
        "registration": registration,
    }


def _event(registration_schema: str, description: str) -> Schema:
    return rendered(_event_fields(ref(registration_schema)), description)


def _list(key: str, item_schema: str) -> Schema:
    return rendered({key: {"type": "array", "items": ref(item_schema)}, "pages": ref("Pages")})


def _available_event() -> Schema:
    counters = _counter_properties()
    del counters["total_count"]
    return rendered(
        {
            "bookable_event_id": id_schema("Client-chosen id."),
            "start": utc("Start, UTC."),
            "end": utc("End, UTC."),
            "registration": rendered(counters),
        },
        "An event that can take registrations.",
    )
