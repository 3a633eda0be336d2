"""What every /v1 operation shares, for the OpenAPI document: its error table (errors.py renders
every documented error example), the errors any operation can answer, and its headers."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from turnout.core.errors import Forbidden as ForbiddenError
from turnout.core.errors import TurnoutError, Unauthenticated, Unavailable
from turnout.ratelimit import Policy, decide
from turnout.surfaces.cronofy import explain, shapes
from turnout.surfaces.cronofy.errors import core_error, too_many
from turnout.surfaces.http import json_response
from turnout.surfaces.operation import Contract, Operation, ratelimit_headers

POLICIES = (
    'With a valid key, "per-tenant-second" and "per-tenant-minute" (by default 50 requests a '
    "second and 500 a minute per tenant, Cronofy's figures); without one, "
    '"per-address-failed-auth" (failed authentications per client address, shared with /api/v1).'
)


def _request(params: dict[str, str]) -> Request:
    scope = {"type": "http", "method": "GET", "path": "/v1/", "headers": [], "path_params": params}
    return Request(scope)


def render_error(exc: Exception, params: dict[str, str]) -> Response:
    assert isinstance(exc, TurnoutError)
    return core_error(_request(params), exc)


def common(operation: Operation) -> tuple[Exception, ...]:
    scope = (ForbiddenError(operation.scopes[0]),) if operation.scopes else ()
    return (Unauthenticated("unknown key"), *scope, Unavailable())


def extra(_: Operation) -> list[Response]:
    """The 429 of the tenant's limit, and the 500 of a fault (outside the error table)."""
    limited = decide([Policy("per-tenant-second", 50, 1)], [50], False, 1_737_721_800.5)
    fault = explain.with_explanation(json_response({}, 500), _request({}), RuntimeError())
    return [too_many(limited), fault]


CONTRACT = Contract(
    render_error=render_error,
    common=common,
    error_shapes=(shapes.ErrorObject, shapes.Empty),
    headers=lambda _: ratelimit_headers(POLICIES),
    security=({"bearerAuth": []},),
    extra=extra,
)
