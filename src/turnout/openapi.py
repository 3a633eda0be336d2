"""The OpenAPI 3.1 document for turnout's HTTP API, and a self-contained HTML page made from it.

The document is hand-written data that mirrors `surfaces/cronofy` (routes.py for paths and methods,
parse.py for request bodies, render.py for responses, errors.py for error bodies). Limits come from
the constants those modules use, so they cannot drift; `tests/test_openapi.py` checks the paths and
methods against the live route table.
"""

from __future__ import annotations

import json
import re
from html import escape
from typing import Any

from turnout.config import Settings
from turnout.core.ids import MAX_ID_LENGTH
from turnout.core.metadata import INT32, MAX_KEY_LENGTH, MAX_PAIRS, MAX_STRING_LENGTH
from turnout.core.model import REGISTRATION_STATUSES
from turnout.surfaces.cronofy.parse import (
    MAX_AVAILABILITY_IDS,
    MAX_CAPACITY,
    MAX_GUESTS,
    MAX_NOTES,
)

Schema = dict[str, Any]

JSON_UTF8 = "application/json; charset=utf-8"  # every response
JSON_REQUEST = "application/json"  # what the SDKs send; the charset parameter is optional
ID_PATTERN = f"^[A-Za-z0-9_-]{{1,{MAX_ID_LENGTH}}}$"
OPAQUE_PATTERN = "^[A-Za-z0-9_-]+$"
UTC_PATTERN = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$"
BEARER = "bearerAuth"
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

ERROR_KEYS = (
    "required",
    "invalid",
    "too_long",
    "too_many",
    "must_be_integer",
    "out_of_range",
    "invalid_json",
    "capacity_reached",
    "event_cancelled",
)


# --------------------------------------------------------------------------------------------------
# The document


def document(settings: Settings) -> dict[str, Any]:
    """The OpenAPI 3.1.0 document for a server configured by `settings`."""
    return {
        "openapi": "3.1.0",
        "info": _info(),
        "servers": [{"url": settings.base_url}],
        "tags": _tags(),
        "paths": _paths(settings),
        "components": {
            "schemas": _schemas(),
            "securitySchemes": {BEARER: _bearer_scheme()},
        },
    }


def _info() -> dict[str, Any]:
    return {
        "title": "turnout API",
        "version": "1",
        "summary": "Self-hostable registrations: bookable events, seats, registrations, check-in.",
        "description": "\n\n".join(
            [
                "The /v1 surface speaks Cronofy's Bookable Events dialect, so the Cronofy SDKs "
                "(npm cronofy, PyPI pycronofy) work against turnout once pointed at this server. "
                "It is also turnout's native API: the extension fields (timezone, seats_taken, "
                "guest_count, notes, check-in data, created_at, updated_at) ride along in the "
                "same objects. Clients should ignore attributes they do not understand.",
                "Requests: bodies are JSON objects, sent as application/json with or without "
                "'; charset=utf-8' (a body with no Content-Type is read as JSON; an empty POST "
                "body counts as {}). Unknown body keys and query parameters, such as the "
                "bearer_token the Node SDK adds, are ignored; bodies on GET and DELETE are "
                "ignored. When an id is both in the path and in the body, the path wins.",
                "Responses: every success is 200 with Content-Type application/json; "
                "charset=utf-8, for reads and writes alike. Times are always "
                "YYYY-MM-DDTHH:MM:SSZ (UTC).",
                "Errors: 401 {} with WWW-Authenticate: Bearer (credential missing, malformed or "
                "unknown); 403 {} (the key lacks the read or write scope); 404 {} (unknown path, "
                "event, registration or page token; another tenant's objects look missing); 405 {} "
                "(known path, wrong method); 413 {} (body too large); 422 with the Cronofy error "
                "object (every validation failure, malformed JSON, and every capacity or "
                "cancelled-event refusal); 500 {}; 503 {} with Retry-After (database unavailable "
                "or contended). 400 is never used. The credential is checked before the route, so "
                "an unknown /v1 path without a valid key is a 401.",
            ]
        ),
        "license": {"name": "MIT", "identifier": "MIT"},
    }


def _tags() -> list[dict[str, str]]:
    return [
        {"name": "Bookable events", "description": "Create, update, read and list events."},
        {"name": "Registrations", "description": "Register people for an event, list and remove."},
        {"name": "Availability", "description": "Which events can still take registrations."},
        {"name": "Operability", "description": "Health checks and this documentation."},
    ]


def _bearer_scheme() -> dict[str, Any]:
    return {
        "type": "http",
        "scheme": "bearer",
        "description": (
            "A turnout tenant API key, sent as `Authorization: Bearer <API key>`. It plays the "
            "role of Cronofy's client_secret. A bearer_token in the body or query string is not a "
            "credential and is ignored."
        ),
    }


def _paths(settings: Settings) -> dict[str, Any]:
    size = settings.page_size
    limit = settings.max_body_bytes
    return {
        "/healthz": {"get": _healthz()},
        "/readyz": {"get": _readyz()},
        "/openapi.json": {"get": _openapi_json()},
        "/docs": {"get": _docs()},
        "/v1/bookable_events": {
            "post": _upsert_event(size, limit),
            "get": _list_events(size),
        },
        "/v1/bookable_events/{event_id}": {"get": _read_event(size)},
        "/v1/bookable_events/{event_id}/registrations/pages/{token}": {
            "get": _read_event_page(),
        },
        "/v1/bookable_events/{event_id}/registrations": {
            "post": _upsert_registration(size, limit),
            "get": _list_registrations(size),
        },
        "/v1/bookable_events/{event_id}/registrations/{registration_id}": {
            "get": _read_registration(),
            "delete": _delete_registration(size),
        },
        "/v1/availability": {"post": _availability(limit)},
    }


# --------------------------------------------------------------------------------------------------
# Small builders


def _ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: Schema) -> dict[str, Any]:
    """A response's content: JSON with an explicit charset, as every response is sent."""
    return {JSON_UTF8: {"schema": schema}}


def _ok(description: str, schema: Schema) -> dict[str, Any]:
    return {"description": description, "content": _json(schema)}


def _error(description: str, headers: dict[str, Any] | None = None) -> dict[str, Any]:
    """An error response with the empty-object body `{}`."""
    response: dict[str, Any] = {"description": description, "content": _json(_ref("Empty"))}
    if headers:
        response["headers"] = headers
    return response


def _header(description: str, schema: Schema) -> dict[str, Any]:
    return {"description": description, "required": True, "schema": schema}


def _invalid(description: str, example: dict[str, Any]) -> dict[str, Any]:
    """A 422 response: the Cronofy error object."""
    media = {"schema": _ref("ErrorObject"), "example": example}
    return {"description": description, "content": {JSON_UTF8: media}}


def _field_error(field: str, key: str, description: str) -> dict[str, Any]:
    return {"errors": {field: [{"key": f"errors.{key}", "description": description}]}}


def _body(schema_name: str, example: dict[str, Any]) -> dict[str, Any]:
    return {
        "required": True,
        "content": {JSON_REQUEST: {"schema": _ref(schema_name), "example": example}},
    }


def _object(
    properties: dict[str, Schema], required: list[str], description: str = "", **extra: Any
) -> Schema:
    schema: Schema = {"type": "object"}
    if description:
        schema["description"] = description
    schema["properties"] = properties
    if required:
        schema["required"] = required
    schema.update(extra)
    return schema


def _rendered(properties: dict[str, Schema], description: str = "") -> Schema:
    """A response object: render.py always emits every one of these fields."""
    return _object(properties, list(properties), description)


def _id(description: str) -> Schema:
    return {
        "type": "string",
        "pattern": ID_PATTERN,
        "maxLength": MAX_ID_LENGTH,
        "description": description,
    }


def _utc(description: str, nullable: bool = False) -> Schema:
    return {
        "type": ["string", "null"] if nullable else "string",
        "format": "date-time",
        "pattern": UTC_PATTERN,
        "description": description,
        "examples": ["2025-01-24T12:30:00Z"],
    }


def _count(description: str, maximum: int | None = None) -> Schema:
    schema: Schema = {"type": "integer", "minimum": 0, "description": description}
    if maximum is not None:
        schema["maximum"] = maximum
    return schema


def _path_param(name: str, description: str, schema: Schema) -> dict[str, Any]:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": description,
        "schema": schema,
    }


def _event_id_param() -> dict[str, Any]:
    return _path_param(
        "event_id",
        "The bookable_event_id. Unknown ids, other tenants' events and drafts are 404.",
        {"type": "string", "pattern": ID_PATTERN},
    )


def _registration_id_param(description: str) -> dict[str, Any]:
    return _path_param("registration_id", description, {"type": "string", "pattern": ID_PATTERN})


def _page_token_param(url: str) -> dict[str, Any]:
    return {
        "name": "page_token",
        "in": "query",
        "required": False,
        "description": (
            "Opaque token for a later page, taken from pages.next_page "
            f"({url}?page_token=...). Omit it for page 1. An invalid, altered or foreign "
            "token is 404."
        ),
        "schema": {"type": "string", "pattern": OPAQUE_PATTERN},
    }


# --------------------------------------------------------------------------------------------------
# Operations


def _v1(
    operation_id: str,
    tag: str,
    summary: str,
    description: str,
    ok: dict[str, Any],
    errors: dict[str, Any],
    parameters: list[dict[str, Any]] | None = None,
    body: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A /v1 operation: bearer-authenticated, with the errors every /v1 operation can return."""
    operation: dict[str, Any] = {
        "operationId": operation_id,
        "tags": [tag],
        "summary": summary,
        "description": description,
        "security": [{BEARER: []}],
    }
    if parameters:
        operation["parameters"] = parameters
    if body:
        operation["requestBody"] = body
    responses = {"200": ok, **errors, **_common_errors()}
    operation["responses"] = dict(sorted(responses.items()))
    return operation


def _common_errors() -> dict[str, Any]:
    return {
        "401": _error(
            "No Authorization header, a scheme other than Bearer, an empty token, or an unknown "
            "or revoked key.",
            {
                "WWW-Authenticate": _header(
                    "Always `Bearer`.", {"type": "string", "const": "Bearer"}
                )
            },
        ),
        "403": _error(
            "The key is recognised but lacks the scope (read or write) this operation needs."
        ),
        "500": _error("Server fault."),
        "503": _error(
            "The database is unreachable or contended; retry after the given delay.",
            {
                "Retry-After": _header(
                    "Seconds to wait before retrying.", {"type": "integer", "minimum": 0}
                )
            },
        ),
    }


def _too_large(limit: int) -> dict[str, Any]:
    return {"413": _error(f"The request body is over the size limit ({limit} bytes).")}


def _event_page_ok(what: str, size: int) -> dict[str, Any]:
    return _ok(
        f"{what}: the event with page 1 of its registrations ({size} per page, creation order). "
        "registration.pages is present only when there is more than one page.",
        _ref("Event"),
    )


def _upsert_event(size: int, limit: int) -> dict[str, Any]:
    return _v1(
        "upsertBookableEvent",
        "Bookable events",
        "Create or update a bookable event",
        "Upsert by the client-chosen bookable_event_id. An unknown id creates the event with "
        "timezone UTC and every counter at 0. An existing id (in any status, drafts from /api/v1 "
        "included) is updated: start, end and status are replaced; registration.capacity is "
        "replaced when present (null = unlimited) and kept when registration or capacity is "
        "omitted, so an update never silently lifts a limit. Registrations and counters are kept. "
        "Lowering capacity below seats_taken is allowed: nobody is evicted, new seats are refused "
        "until usage falls below it. Cancel an event with status cancelled (there is no DELETE); "
        "re-confirm it by posting status confirmed.",
        _event_page_ok("The created or updated event", size),
        {
            **_too_large(limit),
            "422": _invalid(
                "Validation failed (every field error is reported), e.g. status `draft`, `end` not "
                "after `start`, a capacity that is not a JSON integer (errors.must_be_integer) or "
                "out of range (errors.out_of_range); or the body is not a JSON object "
                "(field `body`, errors.invalid_json).",
                _field_error(
                    "registration.capacity",
                    "out_of_range",
                    f"capacity must be between 1 and {MAX_CAPACITY}",
                ),
            ),
        },
        body=_body(
            "EventUpsert",
            {
                "bookable_event_id": "83hi8qhfiaif",
                "start": "2025-01-24T12:30:00Z",
                "end": "2025-01-24T17:00:00Z",
                "status": "confirmed",
                "registration": {"capacity": 5},
            },
        ),
    )


def _read_event(size: int) -> dict[str, Any]:
    return _v1(
        "readBookableEvent",
        "Bookable events",
        "Read a bookable event",
        "The event and page 1 of its registrations, in every status, in creation order. When "
        "there is more than one page, registration.pages.next_page is the absolute URL of the next "
        "page (GET /v1/bookable_events/{event_id}/registrations/pages/{token}).",
        _event_page_ok("The event", size),
        {"404": _error("Unknown event, another tenant's event, or a draft.")},
        parameters=[_event_id_param()],
    )


def _read_event_page() -> dict[str, Any]:
    return _v1(
        "readBookableEventPage",
        "Bookable events",
        "Read a later page of an event's registrations",
        "Follows registration.pages.next_page from readBookableEvent. The body has the same shape "
        "as readBookableEvent, with registration.pages.current = n; next_page is left out on the "
        "last page. The event fields show its state at the time of this request.",
        _ok("The event with page n of its registrations.", _ref("Event")),
        {
            "404": _error(
                "Unknown, other-tenant or draft event, or an invalid token (altered, malformed, "
                "issued for another event, kind or tenant)."
            )
        },
        parameters=[
            _event_id_param(),
            _path_param(
                "token",
                "Opaque page token from registration.pages.next_page (unpadded base64url).",
                {"type": "string", "pattern": OPAQUE_PATTERN},
            ),
        ],
    )


def _upsert_registration(size: int, limit: int) -> dict[str, Any]:
    return _v1(
        "upsertRegistration",
        "Registrations",
        "Create or update a registration",
        "Upsert by registration_id within the event. An unknown id creates the registration "
        "(guest_count 0, metadata {} unless given). A known id is updated: status is replaced (any "
        "status may move to any other); metadata is replaced when present, kept when omitted and "
        "cleared when null; guest_count and notes are replaced when present and kept when "
        "omitted. A registration in pending, tentative or accepted holds 1 + guest_count seats. "
        "A write that takes more seats is refused with 422 errors.event_cancelled on a cancelled "
        "event, and with 422 errors.capacity_reached when seats_taken would exceed capacity. "
        "Writes that take no more seats (re-sends, metadata or notes edits, declines) always "
        "succeed. A bookable_event_id in the body is ignored: the path wins.",
        _event_page_ok("The event after the write", size),
        {
            "404": _error("Unknown event, another tenant's event, or a draft."),
            **_too_large(limit),
            "422": _invalid(
                "Validation failed (every field error is reported; a guest_count below the "
                "people already checked in is errors.out_of_range), the body is not a JSON "
                "object (body errors.invalid_json), or the write was refused on `status`: "
                "errors.capacity_reached (not enough seats left) or errors.event_cancelled "
                "(the event is cancelled).",
                _field_error(
                    "status", "capacity_reached", "the bookable event has no remaining capacity"
                ),
            ),
        },
        parameters=[_event_id_param()],
        body=_body(
            "RegistrationUpsert",
            {
                "registration_id": "87326",
                "status": "accepted",
                "metadata": {"email": "a@company.com", "name": "Bill the One", "locale": "en-US"},
                "guest_count": 1,
            },
        ),
    )


def _delete_registration(size: int) -> dict[str, Any]:
    return _v1(
        "deleteRegistration",
        "Registrations",
        "Remove a registration",
        "Sets the registration's status to removed and its metadata to null, releasing its seats. "
        "It stays listed and still counts in total_count; check-in data is kept. Idempotent, and "
        "allowed on cancelled events. Any request body is ignored.",
        _event_page_ok("The event after the removal", size),
        {"404": _error("Unknown, other-tenant or draft event, or unknown registration.")},
        parameters=[_event_id_param(), _registration_id_param("The registration to remove.")],
    )


def _list_registrations(size: int) -> dict[str, Any]:
    return _v1(
        "listRegistrations",
        "Registrations",
        "List an event's registrations",
        f"One page ({size} per page) of the event's registrations, every status, creation order, "
        "with pages at the top level. pages is always present, even for a single page; follow "
        "pages.next_page until it is absent (current < total exactly when next_page is present).",
        _ok("A page of registrations.", _ref("RegistrationList")),
        {"404": _error("Unknown, other-tenant or draft event, or an invalid page_token.")},
        parameters=[
            _event_id_param(),
            _page_token_param("/v1/bookable_events/{event_id}/registrations"),
        ],
    )


def _read_registration() -> dict[str, Any]:
    return _v1(
        "readRegistration",
        "Registrations",
        "Read one registration",
        "One registration of the event, wrapped under the key registration (a turnout extension).",
        _ok("The registration.", _ref("RegistrationEnvelope")),
        {"404": _error("Unknown, other-tenant or draft event, or unknown registration.")},
        parameters=[_event_id_param(), _registration_id_param("The registration to read.")],
    )


def _availability(limit: int) -> dict[str, Any]:
    return _v1(
        "availability",
        "Availability",
        "Which of these events can take registrations",
        "The bookable-events form of Cronofy's availability query. Returns, in request order and "
        "once each, the events that are confirmed, have not ended (end > now) and have seats left "
        "(capacity null or seats_taken < capacity). Unknown, other-tenant, draft, cancelled, full "
        "and ended ids are silently left out; an empty result is 200 with []. Other Cronofy "
        "availability parameters are ignored.",
        _ok("The available events.", _ref("AvailabilityResponse")),
        {
            **_too_large(limit),
            "422": _invalid(
                "bookable_events is missing (errors.required), not a non-empty list of "
                f"{{bookable_event_id}} objects (errors.invalid) or has more than "
                f"{MAX_AVAILABILITY_IDS} items (errors.too_many); or the body is not a JSON object "
                "(body errors.invalid_json).",
                _field_error("bookable_events", "required", "bookable_events is required"),
            ),
        },
        body=_body(
            "AvailabilityRequest",
            {"bookable_events": [{"bookable_event_id": "83hi8qhfiaif"}]},
        ),
    )


def _list_events(size: int) -> dict[str, Any]:
    return _v1(
        "listBookableEvents",
        "Bookable events",
        "List bookable events",
        f"One page ({size} per page) of the tenant's events, confirmed and cancelled (drafts are "
        "excluded), in creation order. Items carry the event fields and counters but no "
        "registrations. pages is always present; follow pages.next_page until it is absent. "
        "A turnout extension.",
        _ok("A page of events.", _ref("EventList")),
        {"404": _error("An invalid page_token.")},
        parameters=[_page_token_param("/v1/bookable_events")],
    )


def _healthz() -> dict[str, Any]:
    return {
        "operationId": "healthz",
        "tags": ["Operability"],
        "summary": "Liveness",
        "description": "200 while the process is serving requests. Needs no credential.",
        "responses": {"200": _ok("The process is up.", _ref("Health"))},
    }


def _readyz() -> dict[str, Any]:
    return {
        "operationId": "readyz",
        "tags": ["Operability"],
        "summary": "Readiness",
        "description": (
            "200 when the database answers a ping, 503 when it does not. Needs no credential."
        ),
        "responses": {
            "200": _ok("Ready; database names the database in use.", _ref("Ready")),
            "503": _ok("The database is unreachable.", _ref("NotReady")),
        },
    }


def _openapi_json() -> dict[str, Any]:
    return {
        "operationId": "openapiDocument",
        "tags": ["Operability"],
        "summary": "This OpenAPI document",
        "description": "The OpenAPI 3.1 document describing this server. Needs no credential.",
        "responses": {"200": _ok("The document.", {"type": "object"})},
    }


def _docs() -> dict[str, Any]:
    return {
        "operationId": "docs",
        "tags": ["Operability"],
        "summary": "This documentation as HTML",
        "description": (
            "A self-contained HTML page rendered from the OpenAPI document. Needs no credential."
        ),
        "responses": {
            "200": {
                "description": "The page.",
                "content": {"text/html; charset=utf-8": {"schema": {"type": "string"}}},
            }
        },
    }


# --------------------------------------------------------------------------------------------------
# Schemas


def _schemas() -> dict[str, Schema]:
    return {
        "Empty": {
            "type": "object",
            "maxProperties": 0,
            "description": "The body of most errors: {}.",
        },
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
        "RegistrationEnvelope": _rendered({"registration": _ref("Registration")}),
        "AvailableEvent": _available_event(),
        "AvailabilityResponse": _rendered(
            {"available_bookable_events": {"type": "array", "items": _ref("AvailableEvent")}}
        ),
        "Health": _rendered({"status": {"const": "ok"}}),
        "Ready": _rendered(
            {
                "status": {"const": "ok"},
                "database": {
                    "type": "string",
                    "description": "The store in use.",
                    "examples": ["sqlite"],
                },
            }
        ),
        "NotReady": _rendered(
            {"status": {"const": "unavailable"}, "database": {"const": "unreachable"}}
        ),
    }


def _error_object() -> Schema:
    detail = _rendered(
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
    return _rendered(
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
    time_rule = "RFC 3339 with Z or ±HH:MM, normalised to UTC; fractional seconds only if all zero."
    return _object(
        {
            "bookable_event_id": _id("Client-chosen id, unique within the tenant."),
            "start": {"type": "string", "format": "date-time", "description": time_rule},
            "end": {
                "type": "string",
                "format": "date-time",
                "description": time_rule + " After start.",
            },
            "status": {"type": "string", "enum": ["confirmed", "cancelled"]},
            "registration": _object(
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
    return _object(
        {
            "registration_id": _id("Client-chosen id, unique within the event."),
            "status": {"type": "string", "enum": list(REGISTRATION_STATUSES)},
            "metadata": {
                **_ref("Metadata"),
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
    item = _object(
        {"bookable_event_id": {"type": "string"}}, ["bookable_event_id"], additionalProperties=True
    )
    return _object(
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
            {"type": "string", "maxLength": MAX_STRING_LENGTH},
            {"type": "integer", "minimum": INT32[0], "maximum": INT32[1]},
            {"type": "number"},
        ],
        "description": "A string, a 32-bit integer or a finite number; booleans, null, arrays and "
        "objects are rejected.",
    }
    return {
        "type": ["object", "null"],
        "description": (
            f"At most {MAX_PAIRS} pairs. Attendee identity lives under email, name and "
            "phone_number."
        ),
        "maxProperties": MAX_PAIRS,
        "propertyNames": {"minLength": 1, "maxLength": MAX_KEY_LENGTH},
        "additionalProperties": value,
    }


def _registration() -> Schema:
    return _rendered(
        {
            "registration_id": _id("Client-chosen id."),
            "status": {"type": "string", "enum": list(REGISTRATION_STATUSES)},
            "metadata": {
                **_ref("Metadata"),
                "description": (
                    "{} when created without metadata; null after DELETE or an explicit null."
                ),
            },
            "guest_count": _count("Extra people; seats held = 1 + guest_count.", MAX_GUESTS),
            "notes": {"type": ["string", "null"], "maxLength": MAX_NOTES},
            "checked_in_count": _count("People checked in, 0 to 1 + guest_count.", MAX_GUESTS + 1),
            "checked_in_at": _utc(
                "When someone was last checked in; null if nobody is.", nullable=True
            ),
            "created_at": _utc("When the registration was created."),
            "updated_at": _utc("When it last changed."),
        },
        "A registration.",
    )


def _pages() -> Schema:
    return _object(
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
        "registered_count": _count("Registrations in pending, tentative or accepted."),
        "total_count": _count("All registrations, declined and removed included."),
        "seats_taken": _count("Seats held: the sum of 1 + guest_count over the registered ones."),
    }


def _event_counts() -> Schema:
    return _rendered(_counter_properties(), "An event's capacity and counters.")


def _event_registration() -> Schema:
    properties = {
        **_counter_properties(),
        "registrations": {
            "type": "array",
            "items": _ref("Registration"),
            "description": "One page of registrations, every status, creation order.",
        },
    }
    always = list(properties)
    properties["pages"] = {
        **_ref("Pages"),
        "description": "Present only when there is more than one page.",
    }
    return _object(properties, always, "Capacity, counters and one page of registrations.")


def _event_fields(registration: Schema) -> dict[str, Schema]:
    return {
        "bookable_event_id": _id("Client-chosen id."),
        "start": _utc("Start, UTC."),
        "end": _utc("End, UTC."),
        "status": {"type": "string", "enum": ["confirmed", "cancelled"]},
        "timezone": {"type": "string", "description": "IANA name; UTC for events created here."},
        "registration": registration,
    }


def _event(registration_schema: str, description: str) -> Schema:
    return _rendered(_event_fields(_ref(registration_schema)), description)


def _list(key: str, item_schema: str) -> Schema:
    return _rendered({key: {"type": "array", "items": _ref(item_schema)}, "pages": _ref("Pages")})


def _available_event() -> Schema:
    counters = _counter_properties()
    del counters["total_count"]
    return _rendered(
        {
            "bookable_event_id": _id("Client-chosen id."),
            "start": _utc("Start, UTC."),
            "end": _utc("End, UTC."),
            "registration": _rendered(counters),
        },
        "An event that can take registrations.",
    )


# --------------------------------------------------------------------------------------------------
# HTML

_STYLE = """
body{font:15px/1.5 system-ui,sans-serif;margin:0;color:#1d2330;background:#fafbfc}
main{max-width:60rem;margin:0 auto;padding:1rem 1.5rem 4rem}
h1{margin-bottom:.2rem}h2{border-bottom:1px solid #d0d7de;padding-bottom:.2rem;margin-top:2.5rem}
section.op{background:#fff;border:1px solid #d0d7de;border-radius:6px;padding:.2rem 1rem 1rem;
margin:1.2rem 0}
.method{display:inline-block;min-width:4.2rem;text-align:center;border-radius:4px;color:#fff;
font-size:.85rem;padding:.1rem .4rem;margin-right:.4rem;background:#57606a}
.get{background:#0969da}.post{background:#1a7f37}.delete{background:#cf222e}
code,pre{font:13px/1.4 ui-monospace,Menlo,Consolas,monospace}
pre{background:#f6f8fa;border:1px solid #d0d7de;border-radius:4px;padding:.6rem;overflow-x:auto}
table{border-collapse:collapse;width:100%}th,td{border:1px solid #d0d7de;padding:.3rem .5rem;
text-align:left;vertical-align:top}
.muted{color:#57606a}
"""

_REF = re.compile(r"&quot;#/components/schemas/([A-Za-z0-9_]+)&quot;")


def html(document: dict[str, Any]) -> str:
    """A readable, self-contained HTML page (no scripts, no external resources) for `document`."""
    title = escape(str(document["info"]["title"]))
    schemas = document.get("components", {}).get("schemas", {})
    body = [
        _intro(document),
        _contents(document),
        *(_operation_html(m, p, op, schemas) for m, p, op in _operations(document)),
        _schemas_html(document),
    ]
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{title}</title><style>{_STYLE}</style></head>\n<body><main>\n"
        + "\n".join(body)
        + "\n</main></body></html>\n"
    )


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, item[method])
        for path, item in document["paths"].items()
        for method in HTTP_METHODS
        if method in item
    ]


_CODE_SPAN = re.compile(r"`([^`]+)`")


def _inline(text: str) -> str:
    """Escaped text in which `backticked` spans become <code>."""
    return _CODE_SPAN.sub(r"<code>\1</code>", escape(text))


def _paragraphs(text: str) -> str:
    return "".join(f"<p>{_inline(p)}</p>" for p in text.split("\n\n") if p.strip())


def _pre(value: Any) -> str:
    """Pretty JSON in <pre>, with schema references linked to the Schemas section."""
    text = escape(json.dumps(value, indent=2, ensure_ascii=False))
    return (
        "<pre>"
        + _REF.sub(r'&quot;<a href="#schema-\1">#/components/schemas/\1</a>&quot;', text)
        + "</pre>"
    )


def _intro(document: dict[str, Any]) -> str:
    info = document["info"]
    servers = ", ".join(
        f"<code>{escape(str(s['url']))}</code>" for s in document.get("servers", [])
    )
    parts = [
        f"<h1>{escape(str(info['title']))}</h1>",
        f'<p class="muted">Version {escape(str(info["version"]))} · OpenAPI '
        f"{escape(str(document['openapi']))} · Server: {servers}</p>",
    ]
    if "summary" in info:
        parts.append(f"<p><strong>{escape(str(info['summary']))}</strong></p>")
    parts.append('<h2 id="authentication">Authentication</h2>')
    parts.append(
        "<p>Every <code>/v1</code> operation needs a tenant API key in the "
        f"<code>{escape('Authorization: Bearer <API key>')}</code> header. Without a valid key the "
        "answer is <code>401 {}</code> with <code>WWW-Authenticate: Bearer</code>; a key without "
        "the needed scope gets <code>403 {}</code>. The health checks and this documentation need "
        "no key.</p>"
    )
    for scheme in document.get("components", {}).get("securitySchemes", {}).values():
        parts.append(_paragraphs(str(scheme.get("description", ""))))
    parts.append('<h2 id="overview">Overview</h2>')
    parts.append(_paragraphs(str(info.get("description", ""))))
    if "/openapi.json" in document["paths"]:
        parts.append(
            '<p>The machine-readable document is at <a href="/openapi.json">/openapi.json</a>.</p>'
        )
    return "\n".join(parts)


def _anchor(operation: dict[str, Any], method: str, path: str) -> str:
    name = operation.get("operationId") or f"{method}-{path}"
    return "op-" + re.sub(r"[^A-Za-z0-9_-]", "-", str(name))


def _contents(document: dict[str, Any]) -> str:
    rows = "".join(
        f'<tr><td><span class="method {escape(m)}">{escape(m.upper())}</span></td>'
        f'<td><a href="#{_anchor(op, m, p)}"><code>{escape(p)}</code></a></td>'
        f"<td>{escape(str(op.get('summary', '')))}</td></tr>"
        for m, p, op in _operations(document)
    )
    return (
        '<h2 id="operations">Operations</h2>'
        "<table><tr><th>Method</th><th>Path</th><th>Summary</th></tr>" + rows + "</table>"
    )


def _operation_html(
    method: str, path: str, operation: dict[str, Any], schemas: dict[str, Any]
) -> str:
    auth = "Bearer API key" if operation.get("security") else "none"
    parts = [
        f'<section class="op" id="{_anchor(operation, method, path)}">',
        f'<h3><span class="method {escape(method)}">{escape(method.upper())}</span>'
        f"<code>{escape(path)}</code></h3>",
        f"<p><strong>{escape(str(operation.get('summary', '')))}</strong></p>",
        _paragraphs(str(operation.get("description", ""))),
        f'<p class="muted">operationId <code>{escape(str(operation.get("operationId", "")))}</code>'
        f" · Authentication: {escape(auth)}</p>",
        _parameters_html(operation.get("parameters", [])),
        _request_body_html(operation.get("requestBody"), schemas),
        _responses_html(operation.get("responses", {}), schemas),
        "</section>",
    ]
    return "\n".join(p for p in parts if p)


def _parameters_html(parameters: list[dict[str, Any]]) -> str:
    if not parameters:
        return ""
    rows = "".join(
        f"<tr><td><code>{escape(str(p['name']))}</code></td><td>{escape(str(p['in']))}</td>"
        f"<td>{'yes' if p.get('required') else 'no'}</td>"
        f"<td><code>{escape(json.dumps(p.get('schema', {}), ensure_ascii=False))}</code></td>"
        f"<td>{escape(str(p.get('description', '')))}</td></tr>"
        for p in parameters
    )
    return (
        "<h4>Parameters</h4><table><tr><th>Name</th><th>In</th><th>Required</th><th>Schema</th>"
        "<th>Description</th></tr>" + rows + "</table>"
    )


def _schema_html(schema: Schema, schemas: dict[str, Any]) -> str:
    """A schema as pretty JSON; a bare reference shows the named schema it points to."""
    ref = str(schema.get("$ref", "")) if set(schema) == {"$ref"} else ""
    name = ref.removeprefix("#/components/schemas/")
    if not ref.startswith("#/components/schemas/") or name not in schemas:
        return _pre(schema)
    link = f'<a href="#schema-{escape(name)}"><code>{escape(name)}</code></a>'
    return f"<p>Schema {link}:</p>" + _pre(schemas[name])


def _content_html(content: dict[str, Any], schemas: dict[str, Any]) -> str:
    parts = []
    for media_type, media in content.items():
        parts.append(f"<p>Content-Type: <code>{escape(media_type)}</code></p>")
        if "schema" in media:
            parts.append(_schema_html(media["schema"], schemas))
        if "example" in media:
            parts.append("<p>Example:</p>" + _pre(media["example"]))
    return "\n".join(parts)


def _request_body_html(body: dict[str, Any] | None, schemas: dict[str, Any]) -> str:
    if not body:
        return ""
    required = " (required)" if body.get("required") else ""
    return f"<h4>Request body{required}</h4>\n" + _content_html(body.get("content", {}), schemas)


def _responses_html(responses: dict[str, Any], schemas: dict[str, Any]) -> str:
    parts = ["<h4>Responses</h4>"]
    for status, response in responses.items():
        parts.append(f"<h5>{escape(str(status))}</h5>")
        parts.append(_paragraphs(str(response.get("description", ""))))
        for name, header in response.get("headers", {}).items():
            parts.append(
                f"<p>Header <code>{escape(str(name))}</code>: "
                f"{_inline(str(header.get('description', '')))}</p>"
            )
        parts.append(_content_html(response.get("content", {}), schemas))
    return "\n".join(p for p in parts if p)


def _schemas_html(document: dict[str, Any]) -> str:
    schemas = document.get("components", {}).get("schemas", {})
    parts = ['<h2 id="schemas">Schemas</h2>']
    for name, schema in schemas.items():
        parts.append(f'<h3 id="schema-{escape(str(name))}"><code>{escape(str(name))}</code></h3>')
        parts.append(_pre(schema))
    return "\n".join(parts)
