"""Every operation of every surface, found by walking the app's route table — so a route added
tomorrow is fuzzed by construction — with a valid request for each to mutate: path parameters filled
with objects that exist, and the body of the operation's OpenAPI example."""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterator, Sequence
from typing import Any
from urllib.parse import unquote

from starlette.routing import BaseRoute, Match, Mount, Route

PARAM = re.compile(r"{(\w+)(?::\w+)?}")


@dataclasses.dataclass(frozen=True)
class Operation:
    method: str
    path: str  # the route's template, e.g. /api/v1/events/{event_id}
    example: dict[str, Any] | None  # the OpenAPI example body, if the operation takes one

    @property
    def params(self) -> list[str]:
        return PARAM.findall(self.path)

    def target(self, values: dict[str, str]) -> str:
        return PARAM.sub(lambda m: values[m.group(1)], self.path)


def walk(app: Any, prefix: str = "") -> Iterator[tuple[str, str]]:
    """(method, path) of every route under `app`, through middleware and mounts, and through the
    `extension` a middleware serves beside its app (webhooks/routes.WithWebhooks: /v1's webhook
    endpoints, kept out of the Cronofy route table)."""
    while not hasattr(app, "routes"):
        if hasattr(app, "extension"):
            yield from walk(app.extension, prefix)
        app = app.app  # middleware: authentication, idempotency, access log, …
    for route in app.routes:
        if prefix + route.path == "/app":
            continue  # the web app: HTML pages, not a surface; tests/test_web_dashboard.py fuzzes it
        if isinstance(route, Mount):
            if not hasattr(route.app, "routes") and not hasattr(route.app, "app"):
                continue  # a catch-all 404 below turnout's own paths (app.py): no operations
            yield from walk(route.app, prefix + route.path)
        elif isinstance(route, Route):
            for method in sorted((route.methods or {"GET"}) - {"HEAD"}):
                yield method, prefix + route.path


def operations(
    app: Any, document: dict[str, Any], undocumented: dict[tuple[str, str], Any]
) -> list[Operation]:
    """Every route, with its OpenAPI example body, or for a route the document leaves out its
    entry in `undocumented`."""
    found = []
    for method, path in walk(app):
        declared = document.get("paths", {}).get(path, {}).get(method.lower(), {})
        content = declared.get("requestBody", {}).get("content", {})
        example = content.get("application/json", {}).get("example")
        if example is None:
            example = undocumented.get((method, path))
        if example is None and method in ("POST", "PUT", "PATCH"):
            example = {}  # undeclared: still fuzzed, from an empty object
        found.append(
            Operation(method, path, json.loads(json.dumps(example)) if example else example)
        )
    return found


def top_routes(app: Any) -> Sequence[BaseRoute]:
    while not hasattr(app, "routes"):
        app = app.app
    return list(app.routes)


def surface_of(routes: Sequence[BaseRoute], path: str) -> str:
    """The name of the registered surface the router gives `path` to ('' for turnout's own routes
    and paths nobody takes) — so an answer's expected shape follows the routing, by construction."""
    scope = {"type": "http", "path": unquote(path.split("?")[0]), "root_path": "", "method": "GET"}
    for route in routes:
        if route.matches(scope)[0] is not Match.NONE:
            return str(getattr(getattr(route, "surface", None), "name", ""))
    return ""
