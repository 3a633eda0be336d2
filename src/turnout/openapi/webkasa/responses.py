"""Builders for /api/v1 responses (each with the rate-limit headers) and parameters."""

from __future__ import annotations

from typing import Any

from turnout.config import Settings
from turnout.core.limits import DEFAULT_LIMIT, MAX_LIMIT, MAX_OFFSET
from turnout.openapi.build import (
    API_KEY,
    BEARER,
    ID_PATTERN,
    JSON_REQUEST,
    JSON_UTF8,
    header,
    path_param,
    ratelimit_headers,
    ref,
    spellings,
)

Response = dict[str, Any]
TAG = "Webkasa events and registrations"
UNAVAILABLE = "Service unavailable; retry shortly"


def rate_limit_headers(settings: Settings) -> dict[str, Any]:
    """The headers every /api/v1 response carries, errors and 401s included."""
    if settings.rate_limits:
        budget = (
            f"This server allows {settings.rate_limit_reads_per_minute} GET and "
            f"{settings.rate_limit_writes_per_minute} other requests a minute per key; requests "
            f"without a valid key, {settings.rate_limit_failed_auth_per_minute} a minute per client "
            "address, after which they get 429 instead of 401."
        )
    else:
        budget = "Rate limits are turned off on this server, so these headers are not sent."
    note = " Sent on every response while rate limits are on (the operator can turn them off)."

    def one(description: str) -> dict[str, Any]:
        return {
            "description": description + note,
            "required": False,
            "schema": {"type": "integer", "minimum": 0},
        }

    return {
        "X-RateLimit-Limit": one("Requests allowed per one-minute window in the bucket. " + budget),
        "X-RateLimit-Remaining": one("Requests left in the current window."),
        "X-RateLimit-Reset": one("Unix time, in seconds, when the window resets."),
        **ratelimit_headers(
            'With a valid key, "per-key-reads" (GET) or "per-key-writes" (other methods); '
            'without one, "per-address-failed-auth" (shared with /v1). The X-RateLimit-* headers '
            "show the same one policy."
        ),
    }


class Responses:
    """Response objects for one server configuration."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.limits = rate_limit_headers(settings)

    def _response(
        self,
        description: str,
        schema: str,
        headers: dict[str, Any] | None = None,
        examples: dict[str, Any] | None = None,
    ) -> Response:
        media: dict[str, Any] = {"schema": ref(schema)}
        if examples:
            media["examples"] = {name: {"value": value} for name, value in examples.items()}
        return {
            "description": description,
            "headers": {**(headers or {}), **self.limits},
            "content": {JSON_UTF8: media},
        }

    def operation(
        self,
        operation_id: str,
        scope: str,
        summary: str,
        description: str,
        success: tuple[str, dict[str, Any]],
        errors: dict[str, Any],
        parameters: list[dict[str, Any]] | None = None,
        body: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """An /api/v1 operation: Bearer or X-API-Key, one scope, the errors any operation has."""
        operation: dict[str, Any] = {
            "operationId": operation_id,
            "tags": [TAG],
            "summary": summary,
            "description": f"{description}\n\nScope: `{scope}`.",
            "security": [{BEARER: []}, {API_KEY: []}],
        }
        if parameters:
            operation["parameters"] = parameters
        if body:
            operation["requestBody"] = body
        responses = {
            success[0]: success[1],
            "403": self.forbidden(scope),
            **errors,
            **self.common(),
        }
        operation["responses"] = dict(sorted(responses.items()))
        return operation

    def ok(self, description: str, schema: str) -> Response:
        return self._response(description, schema)

    def created(self, description: str, schema: str, location: str) -> Response:
        url = self.settings.base_url + "/api/v1" + location
        where = header(f"The new object's URL, {url}.", {"type": "string", "format": "uri"})
        return self._response(description, schema, {"Location": where})

    def error(
        self,
        description: str,
        examples: dict[str, Any] | None = None,
        headers: dict[str, Any] | None = None,
    ) -> Response:
        return self._response(description, "WebkasaError", headers, examples)

    def common(self) -> dict[str, Response]:
        """401, 429, 500 and 503: what any /api/v1 operation can answer."""
        retry = {"type": "integer", "minimum": 1}
        return {
            "401": self.error(
                "UNAUTHORIZED: no key, an unknown or revoked key, a scheme other than Bearer, or "
                "Authorization and X-API-Key carrying different keys.",
                {"UNAUTHORIZED": _error("UNAUTHORIZED", "A valid API key is required")},
                {"WWW-Authenticate": header("Always Bearer.", {"const": "Bearer"})},
            ),
            "429": self._response(
                "RATE_LIMITED: over the key's limit for this window, checked after the credential "
                "and before the scope; or, without a valid key, over the address's stricter limit "
                "on failed authentication.",
                "WebkasaRateLimited",
                {"Retry-After": header("Whole seconds to wait; equals retry_after.", retry)},
            ),
            "500": self.error(
                "INTERNAL_ERROR: server fault.",
                {"INTERNAL_ERROR": _error("INTERNAL_ERROR", "Internal error")},
            ),
            "503": self.error(
                "SERVICE_UNAVAILABLE: the database is unreachable or contended; retry shortly.",
                {"SERVICE_UNAVAILABLE": _error("SERVICE_UNAVAILABLE", UNAVAILABLE)},
                {"Retry-After": header("Seconds to wait before retrying.", retry)},
            ),
        }

    def forbidden(self, scope: str) -> Response:
        message = f"This API key lacks the {scope} scope"
        return self.error(
            f"INSUFFICIENT_SCOPE: the key does not grant {scope} (granted by {scope}, * or, for a "
            "read, *:read; a write scope does not imply the read one).",
            {"INSUFFICIENT_SCOPE": _error("INSUFFICIENT_SCOPE", message)},
        )

    def not_found(self, what: str) -> Response:
        return self.error(
            f"NOT_FOUND: {what}. Another tenant's objects are answered as missing.",
            {"NOT_FOUND": _error("NOT_FOUND", "Not found")},
        )

    def too_large(self) -> Response:
        return self.error(
            f"PAYLOAD_TOO_LARGE: the body is over {self.settings.max_body_bytes} bytes.",
            {"PAYLOAD_TOO_LARGE": _error("PAYLOAD_TOO_LARGE", "The request body is too large")},
        )

    def invalid(self, description: str, field: str, code: str, message: str) -> Response:
        example = _error("VALIDATION_ERROR", "Validation failed", [detail(field, code, message)])
        return self.error(
            "VALIDATION_ERROR: every field error at once, in details. " + description,
            {"VALIDATION_ERROR": example},
        )


def _error(code: str, message: str, details: list[dict[str, str]] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"error": message, "code": code}
    if details:
        body["details"] = details
    return body


def detail(field: str, code: str, message: str) -> dict[str, str]:
    return {"field": field, "code": code, "message": message}


EVENT_FULL = _error(
    "EVENT_FULL",
    "Event is full",
    [detail("guest_count", "capacity", "3 seats requested, 1 available")],
)
EVENT_CANCELLED = _error("EVENT_CANCELLED", "Event is cancelled")
DUPLICATE_REGISTRATION = _error(
    "DUPLICATE_REGISTRATION",
    "An active registration with this email already exists",
    [detail("attendee_email", "duplicate", "already registered for this event")],
)
REGISTRATION_CANCELLED = _error("REGISTRATION_CANCELLED", "Registration is cancelled")


def body(schema: str, example: dict[str, Any], required: bool = True) -> dict[str, Any]:
    return {
        "required": required,
        "content": {JSON_REQUEST: {"schema": ref(schema), "example": example}},
    }


def event_id_param() -> dict[str, Any]:
    return path_param(
        "event_id",
        "The event's id (evt_… or a /v1 id). Unknown and other tenants' events are 404; drafts "
        "are visible here.",
        {"type": "string", "pattern": ID_PATTERN},
    )


def registration_id_param() -> dict[str, Any]:
    return path_param(
        "registration_id",
        "The registration's id. One that belongs to another event than event_id is 404.",
        {"type": "string", "pattern": ID_PATTERN},
    )


def query(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema,
    }


def boolean(name: str, meaning: str) -> dict[str, Any]:
    return query(
        name,
        f"{meaning} true, false, 1 or 0, case-insensitive; anything else is a 422. Default false.",
        spellings(["true", "false", "1", "0"]),
    )


def pagination() -> list[dict[str, Any]]:
    return [
        query(
            "limit",
            f"Page size, default {DEFAULT_LIMIT}; values above {MAX_LIMIT} are clamped to "
            f"{MAX_LIMIT} (meta.limit reports the value used). 0, negatives and non-integers are "
            "a 422.",
            {"type": "integer", "minimum": 1, "maximum": MAX_OFFSET, "default": DEFAULT_LIMIT},
        ),
        query(
            "offset",
            "Rows to skip, default 0. Negatives and non-integers are a 422.",
            {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET, "default": 0},
        ),
    ]
