"""What a surface is to the rest of turnout: a package under surfaces/ that declares one `Surface`,
listed on one line of surfaces/registry.py. docs/ARCHITECTURE.md says how to add one."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Coroutine
from typing import Any

from starlette._utils import get_route_path
from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Match, Mount
from starlette.types import ASGIApp, Receive, Scope, Send

from turnout.services import Services
from turnout.surfaces.operation import Contract


@dataclasses.dataclass(frozen=True)
class Surface:
    name: str
    # Where it is mounted: a fixed prefix ("/v1"), or a pattern with parameters ("/{hub}"), which
    # claims every path it matches that nothing mounted before it claims (registry.py).
    path: str
    # The surface's ASGI app, given the shared services: typically surfaces/access.Guard around
    # surfaces/idempotency.Idempotency around a Starlette app with the surface's route table.
    build: Callable[[Services], ASGIApp]
    # A refusal made before routing, as this surface renders `status`: 431, headers too large
    # (surfaces/headers.py and connections.py); 408, a request too slow to arrive (connections.py).
    reject: Callable[[int], Response]
    # Work the surface needs done in each server process while it serves (say, purging expired
    # rows): started by the app's lifespan once the store is open, cancelled at shutdown.
    background: Callable[[Services], Coroutine[Any, Any, None]] | None = None
    # What every operation of the surface shares, for the OpenAPI document (surfaces/operation.py).
    contract: Contract | None = None

    @property
    def by_pattern(self) -> bool:
        return "{" in self.path

    def mount(self, services: Services) -> SurfaceMount:
        return SurfaceMount(self.path, self.build(services), surface=self)


class SurfaceMount(Mount):
    """A Mount that owns every path under its prefix, and a fixed prefix itself. Starlette's
    matches the rest with `.*`, which stops at a newline, so /v1/a%0Ab fell through to a plain-text
    404, without authentication, in neither surface's error shape; and `/v1` alone matched nothing,
    so the router redirected it to `/v1/`, with a Location taken from the Host header."""

    def __init__(self, path: str, app: ASGIApp, surface: Surface, **kwargs: Any) -> None:
        super().__init__(path, app, **kwargs)
        self.path_regex = re.compile(self.path_regex.pattern, re.DOTALL)
        self.surface = surface

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if get_route_path(scope) != self.path:
            return super().matches(scope)
        # `/v1` is the surface's `/`: authenticated, then its own 404.
        match, child = super().matches({**scope, "path": scope["path"] + "/"})
        return match, {**child, "path": scope["path"] + "/"}


class Prefixes:
    """The app, with a shortcut to the surfaces mounted at fixed prefixes (`/v1/`, `/api/v1/`): a
    request under one goes straight to its SurfaceMount, as the app's router would send it, without
    crossing the app's own error middlewares (the surface's app has its own) or matching every
    route mounted before it. Nothing mounted before a fixed prefix lies under it (checked here), so
    the router's answer is the same. Every other path takes the app's router."""

    def __init__(self, app: Starlette) -> None:
        self.app = app
        self.prefixes: list[tuple[str, SurfaceMount]] = []
        for i, route in enumerate(app.routes):
            if isinstance(route, SurfaceMount) and not route.surface.by_pattern:
                before = [getattr(r, "path", "") for r in app.routes[:i]]
                overlap = [p for p in before if p == route.path or p.startswith(route.path + "/")]
                if overlap:
                    raise ValueError(f"{overlap} would be routed before {route.path}")
                self.prefixes.append((route.path + "/", route))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path = get_route_path(scope)
            for prefix, mount in self.prefixes:
                if path.startswith(prefix):
                    match, child = mount.matches(scope)
                    if match is Match.FULL:
                        # What Starlette and its router leave in the scope on the way.
                        scope["app"] = self.app
                        scope["router"] = self.app.router
                        scope["route"] = mount
                        scope.update(child)
                        await mount.handle(scope, receive, send)
                        return
        await self.app(scope, receive, send)
