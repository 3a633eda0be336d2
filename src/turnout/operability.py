"""turnout's own routes that need no credential (app.py serves them): their answers, declared
once, and their route records, from which the OpenAPI document describes them."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from msgspec import Meta

from turnout.surfaces.operation import Operation
from turnout.surfaces.shapes import Shape

TAG = "Operability"


class Health(Shape):
    status: Literal["ok"]


class Ready(Shape):
    status: Literal["ok"]
    database: Annotated[str, Meta(description="The store in use.", examples=["sqlite"])]
    rate_limits: Annotated[
        Literal["off", "in-process", "redis", "in-process (redis unreachable)"],
        Meta(
            description="Where rate limits are counted: in each process, or in Redis "
            "(TURNOUT_REDIS_URL). While Redis is unreachable they are counted in each process "
            "and the server stays ready."
        ),
    ]


class NotReady(Shape):
    status: Literal["unavailable"]
    database: Literal["unreachable"]


HEALTHZ = Operation(
    id="healthz",
    summary="Liveness",
    description="200 while the process is serving requests. Needs no credential.",
    tag=TAG,
    ok=Health,
)
READYZ = Operation(
    id="readyz",
    summary="Readiness",
    description="200 when the database answers a ping, 503 when it does not. Needs no credential.",
    tag=TAG,
    ok=Ready,
    answers={503: NotReady},
)
OPENAPI = Operation(
    id="openapiDocument",
    summary="This OpenAPI document",
    description="The OpenAPI 3.1 document describing this server. Needs no credential.",
    tag=TAG,
    ok=dict[str, Any],
)
DOCS = Operation(
    id="docs",
    summary="This documentation as HTML",
    description="A self-contained HTML page rendered from the OpenAPI document. Needs no "
    "credential.",
    tag=TAG,
    media="text/html; charset=utf-8",
    example_text="<!DOCTYPE html>…",
)
