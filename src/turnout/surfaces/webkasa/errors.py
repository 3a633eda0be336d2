"""Every /api/v1 error response is made here: `{"error", "code", "details"?}`."""

from __future__ import annotations

import logging
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response

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


def core_error(request: Request, exc: Exception) -> Response:
    if isinstance(exc, ValidationFailed):
        return error(422, "VALIDATION_ERROR", "Validation failed", [detail(e) for e in exc.errors])
    if isinstance(exc, NotFound):
        return error(404, "NOT_FOUND", "Not found")
    if isinstance(exc, CapacityReached):
        return error(
            409,
            "EVENT_FULL",
            "Event is full",
            [{"field": "guest_count", "code": "capacity", "message": str(exc)}],
        )
    if isinstance(exc, EventCancelled):
        return error(409, "EVENT_CANCELLED", "Event is cancelled")
    if isinstance(exc, DuplicateRegistration):
        return error(
            409,
            "DUPLICATE_REGISTRATION",
            "An active registration with this email already exists",
            [
                {
                    "field": "attendee_email",
                    "code": "duplicate",
                    "message": "already registered for this event",
                }
            ],
        )
    if isinstance(exc, RegistrationCancelled):
        return error(409, "REGISTRATION_CANCELLED", "Registration is cancelled")
    if isinstance(exc, PreconditionFailed):
        return error(412, "PRECONDITION_FAILED", str(exc))
    if isinstance(exc, PreconditionRequired):
        return error(428, "PRECONDITION_REQUIRED", str(exc))
    if isinstance(exc, IdempotencyInProgress):
        return error(
            409,
            "IDEMPOTENCY_IN_PROGRESS",
            "A request with this Idempotency-Key is in progress; retry after Retry-After seconds",
            headers={"Retry-After": str(exc.retry_after)},
        )
    if isinstance(exc, IdempotencyKeyReused):
        return error(
            422,
            "IDEMPOTENCY_KEY_REUSED",
            "This Idempotency-Key was used with a different request; use a new key",
        )
    if isinstance(exc, BadHeader):
        return error(400, "INVALID_HEADER", str(exc))
    if isinstance(exc, Unauthenticated):
        return error(
            401,
            "UNAUTHORIZED",
            "A valid API key is required",
            headers={"WWW-Authenticate": bearer.challenge(exc)},
        )
    if isinstance(exc, Forbidden):
        return error(403, "INSUFFICIENT_SCOPE", f"This API key lacks the {exc.needed} scope")
    if isinstance(exc, PayloadTooLarge):
        return error(413, "PAYLOAD_TOO_LARGE", "The request body is too large")
    if isinstance(exc, Unavailable):
        return error(
            503,
            "SERVICE_UNAVAILABLE",
            "Service unavailable; retry shortly",
            headers={"Retry-After": "1"},
        )
    assert isinstance(exc, TurnoutError)
    return server_error(request, exc)


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
