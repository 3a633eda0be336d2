"""A limit on the size of a request's headers (reliability.md LIM-2).

Over it, 431 in the shape of the surface the path would be routed to (each surface's `reject`), or
an empty JSON body elsewhere. Heads far over it never get here: the connection layer
(connections.py) cuts them off as they arrive, before they are buffered whole.
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
                await self.refusal(scope, 431)(scope, receive, send)
                return
        await self.app(scope, receive, send)

    def refusal(self, scope: Scope, status: int) -> Response:
        """The first route that would take the request decides, as the router would. Also asked
        by the connection layer (connections.py) for its 408 and 431 once it knows the path."""
        for route in self.routes:
            match, _ = route.matches(scope)
            if match != Match.NONE:
                if isinstance(route, SurfaceMount):
                    return route.surface.reject(status)
                break
        return json_response({}, status)
