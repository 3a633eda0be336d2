"""The /v1 extensions for webhooks: endpoints, their secrets, and their deliveries (admin keys only).

An endpoint receives every change of the tenant, so these need the `admin` scope, not `write`.
Errors are the /v1 surface's (they are core errors, rendered by its table). These writes record no
Idempotency-Key claim, so a create's response, which holds the secret, is never stored for replay.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
from msgspec import UNSET, Meta, Struct, UnsetType
from starlette._utils import get_route_path
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from turnout.core import ids, times
from turnout.core.errors import FieldError, NotFound, ValidationFailed
from turnout.core.limits import whole
from turnout.services import Services
from turnout.surfaces.fields import Body, Words, given, read
from turnout.surfaces.http import json_response, path_name
from turnout.surfaces.operation import Documented, route
from turnout.surfaces.query import Query
from turnout.webhooks import manage
from turnout.webhooks.endpoints import MAX_DESCRIPTION, MAX_URL, Endpoint, render
from turnout.webhooks.guard import AllowList
from turnout.webhooks.store import Delivery, WebhookStore

PAGE_SIZE = 100
PREFIX = "/webhook_endpoints"

# The bodies, declared once. What a type cannot say is checked after the decode by
# webhooks/endpoints.py: an absolute https URL without credentials, known event types.
Url = Annotated[str, Meta(max_length=MAX_URL, description="an absolute https URL")]
EventTypes = Annotated[list[str], Meta(min_length=1, description='event types, or ["*"]')]
Description = Annotated[str, Meta(max_length=MAX_DESCRIPTION)] | None


class EndpointCreate(Struct):
    url: Url
    event_types: EventTypes = msgspec.field(default_factory=lambda: ["*"])
    description: Description = None
    signing: Literal["v1", "v1a"] = "v1"
    enabled: bool = True


class EndpointChange(Struct, forbid_unknown_fields=True):
    url: Url | UnsetType = UNSET
    event_types: EventTypes | UnsetType = UNSET
    description: Description | UnsetType = UNSET
    enabled: bool | UnsetType = UNSET


class Replay(Struct):
    since: Annotated[str, Meta(description="an RFC 3339 time")]


class Cursor(Struct):
    """The deliveries page's query: a cursor we gave is a delivery's number."""

    cursor: (
        Annotated[
            str,
            Meta(
                pattern=whole("[0-9]{1,18}"),
                description="next_cursor from the previous page; omit it for the first.",
            ),
        ]
        | UnsetType
    ) = UNSET


_SINCE = "since must be an RFC 3339 date-time"
WORDS: Words = {
    "url": {"*": ("invalid", f"url must be a string of at most {MAX_URL} characters")},
    "event_types": {"*": ("invalid", 'event_types must be a non-empty list of types, or ["*"]')},
    "description": {
        "*": ("invalid", f"description must be text of at most {MAX_DESCRIPTION} characters")
    },
    "signing": {"*": ("invalid", 'signing must be "v1" or "v1a"')},
    "enabled": {"*": ("invalid", "enabled must be true or false")},
    "since": {"*": ("invalid", _SINCE)},
    "cursor": {"*": ("invalid", "cursor is not one we gave")},
}
ENDPOINT_CREATE = Body(EndpointCreate, WORDS)
ENDPOINT_CHANGE = Body(EndpointChange, WORDS, closed=True)
REPLAY = Body(Replay, WORDS)
CURSOR = Query(Cursor, WORDS)


class WithWebhooks:
    """The /v1 surface, with the webhook endpoints beside its routes. They are kept out of its
    route table, which is the Cronofy contract; docs/WEBHOOKS.md documents them, and the OpenAPI
    document finds their routes as `extension`. `app` is the surface, so tests that walk `.app`
    still find its routes."""

    def __init__(self, app: ASGIApp, extension: ASGIApp) -> None:
        self.app = app
        self.extension = extension

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = get_route_path(scope) if scope["type"] == "http" else ""
        if path == PREFIX or path.startswith(PREFIX + "/"):
            await self.extension(scope, receive, send)
        else:
            await self.app(scope, receive, send)


def with_webhooks(app: ASGIApp, services: Services, handlers: Any) -> ASGIApp:
    extension = Starlette(routes=routes(services), exception_handlers=handlers)
    extension.router.redirect_slashes = False
    return WithWebhooks(app, extension)


def routes(services: Services) -> list[Documented]:
    from turnout.webhooks import records  # it documents the bodies declared above

    h = Handlers(services)
    base = PREFIX
    one = base + "/{endpoint_id}"
    return [
        route(base, h.create, records.CREATE, "POST"),
        route(base, h.list, records.LIST, "GET"),
        route(one, h.read, records.READ, "GET"),
        route(one, h.update, records.UPDATE, "PATCH"),
        route(one, h.delete, records.DELETE, "DELETE"),
        route(one + "/rotate_secret", h.rotate, records.ROTATE, "POST"),
        route(one + "/deliveries", h.deliveries, records.DELIVERIES, "GET"),
        route(one + "/deliveries/{message_id}/redeliver", h.redeliver, records.REDELIVER, "POST"),
        route(one + "/replay", h.replay, records.REPLAY, "POST"),
    ]


class Handlers:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.allow = AllowList.parse(services.settings.webhook_allow_networks)

    def _tenant(self, request: Request) -> int:
        return int(request.state.principal.tenant_id)  # an admin: the route's record requires it

    @property
    def ws(self) -> WebhookStore:
        return WebhookStore(self.services.store)

    async def _body(self, request: Request, declared: Body[Any]) -> Any:
        """The body, decoded against its declaration, or every field's error at once. The rules
        no type says (an https URL, known event types) are webhooks/manage.py's, shared with the
        `turnout webhook` command."""
        body, errors = await read(request, declared, self.services.settings.max_body_bytes)
        declared.fail(errors)
        return body

    async def create(self, request: Request) -> Response:
        tenant = self._tenant(request)
        body = msgspec.structs.asdict(await self._body(request, ENDPOINT_CREATE))
        endpoint, shown = await manage.create(
            self.ws, self.services.secret, tenant, body, self.allow.opens_any
        )
        return json_response({"webhook_endpoint": {**render(endpoint), **shown}}, 201)

    async def list(self, request: Request) -> Response:
        found = await self.ws.list_endpoints(self._tenant(request))
        return json_response({"webhook_endpoints": [render(e) for e in found]})

    async def read(self, request: Request) -> Response:
        endpoint = await self._endpoint(request)
        return json_response({"webhook_endpoint": render(endpoint)})

    async def update(self, request: Request) -> Response:
        tenant = self._tenant(request)
        body = given(await self._body(request, ENDPOINT_CHANGE))
        endpoint_id = _path_id(request, "endpoint_id")
        endpoint = await manage.update(self.ws, tenant, endpoint_id, body, self.allow.opens_any)
        return json_response({"webhook_endpoint": render(endpoint)})

    async def delete(self, request: Request) -> Response:
        await manage.delete(self.ws, self._tenant(request), _path_id(request, "endpoint_id"))
        return Response(status_code=204)

    async def rotate(self, request: Request) -> Response:
        tenant = self._tenant(request)
        endpoint_id = _path_id(request, "endpoint_id")
        endpoint, shown = await manage.rotate(self.ws, self.services.secret, tenant, endpoint_id)
        return json_response({"webhook_endpoint": {**render(endpoint), **shown}})

    async def deliveries(self, request: Request) -> Response:
        endpoint = await self._endpoint(request)
        cursor = CURSOR.read(request.query_params).cursor
        after = 0 if cursor is UNSET else int(cursor)
        found = await self.ws.deliveries(endpoint.pk, after, PAGE_SIZE + 1)
        body: dict[str, Any] = {"deliveries": [_delivery(d) for d in found[:PAGE_SIZE]]}
        if len(found) > PAGE_SIZE:
            body["next_cursor"] = str(found[PAGE_SIZE - 1].pk)
        return json_response(body)

    async def redeliver(self, request: Request) -> Response:
        endpoint = await self._endpoint(request)
        message_id = _path_id(request, "message_id")
        count = await self.ws.redeliver(endpoint.pk, message_id, 0, times.now())
        if not count:
            raise NotFound(message_id)
        return json_response({"redelivered": count}, 202)

    async def replay(self, request: Request) -> Response:
        """Send again every message made since `since` (RFC 3339), for an endpoint that was down."""
        endpoint = await self._endpoint(request)
        since = (await self._body(request, REPLAY)).since
        try:
            instant = times.parse_rfc3339(since)
        except ValueError:
            raise ValidationFailed([FieldError("since", "invalid", _SINCE)]) from None
        count = await self.ws.redeliver(endpoint.pk, None, instant, times.now())
        return json_response({"redelivered": count}, 202)

    async def _endpoint(self, request: Request) -> Endpoint:
        endpoint_id = _path_id(request, "endpoint_id")
        endpoint = await self.ws.get_endpoint(self._tenant(request), endpoint_id)
        if endpoint is None:
            raise NotFound(endpoint_id)
        return endpoint


def _delivery(d: Delivery) -> dict[str, Any]:
    return {
        "message_id": d.message_id,
        "type": d.type,
        "state": d.state,
        "attempts": d.attempts,
        "last_status": d.last_status,
        "last_error": d.last_error,
        "next_attempt_at": times.format_utc(d.next_attempt_at) if d.state == "pending" else None,
        "created_at": times.format_utc(d.created_at),
        "delivered_at": None if d.delivered_at is None else times.format_utc(d.delivered_at),
    }


def _path_id(request: Request, name: str) -> str:
    """An id from the path, or 404 if no stored id can look like it (one with a NUL in it reached
    PostgreSQL, which refuses NUL in text with an error: a 500, found by the HTTP fuzzer)."""
    return path_name(request, name, ids.could_exist, "id")
