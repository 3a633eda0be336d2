"""The OpenAPI 3.1 document for turnout's HTTP API, derived from the app's route table.

Paths come from walking the routes (walk.py); each operation from the record its route carries
(surfaces/operation.py), with its errors rendered by its surface's error table (derive.py); the
component schemas from the msgspec Structs the records name. prose.py holds the words no type can
say. page.py serves the document as the /docs reference.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgspec
from starlette.routing import BaseRoute

from turnout.config import Settings
from turnout.openapi import derive, prose
from turnout.openapi.walk import Endpoint, endpoints

__all__ = ["HTTP_METHODS", "document"]

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
REF = "#/components/schemas/{name}"


def document(settings: Settings, routes: Sequence[BaseRoute] | None = None) -> dict[str, Any]:
    """The OpenAPI 3.1.0 document for a server configured by `settings`, whose app has `routes`
    (by default, those of `build_app(settings)`)."""
    if routes is None:
        from turnout.app import build_app
        from turnout.openapi.walk import routes_of

        routes = routes_of(build_app(settings))
    found = [e for e in endpoints(routes) if e.operation is not None]
    kinds = [kind for e in found for kind in derive.types_of(e.operation)]  # type: ignore[arg-type]
    kinds += [shape for e in found if e.contract for shape in e.contract.error_shapes]
    schemas, components = msgspec.json.schema_components(kinds, ref_template=REF)
    by_type = {id(kind): schema for kind, schema in zip(kinds, schemas, strict=True)}
    surface_headers = {
        id(e.contract): e.contract.headers(settings) for e in found if e.contract is not None
    }

    def schema_of(kind: Any) -> dict[str, Any]:
        return dict(by_type[id(kind)])

    paths: dict[str, dict[str, Any]] = {}
    for e in found:
        headers = surface_headers.get(id(e.contract), {})
        paths.setdefault(e.path, {})[e.method.lower()] = derive.operation(e, schema_of, headers)
    return {
        "openapi": "3.1.0",
        "info": _info(),
        "servers": [{"url": settings.base_url}],
        "tags": _tags(found),
        "paths": paths,
        "components": {"schemas": components, "securitySchemes": prose.SECURITY_SCHEMES},
    }


def _info() -> dict[str, Any]:
    return {
        "title": "turnout API",
        "version": "1",
        "summary": "Self-hostable registrations: bookable events, seats, registrations, check-in.",
        "description": "\n\n".join(prose.INTRODUCTION),
        "license": {"name": "MIT", "identifier": "MIT"},
    }


def _tags(found: list[Endpoint]) -> list[dict[str, str]]:
    names = dict.fromkeys(e.operation.tag for e in found if e.operation is not None)
    return [{"name": name, "description": prose.TAGS.get(name, "")} for name in names]
