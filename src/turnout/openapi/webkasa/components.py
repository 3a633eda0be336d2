"""The /api/v1 response schemas, as render.py and errors.py write them, and the X-API-Key scheme."""

from __future__ import annotations

from typing import Any

from turnout.core.limits import MAX_GUESTS, MAX_METADATA_STRING
from turnout.openapi.build import Schema, count, object_schema, ref, rendered, utc
from turnout.openapi.webkasa.bodies import (
    DATE,
    EVENT_STATUSES,
    MAX_SLOTS,
    TIME,
    check_in,
    event_create,
    event_update,
    registration_create,
    registration_update,
)
from turnout.surfaces.webkasa.mapping import READINGS

DETAIL_CODES = (
    *("required", "invalid", "too_long", "out_of_range", "unknown_field", "duplicate", "capacity"),
)
ERROR_CODES = (
    "UNAUTHORIZED",
    "INSUFFICIENT_SCOPE",
    "NOT_FOUND",
    "METHOD_NOT_ALLOWED",
    "DUPLICATE_REGISTRATION",
    "EVENT_FULL",
    "EVENT_CANCELLED",
    "REGISTRATION_CANCELLED",
    "PAYLOAD_TOO_LARGE",
    "VALIDATION_ERROR",
    "INTERNAL_ERROR",
    "SERVICE_UNAVAILABLE",
    # turnout's own, from the write headers (openapi/writes.py)
    "INVALID_HEADER",
    "HEADERS_TOO_LARGE",
    "IDEMPOTENCY_IN_PROGRESS",
    "IDEMPOTENCY_KEY_REUSED",
    "PRECONDITION_FAILED",
    "PRECONDITION_REQUIRED",
)


def schemas() -> dict[str, Schema]:
    """The component schemas the /api/v1 operations refer to, by name (all prefixed Webkasa)."""
    return {
        "WebkasaEvent": _event(),
        "WebkasaEventCounts": _event_counts(),
        "WebkasaRegistration": _registration(),
        "WebkasaListMeta": _list_meta(),
        "WebkasaEventEnvelope": _single("WebkasaEvent"),
        "WebkasaEventList": _list("WebkasaEvent"),
        "WebkasaRegistrationEnvelope": _single("WebkasaRegistration"),
        "WebkasaRegistrationList": _list("WebkasaRegistration"),
        "WebkasaError": _error(),
        "WebkasaErrorDetail": _error_detail(),
        "WebkasaRateLimited": _rate_limited(),
        "WebkasaEventCreate": event_create(),
        "WebkasaEventUpdate": event_update(),
        "WebkasaRegistrationCreate": registration_create(),
        "WebkasaRegistrationUpdate": registration_update(),
        "WebkasaCheckIn": check_in(),
    }


def api_key_scheme() -> dict[str, Any]:
    return {
        "type": "apiKey",
        "in": "header",
        "name": "X-API-Key",
        "description": (
            "/api/v1 only: the same tenant API key, sent as `X-API-Key: <API key>` instead of "
            "`Authorization: Bearer <API key>`. Sending both is allowed only when they carry the "
            "same key; two different keys are a 401."
        ),
    }


def _text(description: str) -> Schema:
    return {"type": ["string", "null"], "description": description}


def _event() -> Schema:
    properties: dict[str, Schema] = {
        "id": {
            "type": "string",
            "description": "evt_ + 20 random letters and digits when created here; events "
            "created through /v1 keep their client-chosen id.",
            "examples": ["evt_Hq3Vb8XkT2nW9pLm4cRz"],
        },
        "title": _text("null for events created through /v1."),
        "description": _text("Free text, or null."),
        "start_date": {**DATE, "description": "Local start date, in the event's timezone."},
        "start_time": {**TIME, "description": "Local start time, HH:MM (seconds are dropped)."},
        "end_time": {**TIME, "description": "Local end time, HH:MM."},
        "end_date": {
            **DATE,
            "description": "Local end date (a turnout extension); differs from start_date for "
            "events that cross midnight.",
        },
        "timezone": {
            "type": "string",
            "description": "IANA name; UTC for events created through /v1.",
            "examples": ["America/Los_Angeles"],
        },
        "location": _text("Free text, or null."),
        "cost": {
            "type": ["number", "null"],
            "minimum": 0,
            "description": "Price in dollars (at most 2 decimals), or null.",
        },
        "slots": {
            "type": ["integer", "null"],
            "minimum": 1,
            "maximum": MAX_SLOTS,
            "description": "Seats (the core capacity); null = unlimited.",
        },
        "status": {
            "type": "string",
            "enum": list(EVENT_STATUSES),
            "description": "published ↔ /v1 confirmed, draft ↔ draft (404 on /v1), cancelled ↔ "
            "cancelled.",
        },
        "created_at": utc("When the event was created (UTC)."),
        "updated_at": utc("When it last changed (UTC; a turnout extension)."),
    }
    always = list(properties)
    properties["counts"] = {
        **ref("WebkasaEventCounts"),
        "description": "Present only with include_counts=true.",
    }
    return object_schema(
        properties, always, "An event. Local fields are in its timezone, without seconds."
    )


def _event_counts() -> Schema:
    return rendered(
        {
            "registrations": count("Registrations reading PENDING, CONFIRMED or ATTENDED."),
            "seats_taken": count("Seats held: the sum of 1 + guest_count over those."),
            "seats_available": {
                "type": ["integer", "null"],
                "minimum": 0,
                "description": "max(0, slots − seats_taken); null when slots is null.",
            },
            "checked_in": count("People checked in, over every registration."),
        },
        "The event's counters (a turnout extension).",
    )


def _registration() -> Schema:
    attendee = "From the registration's metadata ({}); null when absent."
    return rendered(
        {
            "id": {
                "type": "string",
                "description": "reg_ + 20 random letters and digits when created here; "
                "registrations created through /v1 keep their id (e.g. 87326).",
                "examples": ["reg_7Qm2xK9pLw3NcV8b"],
            },
            "event_id": {"type": "string", "description": "The event's id."},
            "attendee_name": _text(attendee.format("name")),
            "attendee_email": _text(attendee.format("email")),
            "attendee_phone": _text(attendee.format("phone_number")),
            "status": {
                "type": "string",
                "enum": list(READINGS),
                "description": "The reading of the core status: pending or tentative → PENDING; "
                "accepted with nobody checked in → CONFIRMED; accepted with a check-in → "
                "ATTENDED; declined or removed → CANCELLED.",
            },
            "guest_count": count("Extra people; the party is 1 + guest_count.", MAX_GUESTS),
            "notes": {"type": ["string", "null"], "description": "Free text, or null."},
            "created_at": utc("When the registration was created (UTC)."),
            "checked_in_count": count("People checked in, 0 to 1 + guest_count.", MAX_GUESTS + 1),
            "checked_in_at": utc("When the check-in count last rose; null when it is 0.", True),
            "updated_at": utc("When it last changed (UTC)."),
        },
        "A registration. checked_in_count, checked_in_at and updated_at are turnout extensions.",
    )


def _list_meta() -> Schema:
    return rendered(
        {
            "total": count("Rows matching the filters at request time."),
            "limit": {
                "type": "integer",
                "minimum": 1,
                "maximum": 100,
                "description": "The limit used (requests above 100 are clamped).",
            },
            "offset": count("The offset used."),
            "hasMore": {"type": "boolean", "description": "offset + len(data) < total."},
        },
        "Pagination state of a list.",
    )


def _single(item: str) -> Schema:
    return rendered({"data": ref(item)}, "A single object.")


def _list(item: str) -> Schema:
    return rendered(
        {"data": {"type": "array", "items": ref(item)}, "meta": ref("WebkasaListMeta")},
        "A page of a list.",
    )


def _error() -> Schema:
    properties: dict[str, Schema] = {
        "error": {"type": "string", "description": "For humans."},
        "code": {
            "type": "string",
            "enum": list(ERROR_CODES),
            "description": "For programs (429 has its own body, WebkasaRateLimited).",
        },
    }
    properties["details"] = {
        "type": "array",
        "minItems": 1,
        "items": ref("WebkasaErrorDetail"),
        "description": "Present only when it carries something: every field error at once.",
    }
    return object_schema(
        properties, ["error", "code"], "Every /api/v1 error body except 429's. Never has data."
    )


def _error_detail() -> Schema:
    return rendered(
        {
            "field": {
                "type": "string",
                "description": "The field at fault; body for malformed JSON; metadata when a write "
                f"would take the registration over its metadata pairs (values ≤ {MAX_METADATA_STRING}).",
            },
            "code": {"type": "string", "enum": list(DETAIL_CODES)},
            "message": {"type": "string"},
        },
        "One field error.",
    )


def _rate_limited() -> Schema:
    return rendered(
        {
            "error": {"const": "Rate limit exceeded"},
            "code": {"const": "RATE_LIMITED"},
            "retry_after": {
                "type": "integer",
                "minimum": 1,
                "description": "Seconds to wait; equals the Retry-After header.",
            },
        },
        "The 429 body, as Webkasa documents it.",
    )
