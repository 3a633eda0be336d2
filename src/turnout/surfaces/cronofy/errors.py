"""Every /v1 error response is made here, in Cronofy's shapes: `{}` or `{"errors": {...}}`, each
with turnout's `turnout_error` member (explain.py) beside them."""

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
    FIELD_CODES,
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


@dataclasses.dataclass(frozen=True)
class Rendering:
    """How /v1 answers one core error: its status, and the error keys it can carry (none: `{}`).
    The OpenAPI document reads `keys` and `status` from here, so it lists what is emitted."""

    status: int
    keys: tuple[str, ...]
    render: Callable[[Any], Response]


def _on(field: str, status: int, message: str | None = None) -> Callable[[Any], Response]:
    def render(exc: TurnoutError) -> Response:
        return field_errors([FieldError(field, exc.code, message or str(exc))], status)

    return render


def _empty(status: int, headers: dict[str, str] | None = None) -> Callable[[Any], Response]:
    return lambda _: json_response({}, status, headers)


def _challenged(status: int) -> Callable[[Any], Response]:
    """RFC 6750's WWW-Authenticate, saying why the credential was refused (surfaces/bearer.py)."""
    return lambda exc: json_response({}, status, {"WWW-Authenticate": bearer.challenge(exc)})


def _capacity(exc: CapacityReached) -> Response:
    # The field that asked for the seats (routes.py says which); the status unless known.
    field = exc.field or "status"
    message = "the bookable event has no remaining capacity"
    return field_errors([FieldError(field, exc.code, message)])


def _in_flight(exc: IdempotencyInProgress) -> Response:
    retry = {"Retry-After": str(exc.retry_after)}
    return field_errors([FieldError("idempotency_key", exc.code, _IN_FLIGHT)], 409, retry)


def _bad_header(exc: BadHeader) -> Response:
    field = exc.header.lower().replace("-", "_")
    return field_errors([FieldError(field, "invalid", exc.message)], 400)


# Every core error, and how /v1 renders it; tests/test_error_tables.py checks none is missing.
TABLE: dict[type[TurnoutError], Rendering] = {
    ValidationFailed: Rendering(422, FIELD_CODES, lambda exc: field_errors(exc.errors)),
    CapacityReached: Rendering(422, ("capacity_reached",), _capacity),
    EventCancelled: Rendering(
        422, ("event_cancelled",), _on("status", 422, "the bookable event has been cancelled")
    ),
    DuplicateRegistration: Rendering(
        422,
        ("duplicate_registration",),
        _on("metadata.email", 422, "an active registration already has this email"),
    ),
    RegistrationCancelled: Rendering(
        422, ("registration_cancelled",), _on("status", 422, "the registration is cancelled")
    ),
    PreconditionFailed: Rendering(412, ("etag_mismatch",), _on("if_match", 412)),
    PreconditionRequired: Rendering(428, ("precondition_required",), _on("if_match", 428)),
    IdempotencyInProgress: Rendering(409, ("idempotency_in_progress",), _in_flight),
    IdempotencyKeyReused: Rendering(
        422, ("idempotency_key_reused",), _on("idempotency_key", 422, _REUSED)
    ),
    BadHeader: Rendering(400, ("invalid",), _bad_header),
    Unauthenticated: Rendering(401, (), _challenged(401)),
    Forbidden: Rendering(403, (), _challenged(403)),
    NotFound: Rendering(404, (), _empty(404)),
    PayloadTooLarge: Rendering(413, (), _empty(413)),
    Unavailable: Rendering(503, (), _empty(503, {"Retry-After": "1"})),
    # The Notification Hubs errors. /v1's hub management turns HubRefused into a field error on
    # its own (hubs.py); the device errors are raised only under /{hub}. Their entries keep this
    # table total, so a rule that one day raises them here answers a 4xx, never a 500.
    HubRefused: Rendering(422, ("hub_refused", "hub_exists", "rule_exists"), _on("name", 422)),
    DeviceInputError: Rendering(400, (), _empty(400)),
    QuotaExceeded: Rendering(403, (), _empty(403)),
    RegistrationGone: Rendering(410, (), _empty(410)),
    DeviceMissing: Rendering(404, (), _empty(404)),
    VersionMismatch: Rendering(412, (), _empty(412)),
}

ERROR_KEYS = tuple(dict.fromkeys(key for entry in TABLE.values() for key in entry.keys))


def entry_for(error: type[TurnoutError]) -> Rendering | None:
    """The table's entry for `error`, or for the nearest class it derives from."""
    return next((TABLE[cls] for cls in error.__mro__ if cls in TABLE), None)


def core_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, TurnoutError)
    entry = entry_for(type(exc))
    if entry is None:
        return server_error(request, exc)
    return explain.with_explanation(entry.render(exc), request, exc)


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
