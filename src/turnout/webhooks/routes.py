"""The /v1 extensions for webhooks: endpoints, their secrets, and their deliveries (admin keys only).

An endpoint receives every change of the tenant, so these need the `admin` scope, not `write`.
Errors are the /v1 surface's (they are core errors, rendered by its table). These writes record no
Idempotency-Key claim, so a create's response, which holds the secret, is never stored for replay.
"""

from __future__ import annotations

import re
from typing import Any

from starlette._utils import get_route_path
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from turnout.auth.keys import ADMIN
from turnout.core import limits, times
from turnout.core.errors import FieldError, NotFound, ValidationFailed
from turnout.services import Services
from turnout.surfaces.decoding import read_object
from turnout.surfaces.http import json_response
from turnout.webhooks import manage
from turnout.webhooks.endpoints import Endpoint, render
from turnout.webhooks.guard import AllowList
from turnout.webhooks.store import Delivery, WebhookStore

PAGE_SIZE = 100
PREFIX = "/webhook_endpoints"


class WithWebhooks:
    """The /v1 surface, with the webhook endpoints beside its routes. They are kept out of its
    route table, which is the Cronofy contract (and its OpenAPI document); docs/WEBHOOKS.md
    documents them. `app` is the surface, so tests that walk `.app` still find its routes."""

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


def routes(services: Services) -> list[Route]:
    h = Handlers(services)
    base = PREFIX
    one = base + "/{endpoint_id}"
    return [
        Route(base, h.create, methods=["POST"]),
        Route(base, h.list, methods=["GET"]),
        Route(one, h.read, methods=["GET"]),
        Route(one, h.update, methods=["PATCH"]),
        Route(one, h.delete, methods=["DELETE"]),
        Route(one + "/rotate_secret", h.rotate, methods=["POST"]),
        Route(one + "/deliveries", h.deliveries, methods=["GET"]),
        Route(one + "/deliveries/{message_id}/redeliver", h.redeliver, methods=["POST"]),
        Route(one + "/replay", h.replay, methods=["POST"]),
    ]


class Handlers:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.allow = AllowList.parse(services.settings.webhook_allow_networks)

    def _tenant(self, request: Request) -> int:
        principal = request.state.principal
        principal.require(ADMIN)
        return int(principal.tenant_id)

    @property
    def ws(self) -> WebhookStore:
        return WebhookStore(self.services.store)

    async def _body(self, request: Request) -> dict[str, Any]:
        return await read_object(request, self.services.settings.max_body_bytes)

    async def create(self, request: Request) -> Response:
        tenant = self._tenant(request)
        body = await self._body(request)
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
        body = await self._body(request)
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
        cursor = request.query_params.get("cursor", "0")
        if not cursor.isdigit() or len(cursor) > 18:
            raise ValidationFailed([FieldError("cursor", "invalid", "cursor is not one we gave")])
        found = await self.ws.deliveries(endpoint.pk, int(cursor), PAGE_SIZE + 1)
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
        since = (await self._body(request)).get("since")
        try:
            instant = times.parse_rfc3339(since) if isinstance(since, str) else None
        except ValueError:
            instant = None
        if instant is None:
            message = "since must be an RFC 3339 date-time"
            raise ValidationFailed([FieldError("since", "invalid", message)])
        count = await self.ws.redeliver(endpoint.pk, None, instant, times.now())
        return json_response({"redelivered": count}, 202)

    async def _endpoint(self, request: Request) -> Endpoint:
        endpoint_id = _path_id(request, "endpoint_id")
        endpoint = await self.ws.get_endpoint(self._tenant(request), endpoint_id)
        if endpoint is None:
            raise NotFound(endpoint_id)
        return endpoint


_ID = re.compile(rf"{limits.ID_PATTERN}\Z")  # we_… and msg_… ids fit it


def _path_id(request: Request, name: str) -> str:
    """An id from the path, or 404 if no id can look like it: one with a NUL in it reached
    PostgreSQL, which refuses NUL in text with an error (a 500; found by the HTTP fuzzer)."""
    value: str = request.path_params[name]
    if len(value) > limits.MAX_ID_LENGTH or not _ID.match(value):
        raise NotFound(value)
    return value


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
