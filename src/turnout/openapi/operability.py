"""The operability operations, which need no credential: health checks and this documentation."""

from __future__ import annotations

from typing import Any

from turnout.openapi.build import Schema, ok, ref, rendered


def paths() -> dict[str, Any]:
    """The path items for /healthz, /readyz, /openapi.json and /docs."""
    return {
        "/healthz": {"get": _healthz()},
        "/readyz": {"get": _readyz()},
        "/openapi.json": {"get": _openapi_json()},
        "/docs": {"get": _docs()},
    }


def schemas() -> dict[str, Schema]:
    """The component schemas the health checks answer with."""
    return {
        "Health": rendered({"status": {"const": "ok"}}),
        "Ready": rendered(
            {
                "status": {"const": "ok"},
                "database": {
                    "type": "string",
                    "description": "The store in use.",
                    "examples": ["sqlite"],
                },
                "rate_limits": {
                    "enum": ["off", "in-process", "redis", "in-process (redis unreachable)"],
                    "description": "Where rate limits are counted: in each process, or in Redis "
                    "(TURNOUT_REDIS_URL). While Redis is unreachable they are counted in each "
                    "process and the server stays ready.",
                },
            }
        ),
        "NotReady": rendered(
            {"status": {"const": "unavailable"}, "database": {"const": "unreachable"}}
        ),
    }


def _healthz() -> dict[str, Any]:
    return {
        "operationId": "healthz",
        "tags": ["Operability"],
        "summary": "Liveness",
        "description": "200 while the process is serving requests. Needs no credential.",
        "responses": {"200": ok("The process is up.", ref("Health"))},
    }


def _readyz() -> dict[str, Any]:
    return {
        "operationId": "readyz",
        "tags": ["Operability"],
        "summary": "Readiness",
        "description": (
            "200 when the database answers a ping, 503 when it does not. Needs no credential."
        ),
        "responses": {
            "200": ok(
                "Ready; database names the database in use, rate_limits where limits are counted.",
                ref("Ready"),
            ),
            "503": ok("The database is unreachable.", ref("NotReady")),
        },
    }


def _openapi_json() -> dict[str, Any]:
    return {
        "operationId": "openapiDocument",
        "tags": ["Operability"],
        "summary": "This OpenAPI document",
        "description": "The OpenAPI 3.1 document describing this server. Needs no credential.",
        "responses": {"200": ok("The document.", {"type": "object"})},
    }


def _docs() -> dict[str, Any]:
    return {
        "operationId": "docs",
        "tags": ["Operability"],
        "summary": "This documentation as HTML",
        "description": (
            "A self-contained HTML page rendered from the OpenAPI document. Needs no credential."
        ),
        "responses": {
            "200": {
                "description": "The page.",
                "content": {"text/html; charset=utf-8": {"schema": {"type": "string"}}},
            }
        },
    }
