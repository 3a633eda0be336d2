"""Every /v1 error response is made here, in Cronofy's shapes: `{}` or `{"errors": {...}}`, each
with turnout's `turnout_error` member (explain.py) beside them."""

from __future__ import annotations

import logging

from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response

from turnout.core.errors import (
    BadHeader,
    CapacityReached,
    EventCancelled,
    FieldError,
    Forbidden,
    IdempotencyInProgress,
    IdempotencyKeyReused,
    NotFound,
    PayloadTooLarge,
    PreconditionFailed,
    PreconditionRequired,
    TurnoutError,
    Unauthenticated,
    Unavailable,
    ValidationFailed,
)
from turnout.ratelimit import Decision
from turnout.surfaces import bearer
from turnout.surfaces.cronofy import explain
from turnout.surfaces.http import allowed_methods, client_gone, json_response

log = logging.getLogger("turnout.errors")

_IN_FLIGHT = "a request with this Idempotency-Key is in progress; retry after Retry-After seconds"
_REUSED = "this Idempotency-Key was used with a different request; use a new key"


def field_errors(
    errors: list[FieldError], status: int = 422, headers: dict[str, str] | None = None
) -> Response:
    """Cronofy's 422 shape; turnout's own statuses (400, 409, 412, 428) use it too, so every
    error with a cause names it under a stable key."""
    body: dict[str, list[dict[str, str]]] = {}
    for e in errors:
        body.setdefault(e.field, []).append({"key": f"errors.{e.code}", "description": e.message})
    return json_response({"errors": body}, status, headers)


def core_error(request: Request, exc: Exception) -> Response:
    return explain.with_explanation(_core_error(request, exc), request, exc)


def _core_error(_: Request, exc: Exception) -> Response:
    if isinstance(exc, ValidationFailed):
        return field_errors(exc.errors)
    if isinstance(exc, CapacityReached):
        return field_errors(
            [
                FieldError(
                    "status", "capacity_reached", "the bookable event has no remaining capacity"
                )
            ]
        )
    if isinstance(exc, EventCancelled):
        return field_errors(
            [FieldError("status", "event_cancelled", "the bookable event has been cancelled")]
        )
    if isinstance(exc, PreconditionFailed):
        return field_errors([FieldError("if_match", exc.code, str(exc))], 412)
    if isinstance(exc, PreconditionRequired):
        return field_errors([FieldError("if_match", exc.code, str(exc))], 428)
    if isinstance(exc, IdempotencyInProgress):
        retry = {"Retry-After": str(exc.retry_after)}
        return field_errors([FieldError("idempotency_key", exc.code, _IN_FLIGHT)], 409, retry)
    if isinstance(exc, IdempotencyKeyReused):
        return field_errors([FieldError("idempotency_key", exc.code, _REUSED)])
    if isinstance(exc, BadHeader):
        field = exc.header.lower().replace("-", "_")
        return field_errors([FieldError(field, "invalid", exc.message)], 400)
    if isinstance(exc, Unauthenticated):
        return json_response({}, 401, {"WWW-Authenticate": bearer.challenge(exc)})
    if isinstance(exc, Forbidden):
        return json_response({}, 403, {"WWW-Authenticate": bearer.challenge(exc)})
    if isinstance(exc, NotFound):
        return json_response({}, 404)
    if isinstance(exc, PayloadTooLarge):
        return json_response({}, 413)
    if isinstance(exc, Unavailable):
        return json_response({}, 503, {"Retry-After": "1"})
    assert isinstance(exc, TurnoutError)
    return server_error(_, exc)


def too_many(decision: Decision) -> Response:
    response = json_response({}, 429, {"Retry-After": str(decision.retry_after)})
    return explain.rate_limited(response, decision)


def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 405:
        response = json_response({}, 405, {"Allow": allowed_methods(request)})
    else:
        response = json_response({}, exc.status_code)
    return explain.with_explanation(response, request, exc)


def server_error(request: Request, exc: Exception) -> Response:
    log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return explain.with_explanation(json_response({}, 500), request, exc)


HANDLERS = {
    ClientDisconnect: client_gone,
    TurnoutError: core_error,
    HTTPException: http_error,
    Exception: server_error,
}
