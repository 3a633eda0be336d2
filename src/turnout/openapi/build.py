"""Small builders for OpenAPI schemas, responses and parameters, shared by every surface."""

from __future__ import annotations

from typing import Any

from turnout.core.limits import MAX_ID_LENGTH

Schema = dict[str, Any]

JSON_UTF8 = "application/json; charset=utf-8"  # every response
JSON_REQUEST = "application/json"  # what the SDKs send; the charset parameter is optional
ID_PATTERN = f"^[A-Za-z0-9_-]{{1,{MAX_ID_LENGTH}}}$"
OPAQUE_PATTERN = "^[A-Za-z0-9_-]+$"
UTC_PATTERN = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$"
BEARER = "bearerAuth"
API_KEY = "apiKeyAuth"  # /api/v1 only: X-API-Key
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def shared_schemas() -> dict[str, Schema]:
    """The component schemas these builders refer to, whichever surface uses them."""
    return {
        "Empty": {
            "type": "object",
            "maxProperties": 0,
            "description": "The body of most errors: {}.",
        },
    }


def ref(name: str) -> Schema:
    """A reference to a schema under components.schemas."""
    return {"$ref": f"#/components/schemas/{name}"}


def json_content(schema: Schema) -> dict[str, Any]:
    """A response's content: JSON with an explicit charset, as every response is sent."""
    return {JSON_UTF8: {"schema": schema}}


def ok(description: str, schema: Schema) -> dict[str, Any]:
    return {"description": description, "content": json_content(schema)}


def error(description: str, headers: dict[str, Any] | None = None) -> dict[str, Any]:
    """An error response with the empty-object body `{}`."""
    response: dict[str, Any] = {"description": description, "content": json_content(ref("Empty"))}
    if headers:
        response["headers"] = headers
    return response


def header(description: str, schema: Schema) -> dict[str, Any]:
    return {"description": description, "required": True, "schema": schema}


def ratelimit_headers(policies: str) -> dict[str, Any]:
    """RateLimit-Policy and RateLimit, as draft-ietf-httpapi-ratelimit-headers-11 defines them.

    `policies` says which policies the surface names. Both are sent only while rate limits are on,
    so neither is required.
    """
    when = " Sent on every response while rate limits are on (the operator can turn them off)."

    def items(first: str, second: str) -> Schema:
        item = rf'"[a-z-]+";{first}=\d+;{second}=\d+'
        return {"type": "string", "pattern": f"^{item}(, {item})*$"}

    return {
        "RateLimit-Policy": {
            "description": "The quota policies that apply, as a Structured Fields list: each "
            "item names a policy, with q, its quota in requests, and w, its window in seconds "
            '(e.g. `"per-key-reads";q=300;w=60`). ' + policies + when,
            "required": False,
            "schema": items("q", "w"),
        },
        "RateLimit": {
            "description": "What is left of each policy's quota, in the same order: r, the "
            "requests left in the current window, and t, the seconds until it ends (e.g. "
            '`"per-key-reads";r=42;t=17`). A request counts in every policy or in none; in a '
            "429, r is 0 for the policy that refused." + when,
            "required": False,
            "schema": items("r", "t"),
        },
    }


def request_body(schema_name: str, example: dict[str, Any]) -> dict[str, Any]:
    return {
        "required": True,
        "content": {JSON_REQUEST: {"schema": ref(schema_name), "example": example}},
    }


def object_schema(
    properties: dict[str, Schema], required: list[str], description: str = "", **extra: Any
) -> Schema:
    schema: Schema = {"type": "object"}
    if description:
        schema["description"] = description
    schema["properties"] = properties
    if required:
        schema["required"] = required
    schema.update(extra)
    return schema


def rendered(properties: dict[str, Schema], description: str = "") -> Schema:
    """A response object whose fields are all always present (render.py emits every one)."""
    return object_schema(properties, list(properties), description)


def spellings(words: list[str], nullable: bool = False) -> Schema:
    """A word the surface reads trimmed and case-insensitively. The schema admits any string (so it
    never forbids what the server accepts); the enum names the canonical spellings, which readers
    and test generators see first."""
    other = {"type": ["string", "null"] if nullable else "string"}
    return {"anyOf": [{"enum": words}, other]}


def id_schema(description: str) -> Schema:
    return {
        "type": "string",
        "pattern": ID_PATTERN,
        "maxLength": MAX_ID_LENGTH,
        "description": description,
    }


def utc(description: str, nullable: bool = False) -> Schema:
    return {
        "type": ["string", "null"] if nullable else "string",
        "format": "date-time",
        "pattern": UTC_PATTERN,
        "description": description,
        "examples": ["2025-01-24T12:30:00Z"],
    }


def count(description: str, maximum: int | None = None) -> Schema:
    schema: Schema = {"type": "integer", "minimum": 0, "description": description}
    if maximum is not None:
        schema["maximum"] = maximum
    return schema


def path_param(name: str, description: str, schema: Schema) -> dict[str, Any]:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": description,
        "schema": schema,
    }


def common_errors() -> dict[str, Any]:
    """The 401, 403, 429, 500 and 503 responses every /v1 operation can return."""
    return {
        "401": error(
            "No Authorization header, a scheme other than Bearer, an empty token, or an unknown "
            "or revoked key.",
            {"WWW-Authenticate": header("Always `Bearer`.", {"type": "string", "const": "Bearer"})},
        ),
        "403": error(
            "The key is recognised but lacks the scope (read or write) this operation needs."
        ),
        "429": error(
            "Over the tenant's request limit (by default 50 a second and 500 a minute), or too "
            "many failed authentications from this address; retry after the given delay.",
            {
                "Retry-After": header(
                    "Seconds to wait before retrying.", {"type": "integer", "minimum": 1}
                )
            },
        ),
        "500": error("Server fault."),
        "503": error(
            "The database is unreachable or contended; retry after the given delay.",
            {
                "Retry-After": header(
                    "Seconds to wait before retrying.", {"type": "integer", "minimum": 0}
                )
            },
        ),
    }


def too_large(limit: int) -> dict[str, Any]:
    return {"413": error(f"The request body is over the size limit ({limit} bytes).")}
