"""What every /api/v1 operation shares, for the OpenAPI document: its error table (errors.py renders
every documented error example), the errors any operation can answer, and its headers."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from turnout.config import Settings
from turnout.core.errors import Forbidden, TurnoutError, Unauthenticated, Unavailable
from turnout.surfaces.operation import Contract, Operation, ratelimit_headers
from turnout.surfaces.webkasa import shapes
from turnout.surfaces.webkasa.errors import core_error, error, rate_limited

POLICIES = (
    'With a valid key, "per-key-reads" (GET) or "per-key-writes" (other methods); without one, '
    '"per-address-failed-auth" (shared with /v1). The X-RateLimit-* headers show the same one '
    "policy."
)


def render_error(exc: Exception, params: dict[str, str]) -> Response:
    assert isinstance(exc, TurnoutError)
    scope = {"type": "http", "method": "GET", "path": "/api/v1/", "headers": []}
    return core_error(Request({**scope, "path_params": params}), exc)


def common(operation: Operation) -> tuple[Exception, ...]:
    return (Unauthenticated("unknown key"), Forbidden(operation.scopes[0]), Unavailable())


def extra(_: Operation) -> list[Response]:
    """The 429 of the key's limit, and the 500 of a fault (outside the error table)."""
    return [rate_limited(17, "per-key-reads"), error(500, "INTERNAL_ERROR", "Internal error")]


def headers(settings: Settings) -> dict[str, Any]:
    """The headers every /api/v1 response carries, errors and 401s included."""
    if settings.rate_limits:
        budget = (
            f"This server allows {settings.rate_limit_reads_per_minute} GET and "
            f"{settings.rate_limit_writes_per_minute} other requests a minute per key; requests "
            f"without a valid key, {settings.rate_limit_failed_auth_per_minute} a minute per "
            "client address, after which they get 429 instead of 401."
        )
    else:
        budget = "Rate limits are turned off on this server, so these headers are not sent."
    note = " Sent on every response while rate limits are on (the operator can turn them off)."

    def one(description: str) -> dict[str, Any]:
        schema = {"type": "integer", "minimum": 0}
        return {"description": description + note, "required": False, "schema": schema}

    return {
        "X-RateLimit-Limit": one("Requests allowed per one-minute window in the bucket. " + budget),
        "X-RateLimit-Remaining": one("Requests left in the current window."),
        "X-RateLimit-Reset": one("Unix time, in seconds, when the window resets."),
        **ratelimit_headers(POLICIES),
    }


CONTRACT = Contract(
    render_error=render_error,
    common=common,
    error_shapes=(shapes.WebkasaError, shapes.WebkasaRateLimited),
    headers=headers,
    security=({"bearerAuth": []}, {"apiKeyAuth": []}),
    extra=extra,
)
