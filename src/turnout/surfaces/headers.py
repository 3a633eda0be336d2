"""A limit on the size of a request's headers (reliability.md LIM-2).

uvicorn with httptools reads headers of any size, so the limit is applied here, before anything
looks at them: over it, 431 in the surface's own shape. It does not stop a client from making the
server buffer them first; a reverse proxy in front does (docs/API.md).
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from turnout.surfaces.http import json_response
from turnout.surfaces.webkasa.errors import error


class HeaderLimit:
    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            size = sum(len(name) + len(value) + 4 for name, value in scope["headers"])
            if size > self.limit:
                if scope["path"] == "/api/v1" or scope["path"].startswith("/api/v1/"):
                    response = error(431, "HEADERS_TOO_LARGE", "Request headers are too large")
                else:
                    response = json_response({}, 431)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
