"""Every /api/v1 error response is made here: `{"error", "code", "details"?}`."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response

from turnout.core.devices import (
    DeviceInputError,
    DeviceMissing,
    QuotaExceeded,
    RegistrationGone,
    VersionMismatch,
)
from turnout.core.errors import (
    BadHeader,
    CapacityReached,
    DuplicateRegistration,
    EventCancelled,
    FieldError,
    Forbidden,
    IdempotencyInProgress,
    IdempotencyKeyReused,
    NotFound,
    PayloadTooLarge,
    PreconditionFailed,
    PreconditionRequired,
    RegistrationCancelled,
    TurnoutError,
    Unauthenticated,
    Unavailable,
    ValidationFailed,
)
from turnout.core.hubs import HubRefused
from turnout.surfaces import bearer
from turnout.surfaces.http import allowed_methods, client_gone, json_response

log = logging.getLogger("turnout.errors")

STATE_CONFLICT_RETRY = 60  # seconds

# Webkasa's detail codes; the core's finer codes fold into them.
_DETAIL_CODES = {
    "must_be_integer": "invalid",
    "too_many": "out_of_range",
    "invalid_json": "invalid",
}


def error(
    status: int,
    code: str,
    message: str,
    details: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    body: dict[str, Any] = {"error": message, "code": code}
    if details:
        body["details"] = details
    if status == 409 and not (headers and "Retry-After" in headers):
        # Every 409 says when a retry could see another state (reliability.md ERR-2). For a full
        # or cancelled event that is a guess, and a long one: seats free up, but not every second.
        headers = {**(headers or {}), "Retry-After": str(STATE_CONFLICT_RETRY)}
    return json_response(body, status, headers)


def detail(e: FieldError) -> dict[str, str]:
    return {"field": e.field, "code": _DETAIL_CODES.get(e.code, e.code), "message": e.message}


@dataclasses.dataclass(frozen=True)
class Rendering:
    """How /api/v1 answers one core error. The OpenAPI document reads `status` and `code` here."""

    status: int
    code: str
    render: Callable[[Request, Any], Response]


def _fixed(
    status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> Rendering:
    return Rendering(status, code, lambda _, __: error(status, code, message, headers=headers))


def _validation(_: Request, exc: ValidationFailed) -> Response:
    return error(422, "VALIDATION_ERROR", "Validation failed", [detail(e) for e in exc.errors])


def _not_found(request: Request, exc: NotFound) -> Response:
    """Names what is missing — the registration when the event exists, else the event — but not its
    id, so that another tenant's object reads exactly like a missing one (test_tenancy.py)."""
    params = request.path_params
    event_id, registration_id = params.get("event_id"), params.get("registration_id")
    if registration_id is not None and str(exc) in ("registration", registration_id):
        message = "Registration not found in this event"
    elif event_id is not None:
        message = "Event not found"
    else:
        message = "Not found"
    return error(404, "NOT_FOUND", message)


def _full(_: Request, exc: CapacityReached) -> Response:
    field = exc.field or "guest_count"
    return error(
        409,
        "EVENT_FULL",
        "Event is full",
        [{"field": field, "code": "capacity", "message": str(exc)}],
    )


def _duplicate(_: Request, __: DuplicateRegistration) -> Response:
    taken = {"field": "attendee_email", "code": "duplicate", "message": _DUPLICATE}
    return error(409, "DUPLICATE_REGISTRATION", _DUPLICATE_TITLE, [taken])


def _from_message(status: int, code: str) -> Rendering:
    return Rendering(status, code, lambda _, exc: error(status, code, str(exc)))


_DUPLICATE_TITLE = "An active registration with this email already exists"
_DUPLICATE = "already registered for this event"
_IN_FLIGHT = "A request with this Idempotency-Key is in progress; retry after Retry-After seconds"
_REUSED = "This Idempotency-Key was used with a different request; use a new key"


def _unauthenticated(_: Request, exc: Unauthenticated) -> Response:
    challenge = {"WWW-Authenticate": bearer.challenge(exc)}  # RFC 6750, says why and what to do
    return error(401, "UNAUTHORIZED", "A valid API key is required", headers=challenge)


def _forbidden(_: Request, exc: Forbidden) -> Response:
    return error(403, "INSUFFICIENT_SCOPE", f"This API key lacks the {exc.needed} scope")


def _in_flight(_: Request, exc: IdempotencyInProgress) -> Response:
    retry = {"Retry-After": str(exc.retry_after)}
    return error(409, "IDEMPOTENCY_IN_PROGRESS", _IN_FLIGHT, headers=retry)


# Every core error, and how /api/v1 renders it; tests/test_error_tables.py checks none is missing.
TABLE: dict[type[TurnoutError], Rendering] = {
    ValidationFailed: Rendering(422, "VALIDATION_ERROR", _validation),
    NotFound: Rendering(404, "NOT_FOUND", _not_found),
    CapacityReached: Rendering(409, "EVENT_FULL", _full),
    EventCancelled: _fixed(409, "EVENT_CANCELLED", "Event is cancelled"),
    DuplicateRegistration: Rendering(409, "DUPLICATE_REGISTRATION", _duplicate),
    RegistrationCancelled: _fixed(409, "REGISTRATION_CANCELLED", "Registration is cancelled"),
    PreconditionFailed: _from_message(412, "PRECONDITION_FAILED"),
    PreconditionRequired: _from_message(428, "PRECONDITION_REQUIRED"),
    IdempotencyInProgress: Rendering(409, "IDEMPOTENCY_IN_PROGRESS", _in_flight),
    IdempotencyKeyReused: _fixed(422, "IDEMPOTENCY_KEY_REUSED", _REUSED),
    BadHeader: _from_message(400, "INVALID_HEADER"),
    Unauthenticated: Rendering(401, "UNAUTHORIZED", _unauthenticated),
    Forbidden: Rendering(403, "INSUFFICIENT_SCOPE", _forbidden),
    PayloadTooLarge: _fixed(413, "PAYLOAD_TOO_LARGE", "The request body is too large"),
    Unavailable: _fixed(
        503, "SERVICE_UNAVAILABLE", "Service unavailable; retry shortly", {"Retry-After": "1"}
    ),
    # The Notification Hubs errors are raised only under /{hub} and /v1's hub management; their
    # entries keep this table total (a 4xx, never a 500, if a rule one day raises them here).
    HubRefused: _from_message(422, "VALIDATION_ERROR"),
    DeviceInputError: _from_message(400, "BAD_REQUEST"),
    QuotaExceeded: _from_message(403, "QUOTA_EXCEEDED"),
    RegistrationGone: _from_message(410, "GONE"),
    DeviceMissing: _fixed(404, "NOT_FOUND", "Not found"),
    VersionMismatch: _from_message(412, "PRECONDITION_FAILED"),
}


def entry_for(error: type[TurnoutError]) -> Rendering | None:
    """The table's entry for `error`, or for the nearest class it derives from."""
    return next((TABLE[cls] for cls in error.__mro__ if cls in TABLE), None)


def core_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, TurnoutError)
    entry = entry_for(type(exc))
    if entry is None:
        return server_error(request, exc)
    return entry.render(request, exc)


def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 405:
        allow = {"Allow": allowed_methods(request)}
        return error(405, "METHOD_NOT_ALLOWED", "Method not allowed", headers=allow)
    return error(404, "NOT_FOUND", "Not found")


def server_error(request: Request, exc: Exception) -> Response:
    log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return error(500, "INTERNAL_ERROR", "Internal error")


def rate_limited(retry_after: int, limit: str = "") -> Response:
    """Webkasa's 429, with turnout's `limit`: which limit refused (per-address-failed-auth: too many
    bad keys from this address; per-key-reads or per-key-writes: this key's budget)."""
    body: dict[str, object] = {
        "error": "Rate limit exceeded",
        "code": "RATE_LIMITED",
        "retry_after": retry_after,
    }
    if limit:
        body["limit"] = limit
    return json_response(body, 429, {"Retry-After": str(retry_after)})


HANDLERS = {
    ClientDisconnect: client_gone,
    TurnoutError: core_error,
    HTTPException: http_error,
    Exception: server_error,
}
