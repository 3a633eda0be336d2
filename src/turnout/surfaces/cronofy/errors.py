"""Every /v1 error response is made here, in Cronofy's shapes: `{}` or `{"errors": {...}}`."""

from __future__ import annotations

import logging

from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response

from turnout.core.errors import (
    CapacityReached,
    EventCancelled,
    FieldError,
    Forbidden,
    NotFound,
    PayloadTooLarge,
    TurnoutError,
    Unauthenticated,
    Unavailable,
    ValidationFailed,
)
from turnout.ratelimit import Decision
from turnout.surfaces.http import allowed_methods, client_gone, json_response

log = logging.getLogger("turnout.errors")


def field_errors(errors: list[FieldError]) -> Response:
    body: dict[str, list[dict[str, str]]] = {}
    for e in errors:
        body.setdefault(e.field, []).append({"key": f"errors.{e.code}", "description": e.message})
    return json_response({"errors": body}, 422)


def core_error(_: Request, exc: Exception) -> Response:
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
    if isinstance(exc, Unauthenticated):
        return json_response({}, 401, {"WWW-Authenticate": "Bearer"})
    if isinstance(exc, Forbidden):
        return json_response({}, 403)
    if isinstance(exc, NotFound):
        return json_response({}, 404)
    if isinstance(exc, PayloadTooLarge):
        return json_response({}, 413)
    if isinstance(exc, Unavailable):
        return json_response({}, 503, {"Retry-After": "1"})
    assert isinstance(exc, TurnoutError)
    return server_error(_, exc)


def too_many(decision: Decision) -> Response:
    return json_response({}, 429, {"Retry-After": str(decision.retry_after)})


def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 405:
        return json_response({}, 405, {"Allow": allowed_methods(request)})
    return json_response({}, exc.status_code)


def server_error(request: Request, exc: Exception) -> Response:
    log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return json_response({}, 500)


HANDLERS = {
    ClientDisconnect: client_gone,
    TurnoutError: core_error,
    HTTPException: http_error,
    Exception: server_error,
}
