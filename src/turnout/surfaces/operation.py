"""The record each route carries: what the operation is, what it takes and answers, what it needs.

A route of a surface is a `Documented` route: a Starlette Route with its `Operation`. The record is
the one declaration of the operation's scopes (the route enforces them before the handler runs),
and the OpenAPI document (turnout/openapi) is derived from it: paths from the route tables, bodies
from the Structs it names, error answers from the surface's error table. A surface says how its
errors look and which headers every answer carries once, in its `Contract`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from turnout.config import Settings
from turnout.core.errors import (
    BadHeader,
    CapacityReached,
    FieldError,
    IdempotencyInProgress,
    IdempotencyKeyReused,
    PreconditionFailed,
    PreconditionRequired,
    ValidationFailed,
)

JSON = "application/json; charset=utf-8"  # every JSON answer
JSON_REQUEST = "application/json"  # what clients send; the charset parameter is optional


# Example refusals for records' `errors`, rendered by each surface's error table.
def invalid(field: str, code: str, message: str) -> ValidationFailed:
    return ValidationFailed([FieldError(field, code, message)])


def capacity_refused(asked: int, left: int, field: str) -> CapacityReached:
    refused = CapacityReached(asked, left)
    refused.field = field
    return refused


@dataclasses.dataclass(frozen=True)
class Link:
    """An OpenAPI link from this operation's success to `target` (an operation id): how a client,
    or a stateful fuzzer, chains create → read → update → delete. Values are runtime expressions."""

    name: str
    target: str
    parameters: Mapping[str, str] = dataclasses.field(default_factory=dict)
    body: Any = None
    description: str = ""


@dataclasses.dataclass(frozen=True)
class Operation:
    id: str  # the operationId: stable, links and fuzzing configuration name it
    summary: str
    description: str
    tag: str
    ok: Any = None  # the success body's type (a Struct); None: no body
    status: int = 200  # the success status
    answers: Mapping[int, Any] = dataclasses.field(default_factory=dict)  # other statuses' bodies
    body: Any = None  # the request body's type; None: the operation reads no body
    body_required: bool = True
    example: Any = None  # a request body example
    # Errors this operation answers beyond what every operation of its surface can (`Contract`):
    # instances, rendered by the surface's error table into the document's examples.
    errors: tuple[Exception, ...] = ()
    path: Mapping[str, Any] = dataclasses.field(default_factory=dict)  # path parameter → type
    query: Any = None  # a Struct whose fields are the query parameters
    scopes: tuple[str, ...] = ()  # every one is needed; checked before the handler runs
    etag: bool = False  # a success carries the ETag of the object it shows
    preconditions: bool = False  # honours If-Match / If-None-Match
    idempotent: bool = False  # accepts Idempotency-Key
    location: bool = False  # a success carries Location
    links: tuple[Link, ...] = ()
    request_media: str = JSON_REQUEST
    media: str = JSON  # the success body's media type
    request_example_text: str = ""  # for a non-JSON body (XML): the example, as sent
    example_text: str = ""  # for a non-JSON success body: the example, as answered


# What the shared write mechanisms refuse: Idempotency-Key (surfaces/idempotency.py) and If-Match /
# If-None-Match (surfaces/http.precondition, checked by the core).
IDEMPOTENCY_ERRORS: tuple[Exception, ...] = (
    BadHeader("Idempotency-Key", "must be 1 to 255 printable ASCII characters"),
    IdempotencyInProgress(),
    IdempotencyKeyReused(),
)
PRECONDITION_ERRORS: tuple[Exception, ...] = (
    PreconditionFailed("If-Match does not hold: the resource has changed"),
    PreconditionRequired("this tenant requires If-Match or If-None-Match"),
)


@dataclasses.dataclass(frozen=True)
class Contract:
    """What every operation of one surface shares, for the document."""

    # The surface's error table, as a function: an error (a core error or the surface's own) →
    # the response it renders, for path parameters `params`.
    render_error: Callable[[Exception, dict[str, str]], Response]
    # The errors any operation of the surface can answer, whatever it does (401, 500, 503, …).
    common: Callable[[Operation], tuple[Exception, ...]]
    # The Structs an error body may be; the first that decodes an example is the one documented.
    error_shapes: tuple[Any, ...] = ()
    # Headers every response carries (rate limits), as OpenAPI header objects.
    headers: Callable[[Settings], dict[str, Any]] = lambda _: {}
    # Security requirements of each operation (a list of OpenAPI requirement objects).
    security: tuple[dict[str, list[str]], ...] = ()
    # Answers made outside the error table (429, 500, 405): (status, example response).
    extra: Callable[[Operation], list[Response]] = lambda _: []
    # What an operation that takes Idempotency-Key, or honours If-Match, can answer besides.
    idempotency_errors: tuple[Exception, ...] = IDEMPOTENCY_ERRORS
    precondition_errors: tuple[Exception, ...] = PRECONDITION_ERRORS


class Documented(Route):
    """A Starlette Route with its Operation. Its scopes are checked here, before the handler: the
    principal the surface's guard authenticated must hold each (else Forbidden, in the surface's
    shape)."""

    def __init__(self, path: str, endpoint: Any, operation: Operation, method: str) -> None:
        self.operation = operation
        super().__init__(path, _requiring(operation.scopes, endpoint), methods=[method])


def _requiring(
    scopes: tuple[str, ...], endpoint: Callable[[Request], Awaitable[Response]]
) -> Callable[[Request], Awaitable[Response]]:
    if not scopes:
        return endpoint

    async def guarded(request: Request) -> Response:
        request.state.principal.require(*scopes)
        return await endpoint(request)

    return guarded


def route(
    path: str,
    endpoint: Callable[[Request], Awaitable[Response]],
    operation: Operation,
    method: str,
) -> Documented:
    return Documented(path, endpoint, operation, method)


def ratelimit_headers(policies: str) -> dict[str, Any]:
    """RateLimit-Policy and RateLimit (draft-ietf-httpapi-ratelimit-headers-11), as OpenAPI header
    objects; `policies` says which policies the surface names. Sent only while limits are on."""
    when = " Sent on every response while rate limits are on (the operator can turn them off)."

    def items(first: str, second: str) -> dict[str, Any]:
        item = rf'"[a-z-]+";{first}=\d+;{second}=\d+'
        return {"type": "string", "pattern": f"^{item}(, {item})*$"}

    return {
        "RateLimit-Policy": {
            "description": "The quota policies that apply, as a Structured Fields list: each item "
            "names a policy, with q, its quota in requests, and w, its window in seconds (e.g. "
            '`"per-key-reads";q=300;w=60`). ' + policies + when,
            "required": False,
            "schema": items("q", "w"),
        },
        "RateLimit": {
            "description": "What is left of each policy's quota, in the same order: r, the "
            "requests left in the current window, and t, the seconds until it ends (e.g. "
            '`"per-key-reads";r=42;t=17`). A request counts in every policy or in none; in a '
            "429, r is 0 for the policy that refused." + when,
            "required": False,
            "schema": items("r", "t"),
        },
    }
