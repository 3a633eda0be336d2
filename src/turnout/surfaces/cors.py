"""CORS for both API surfaces, per tenant, off by default (`turnout tenant set NAME --cors-origins`).

A preflight (OPTIONS with Access-Control-Request-Method) carries no key, so it names no tenant: it
is answered here, before authentication — never a failed authentication, never rate limited — and
allowed when any tenant allows its origin. The request that follows is then allowed, by
Access-Control-Allow-Origin on its response, only when its key's tenant lists the origin; an answer
without a tenant (a 401) is readable by any origin some tenant allows, so a page can show why.
"""

from __future__ import annotations

from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from turnout.services import Services

SURFACES = ("/v1/", "/api/v1/")
ALLOWED_METHODS = "GET, POST, PATCH, DELETE"
ALLOWED_HEADERS = "Authorization, Content-Type, X-API-Key, Idempotency-Key, If-Match, If-None-Match"
EXPOSED_HEADERS = (
    "ETag, Location, Retry-After, WWW-Authenticate, RateLimit, RateLimit-Policy, "
    "X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset"
)
PREFLIGHT_CACHE_SECONDS = "600"


class Cors:
    def __init__(self, app: ASGIApp, services: Services) -> None:
        self.app = app
        self.services = services

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(SURFACES):
            await self.app(scope, receive, send)
            return
        # Read from the scope, not through Starlette's Headers: every /v1 and /api/v1 request asks.
        names = [name for name, _ in scope["headers"]]
        if b"origin" not in names:
            await self.app(scope, receive, send)
            return
        origin = Headers(scope=scope)["origin"]
        if scope["method"] == "OPTIONS" and b"access-control-request-method" in names:
            await (await self._preflight(origin))(scope, receive, send)
            return
        state = scope.setdefault("state", {})  # where authentication leaves the principal

        async def send_allowing(message: Message) -> None:
            if message["type"] == "http.response.start":
                principal = state.get("principal")
                if principal is not None:  # another surface's principal may have no such setting
                    allowed = origin in getattr(principal, "cors_origins", ())
                else:
                    allowed = await self._known(origin)
                response_headers = MutableHeaders(scope=message)
                response_headers.append("Vary", "Origin")
                if allowed:
                    response_headers["Access-Control-Allow-Origin"] = origin
                    response_headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
            await send(message)

        await self.app(scope, receive, send_allowing)

    async def _known(self, origin: str) -> bool:
        return await self.services.store.cors_origin_known(origin)

    async def _preflight(self, origin: str) -> Response:
        headers = {"Vary": "Origin"}
        if await self._known(origin):
            headers |= {
                "Access-Control-Allow-Origin": origin,
                "Access-Control-Allow-Methods": ALLOWED_METHODS,
                "Access-Control-Allow-Headers": ALLOWED_HEADERS,
                "Access-Control-Max-Age": PREFLIGHT_CACHE_SECONDS,
            }
        return Response(status_code=204, headers=headers)
