"""The operations the app serves, found by walking its route table as the router sees it (as
starlette's `schemas.get_endpoints` does): turnout's own routes, then each registered surface's."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence
from typing import Any

from starlette.routing import BaseRoute, Route

from turnout.surfaces.operation import Contract, Documented, Operation
from turnout.surfaces.surface import SurfaceMount


@dataclasses.dataclass(frozen=True)
class Endpoint:
    path: str  # the full path template, /v1/bookable_events/{event_id}
    method: str
    route: Route
    contract: Contract | None  # None: turnout's own routes, which need no credential

    @property
    def operation(self) -> Operation | None:
        return self.route.operation if isinstance(self.route, Documented) else None


def routes_of(app: Any) -> list[BaseRoute]:
    """The routes under a surface's middleware. A layer that serves routes of its own beside the
    app it wraps (the /v1 webhook extensions) names them `extension`."""
    found: list[BaseRoute] = []
    while not hasattr(app, "routes"):
        if hasattr(app, "extension"):
            found += routes_of(app.extension)
        app = app.app
    return [*app.routes, *found]


def endpoints(routes: Sequence[BaseRoute]) -> Iterator[Endpoint]:
    """Every (path, method) served: the app's own routes in the schema (a page such as `/` or the
    web app's mount says `include_in_schema=False` or is a plain Mount), then each surface's."""
    for route in routes:
        if isinstance(route, SurfaceMount):
            contract = route.surface.contract
            for inner in routes_of(route.app):
                if isinstance(inner, Route):
                    yield from _methods(inner, route.path, contract)
        elif isinstance(route, Route) and route.include_in_schema:
            yield from _methods(route, "", None)


def _methods(route: Route, prefix: str, contract: Contract | None) -> Iterator[Endpoint]:
    for method in sorted((route.methods or {"GET"}) - {"HEAD"}):
        yield Endpoint(prefix + route.path, method, route, contract)
