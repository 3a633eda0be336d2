"""What every surface does the same way with HTTP: bodies, JSON, credentials, responses."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Match

from turnout.auth.keys import Principal
from turnout.core import etags
from turnout.core.errors import BadHeader, NotFound, PayloadTooLarge, Unauthenticated

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


def header_values(request: Request, name: bytes) -> list[str]:
    """Every value of the header `name` (lower case, as ASGI gives names), read from the scope.
    The hot path's look-ups go here rather than through Starlette's `Headers`, which is built anew
    for each Request and answers an absent header by raising and catching KeyError."""
    return [value.decode("latin-1") for field, value in request.scope["headers"] if field == name]


def header(request: Request, name: bytes) -> str | None:
    """The first value of the header `name`, or None."""
    for field, value in request.scope["headers"]:
        if field == name:
            return value.decode("latin-1")  # type: ignore[no-any-return]
    return None


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(_encoder.encode(body), status, headers, media_type=JSON_TYPE)


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refusing anything over `limit` bytes before reading it all."""
    declared = header(request, b"content-length")
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


def single_header(request: Request, name: str) -> str | None:
    """The one value of a credential header. Two of them are refused rather than one picked: a
    proxy and a client that each add one must not decide, by their order, whose key is used."""
    values = header_values(request, name.lower().encode("latin-1"))
    if len(values) > 1:
        raise Unauthenticated(f"several {name} headers")
    return values[0] if values else None


def bearer_token(request: Request) -> str | None:
    """The token of an `Authorization: Bearer` header; '' for another scheme or an empty token."""
    value = single_header(request, "authorization")
    if value is None:
        return None
    scheme, _, token = value.strip().partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def precondition(request: Request, principal: Principal) -> etags.Precondition:
    """The write's If-Match / If-None-Match, and the tenant's rule on requiring one."""
    return etags.Precondition(
        _tags(request, "If-Match"), _tags(request, "If-None-Match"), principal.require_precondition
    )


def _tags(request: Request, name: str) -> frozenset[str] | None:
    values = header_values(request, name.lower().encode("latin-1"))
    if not values:
        return None
    try:
        return etags.parse_tags(", ".join(values))
    except ValueError as exc:
        raise BadHeader(name, str(exc)) from None


def etag(resource: msgspec.Struct) -> dict[str, str]:
    return {"ETag": etags.of(resource)}


def path_name(request: Request, param: str, valid: Callable[[str], bool], what: str) -> str:
    """The path parameter `param`, or 404 when it is not `valid`: a name that cannot exist (one
    with a NUL in it, say) is not looked up, since PostgreSQL refuses NUL in text with an error
    (a 500; found by the HTTP fuzzer)."""
    name: str = request.path_params[param]
    if not valid(name):
        raise NotFound(f"no {what} {name!r}")
    return name
