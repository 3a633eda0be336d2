"""What no type can say: the document's introduction, its tags and security schemes, and the
words for the headers turnout's shared mechanisms read and send. Everything else in the document
is derived from the route records and the Structs they name."""

from __future__ import annotations

from typing import Any

JSON = "application/json; charset=utf-8"


def _header(description: str, schema: dict[str, Any], required: bool = True) -> dict[str, Any]:
    return {"description": description, "required": required, "schema": schema}


ETAG = _header(
    "The entity tag of the object in this answer: it names the resource's state (for an event, "
    "its fields and counters), is the same on every surface and in every process, and changes "
    'with any change. Strong, for If-Match (the hubs\' own are weak, W/"n").',
    {"type": "string"},
)
LOCATION = _header("The new object's URL, under the public base URL.", {"type": "string"})
# The headers an error answer carries, by name.
_RETRY = _header("Seconds to wait before retrying.", {"type": "integer", "minimum": 0})
ERROR_HEADERS = {
    "Retry-After": _RETRY,
    "WWW-Authenticate": _header(
        'RFC 6750: `Bearer realm="turnout"` when no key was sent; otherwise with '
        '`error="invalid_token"` (401) or `error="insufficient_scope"` (403) and an '
        "`error_description` naming the problem and the fix. SharedAccessSignature on the hubs.",
        {"type": "string"},
    ),
    "Allow": _header("The methods the path takes.", {"type": "string"}),
}
IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "Makes the write safe to retry: the first response under this key is stored "
    "for 24 hours and replayed byte for byte (with Idempotent-Replayed: true) to the same API "
    "key. 1–255 printable ASCII characters; a UUID is ideal.",
    "schema": {"type": "string", "minLength": 1, "maxLength": 255},
}
IF_MATCH = {
    "name": "If-Match",
    "in": "header",
    "required": False,
    "description": "Write only if the resource's current ETag is one of these (or, with *, if "
    "it exists). A write that would change nothing succeeds anyway: a retried write is not a "
    "conflict.",
    "schema": {"type": "string"},
}
IF_NONE_MATCH = {
    "name": "If-None-Match",
    "in": "header",
    "required": False,
    "description": "With *, write only if the resource does not exist yet.",
    "schema": {"type": "string"},
}

SECURITY_SCHEMES = {
    "bearerAuth": {
        "type": "http",
        "scheme": "bearer",
        "description": "A turnout tenant API key, sent as `Authorization: Bearer <API key>`. It "
        "plays the role of Cronofy's client_secret. A bearer_token in the body or query string "
        "is not a credential and is ignored. On /api/v1 the same key may be sent in X-API-Key "
        "instead.",
    },
    "apiKeyAuth": {
        "type": "apiKey",
        "in": "header",
        "name": "X-API-Key",
        "description": "/api/v1 only: the same tenant API key, sent as `X-API-Key: <API key>` "
        "instead of `Authorization: Bearer <API key>`. Sending both is allowed only when they "
        "carry the same key; two different keys are a 401.",
    },
    "sharedAccessSignature": {
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
        "description": "The Notification Hubs surface: `SharedAccessSignature sr=…&sig=…&se=…"
        "&skn=…`, made by the SDKs from a connection string that `turnout hub create` prints.",
    },
}

TAGS = {
    "Operability": "Health checks and this documentation.",
    "Bookable events": "Create, update, read and list events.",
    "Registrations": "Register people for an event, list and remove.",
    "Availability": "Which events can still take registrations.",
    "Managing keys (turnout extension)": "turnout's own /v1 operations, for a key with the "
    "admin scope: list, make, rotate and revoke the tenant's keys.",
    "Notification hubs": "Managing Azure Notification Hubs-compatible hubs and SAS rules (admin "
    "keys); the hubs themselves are served at /{hub}/… (docs/NOTIFICATION_HUBS.md).",
    "Webhooks (turnout extension)": "Webhook endpoints, their secrets and their deliveries "
    "(admin keys; docs/WEBHOOKS.md).",
    "Webkasa events and registrations": "The /api/v1 surface: Webkasa-compatible events, "
    "registrations and check-in.",
    "Notification Hubs (Azure-compatible)": "Device registrations (Atom XML) and installations "
    "(JSON) at /{hub}/…, for the Azure SDKs (docs/NOTIFICATION_HUBS.md).",
}

INTRODUCTION = [
    "The /v1 surface speaks Cronofy's Bookable Events dialect, so the Cronofy SDKs (npm cronofy, "
    "PyPI pycronofy) work against turnout once pointed at this server. It is also turnout's "
    "native API: the extension fields (timezone, seats_taken, guest_count, notes, check-in data, "
    "created_at, updated_at) ride along in the same objects. Clients should ignore attributes "
    "they do not understand.",
    "Requests: bodies are JSON objects, sent as application/json with or without "
    "'; charset=utf-8' (a body with no Content-Type is read as JSON; an empty POST body counts "
    "as {}). On /v1, unknown body keys and query parameters, such as the bearer_token the Node "
    "SDK adds, are ignored; bodies on GET and DELETE are ignored. When an id is both in the path "
    "and in the body, the path wins.",
    "Responses: /v1 successes are 200 with Content-Type application/json; charset=utf-8, for "
    "reads and writes alike (turnout's webhook extensions answer 201, 202 or 204 where each "
    "operation says). Times are always YYYY-MM-DDTHH:MM:SSZ (UTC).",
    "Errors: each operation lists the errors it can answer, with examples rendered by its "
    "surface's error table. Every /v1 error body carries turnout's turnout_error member, "
    "{code, problem, fix} (and on a 429, the limit that refused), beside Cronofy's; Cronofy's "
    "SDKs ignore it. The credential is checked before the route, so an unknown /v1 path without "
    "a valid key is a 401.",
    "The /api/v1 surface speaks Webkasa's Events and Registrations dialect over the same "
    "tenants, events and registrations. Keys go in Authorization: Bearer or X-API-Key. Single "
    'objects are {"data": {...}}; lists are {"data": [...], "meta": {"total", "limit", '
    '"offset", "hasMore"}}. Creates are 201 with Location, other successes 200. Errors are '
    '{"error", "code", "details"?}, checked in this order: credential 401, rate limit 429, '
    "scope 403, path objects 404, body or query 422, state 409.",
    "The Notification Hubs surface serves /{hub}/… for the Azure SDKs: SAS tokens, Atom XML "
    "registrations, JSON installations, XML errors (docs/NOTIFICATION_HUBS.md).",
    "Rate limits: while they are on, every response on /v1 and /api/v1 carries RateLimit-Policy "
    "and RateLimit (draft-ietf-httpapi-ratelimit-headers-11), and every 429 carries Retry-After. "
    "Limits are fixed windows that start on the second or the minute; a refused request uses no "
    "quota. With TURNOUT_REDIS_URL set, all server processes share the counts.",
    "Retries and concurrency: every write that lists Idempotency-Key takes one (replayed for 24 "
    "hours to the same API key); every event and registration representation carries a strong "
    "ETag naming the resource's state; writes that list If-Match honour it and If-None-Match: * "
    "(412 when they do not hold, unless the write would change nothing), and a tenant may "
    "require one of them (428). See docs/RELIABILITY.md.",
]
