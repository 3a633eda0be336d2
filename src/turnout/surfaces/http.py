"""What every surface does the same way with HTTP: bodies, JSON, credentials, responses."""

from __future__ import annotations

from typing import Any

import msgspec
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Match

from turnout.core.errors import FieldError, PayloadTooLarge, ValidationFailed

JSON_TYPE = "application/json; charset=utf-8"
_encoder = msgspec.json.Encoder()


def client_gone(_: Request, __: Exception) -> Response:
    """The client hung up before sending its whole body: nobody is left to answer, and it is no
    server error. Nothing was written, because bodies are read before any write."""
    return Response(status_code=400)


def allowed_methods(request: Request) -> str:
    """A 405's Allow header (RFC 9110 §15.5.6): every method this surface's routes take at the
    request's path. Starlette names only the first matching route's, and each route here has one."""
    methods: set[str] = set()
    for route in request.app.router.routes:
        match, _ = route.matches(request.scope)
        if match is not Match.NONE:
            methods.update(getattr(route, "methods", None) or ())
    return ", ".join(sorted(methods))


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(_encoder.encode(body), status, headers, media_type=JSON_TYPE)


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refusing anything over `limit` bytes before reading it all."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"body over {limit} bytes")
    chunks = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"body over {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def decode_object(body: bytes, empty_is: dict[str, Any] | None = None) -> dict[str, Any]:
    """The body as a JSON object. Arrays, scalars, bad UTF-8 and NaN/Infinity are malformed."""
    # Only no bytes at all is an empty body: "\x0b" or " " is malformed JSON, not {}.
    if not body and empty_is is not None:
        return dict(empty_is)
    try:
        value = msgspec.json.decode(body)
    except (msgspec.DecodeError, msgspec.ValidationError, RecursionError):
        value = None
    if not isinstance(value, dict):
        raise ValidationFailed(
            [FieldError("body", "invalid_json", "the body must be a JSON object")]
        )
    if b"\\u0000" in body and (field := _field_with_nul(value)):
        # PostgreSQL cannot store U+0000 in text; refused on every database, so they agree.
        raise ValidationFailed([FieldError(field, "invalid", f"{field} contains U+0000")])
    return value


def _field_with_nul(body: dict[str, Any]) -> str | None:
    """The top-level key whose value holds a NUL character anywhere (`body` for a key itself)."""

    def holds(value: Any) -> bool:
        if isinstance(value, str):
            return "\x00" in value
        if isinstance(value, dict):
            return any(holds(k) or holds(v) for k, v in value.items())
        if isinstance(value, list):
            return any(holds(v) for v in value)
        return False

    for key, value in body.items():
        if "\x00" in key:
            return "body"
        if holds(value):
            return key
    return None


def bearer_token(request: Request) -> str | None:
    """The token of an `Authorization: Bearer` header; '' for another scheme or an empty token."""
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, token = header.strip().partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""
