"""A limit on the size of a request's headers (reliability.md LIM-2).

uvicorn with httptools reads headers of any size, so the limit is applied here, before anything
looks at them: over it, 431 in the shape of the surface the path would be routed to (each surface's
`reject`), or an empty JSON body elsewhere. It does not stop a client from making the server buffer
them first; a reverse proxy in front does (docs/API.md).
"""

from __future__ import annotations

from collections.abc import Sequence

from starlette.responses import Response
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Receive, Scope, Send

from turnout.surfaces.http import json_response
from turnout.surfaces.surface import SurfaceMount


class HeaderLimit:
    def __init__(self, app: ASGIApp, limit: int, routes: Sequence[BaseRoute]) -> None:
        self.app = app
        self.limit = limit
        self.routes = routes  # the app's route table, to find whose shape a refusal takes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            size = sum(len(name) + len(value) + 4 for name, value in scope["headers"])
            if size > self.limit:
                await self._refusal(scope, 431)(scope, receive, send)
                return
        await self.app(scope, receive, send)

    def _refusal(self, scope: Scope, status: int) -> Response:
        """The first route that would take the request decides, as the router would."""
        for route in self.routes:
            match, _ = route.matches(scope)
            if match != Match.NONE:
                if isinstance(route, SurfaceMount):
                    return route.surface.reject(status)
                break
        return json_response({}, status)
