"""The /v1 operations: what each route in surfaces/cronofy/routes.py accepts and answers."""

from __future__ import annotations

from typing import Any

from turnout.config import Settings
from turnout.core.limits import MAX_AVAILABILITY_IDS, MAX_CAPACITY
from turnout.openapi.build import (
    BEARER,
    ID_PATTERN,
    JSON_UTF8,
    OPAQUE_PATTERN,
    common_errors,
    error,
    ok,
    path_param,
    ratelimit_headers,
    ref,
    request_body,
    too_large,
)


def paths(settings: Settings) -> dict[str, Any]:
    """The /v1 path items; page size and body limit are the server's own."""
    size = settings.page_size
    limit = settings.max_body_bytes
    return {
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


def _v1(
    operation_id: str,
    tag: str,
    summary: str,
    description: str,
    success: dict[str, Any],
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
    responses = {"200": success, **errors, **common_errors()}
    limits = ratelimit_headers(POLICIES)
    operation["responses"] = {
        status: {**response, "headers": {**response.get("headers", {}), **limits}}
        for status, response in sorted(responses.items())
    }
    return operation


POLICIES = (
    'With a valid key, "per-tenant-second" and "per-tenant-minute" (by default 50 requests a '
    "second and 500 a minute per tenant, Cronofy's figures); without one, "
    '"per-address-failed-auth" (failed authentications per client address, shared with /api/v1).'
)


def _event_page_ok(what: str, size: int) -> dict[str, Any]:
    return ok(
        f"{what}: the event with page 1 of its registrations ({size} per page, creation order). "
        "registration.pages is present only when there is more than one page.",
        ref("Event"),
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
            **too_large(limit),
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
        body=request_body(
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
        {"404": error("Unknown event, another tenant's event, or a draft.")},
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
        ok("The event with page n of its registrations.", ref("Event")),
        {
            "404": error(
                "Unknown, other-tenant or draft event, or an invalid token (altered, malformed, "
                "issued for another event, kind or tenant)."
            )
        },
        parameters=[
            _event_id_param(),
            path_param(
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
            "404": error("Unknown event, another tenant's event, or a draft."),
            **too_large(limit),
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
        body=request_body(
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
        {"404": error("Unknown, other-tenant or draft event, or unknown registration.")},
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
        ok("A page of registrations.", ref("RegistrationList")),
        {"404": error("Unknown, other-tenant or draft event, or an invalid page_token.")},
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
        ok("The registration.", ref("RegistrationEnvelope")),
        {"404": error("Unknown, other-tenant or draft event, or unknown registration.")},
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
        ok("The available events.", ref("AvailabilityResponse")),
        {
            **too_large(limit),
            "422": _invalid(
                "bookable_events is missing (errors.required), not a non-empty list of "
                f"{{bookable_event_id}} objects (errors.invalid) or has more than "
                f"{MAX_AVAILABILITY_IDS} items (errors.too_many); or the body is not a JSON object "
                "(body errors.invalid_json).",
                _field_error("bookable_events", "required", "bookable_events is required"),
            ),
        },
        body=request_body(
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
        ok("A page of events.", ref("EventList")),
        {"404": error("An invalid page_token.")},
        parameters=[_page_token_param("/v1/bookable_events")],
    )


def _invalid(description: str, example: dict[str, Any]) -> dict[str, Any]:
    """A 422 response: the Cronofy error object."""
    media = {"schema": ref("ErrorObject"), "example": example}
    return {"description": description, "content": {JSON_UTF8: media}}


def _field_error(field: str, key: str, description: str) -> dict[str, Any]:
    return {"errors": {field: [{"key": f"errors.{key}", "description": description}]}}


def _event_id_param() -> dict[str, Any]:
    return path_param(
        "event_id",
        "The bookable_event_id. Unknown ids, other tenants' events and drafts are 404.",
        {"type": "string", "pattern": ID_PATTERN},
    )


def _registration_id_param(description: str) -> dict[str, Any]:
    return path_param("registration_id", description, {"type": "string", "pattern": ID_PATTERN})


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
