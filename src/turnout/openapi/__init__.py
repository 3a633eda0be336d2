"""The OpenAPI 3.1 document for turnout's HTTP API, assembled from each surface's part."""

# Each surface's module contributes its path items and component schemas; a new surface adds its
# module and merges it in `document`. page.py serves any such document as the /docs reference.

from __future__ import annotations

from typing import Any

from turnout.config import Settings
from turnout.openapi import cronofy, hubs, keys, operability, webkasa, writes
from turnout.openapi.build import API_KEY, BEARER, HTTP_METHODS, shared_schemas
from turnout.openapi.links import add_links

__all__ = ["HTTP_METHODS", "document"]


def document(settings: Settings) -> dict[str, Any]:
    """The OpenAPI 3.1.0 document for a server configured by `settings`."""
    document = {
        "openapi": "3.1.0",
        "info": _info(),
        "servers": [{"url": settings.base_url}],
        "tags": _tags(),
        "paths": writes.annotate(
            {
                **operability.paths(),
                **cronofy.paths(settings),
                **hubs.paths(settings),
                **keys.paths(settings),
                **webkasa.paths(settings),
            }
        ),
        "components": {
            "schemas": {
                **shared_schemas(),
                **cronofy.schemas(),
                **hubs.schemas(),
                **keys.schemas(),
                **operability.schemas(),
                **webkasa.schemas(),
            },
            "securitySchemes": {BEARER: _bearer_scheme(), API_KEY: webkasa.api_key_scheme()},
        },
    }
    add_links(document)
    return document


def _info() -> dict[str, Any]:
    return {
        "title": "turnout API",
        "version": "1",
        "summary": "Self-hostable registrations: bookable events, seats, registrations, check-in.",
        "description": "\n\n".join(
            [
                "The /v1 surface speaks Cronofy's Bookable Events dialect, so the Cronofy SDKs "
                "(npm cronofy, PyPI pycronofy) work against turnout once pointed at this server. "
                "It is also turnout's native API: the extension fields (timezone, seats_taken, "
                "guest_count, notes, check-in data, created_at, updated_at) ride along in the "
                "same objects. Clients should ignore attributes they do not understand.",
                "Requests: bodies are JSON objects, sent as application/json with or without "
                "'; charset=utf-8' (a body with no Content-Type is read as JSON; an empty POST "
                "body counts as {}). Unknown body keys and query parameters, such as the "
                "bearer_token the Node SDK adds, are ignored; bodies on GET and DELETE are "
                "ignored. When an id is both in the path and in the body, the path wins.",
                "Responses: every success is 200 with Content-Type application/json; "
                "charset=utf-8, for reads and writes alike. Times are always "
                "YYYY-MM-DDTHH:MM:SSZ (UTC).",
                "Errors: 401 {} with RFC 6750's WWW-Authenticate (credential missing, malformed, "
                "unknown, revoked or expired; error_description says which); 403 {} (the key "
                "lacks the scope; error=insufficient_scope names it); 404 {} (unknown path, "
                "event, registration or page token; another tenant's objects look missing); 405 {} "
                "(known path, wrong method); 413 {} (body too large); 422 with the Cronofy error "
                "object (every validation failure, malformed JSON, and every capacity or "
                "cancelled-event refusal); 500 {}; 503 {} with Retry-After (database unavailable "
                "or contended). turnout's own headers add 400 (a malformed Idempotency-Key, "
                "If-Match or If-None-Match), 409 (idempotency_in_progress, with Retry-After), 412 "
                "(etag_mismatch) and 428 (precondition_required), in the 422 error object's "
                "shape. The credential is checked before the route, so "
                "an unknown /v1 path without a valid key is a 401. Every /v1 error body also "
                "carries turnout's turnout_error member, {code, problem, fix} (and on a 429, "
                "the limit that refused), beside Cronofy's; Cronofy's SDKs ignore it.",
                "The /api/v1 surface speaks Webkasa's Events and Registrations dialect over the "
                "same tenants, events and registrations. Keys go in Authorization: Bearer or "
                "X-API-Key, and each operation needs one scope (events:read, events:write, "
                "registrations:read or registrations:write; *:read grants the reads, * "
                'everything). Single objects are {"data": {...}}; lists are {"data": [...], '
                '"meta": {"total", "limit", "offset", "hasMore"}}. Creates are 201 '
                'with Location, other successes 200. Errors are {"error", "code", '
                '"details"?} (429: {"error", "code", "retry_after"} with Retry-After), '
                "checked in this order: credential 401, rate limit 429, scope 403, path objects "
                "404, body or query 422, state 409. Every response carries X-RateLimit-Limit, "
                "-Remaining and -Reset while rate limits are on.",
                "Rate limits: while they are on, every response on both surfaces carries "
                "RateLimit-Policy and RateLimit (draft-ietf-httpapi-ratelimit-headers-11), and "
                "every 429 carries Retry-After. Limits are fixed windows that start on the second "
                "or the minute; a refused request uses no quota. With TURNOUT_REDIS_URL set, all "
                "server processes share the counts.",
                "Retries and concurrency, on both surfaces: every write takes an "
                "Idempotency-Key (replayed for 24 hours to the same API key); every event and "
                "registration representation carries a strong ETag naming the resource's state; "
                "writes to existing resources honour If-Match and If-None-Match: * (412 when "
                "they do not hold, unless the write would change nothing), and a tenant may "
                "require one of them (428). See docs/RELIABILITY.md.",
            ]
        ),
        "license": {"name": "MIT", "identifier": "MIT"},
    }


def _tags() -> list[dict[str, str]]:
    return [
        {"name": "Bookable events", "description": "Create, update, read and list events."},
        {"name": "Registrations", "description": "Register people for an event, list and remove."},
        {"name": "Availability", "description": "Which events can still take registrations."},
        {
            "name": "Notification hubs",
            "description": "Managing Azure Notification Hubs-compatible hubs and SAS rules (admin "
            "keys); the hubs themselves are served at /{hub}/… (docs/NOTIFICATION_HUBS.md).",
        },
        {
            "name": keys.TAG,
            "description": "turnout's own /v1 operations, for a key with the admin scope: list, "
            "make, rotate and revoke the tenant's keys.",
        },
        {
            "name": "Webkasa events and registrations",
            "description": "The /api/v1 surface: Webkasa-compatible events, registrations and "
            "check-in.",
        },
        {"name": "Operability", "description": "Health checks and this documentation."},
    ]


def _bearer_scheme() -> dict[str, Any]:
    return {
        "type": "http",
        "scheme": "bearer",
        "description": (
            "A turnout tenant API key, sent as `Authorization: Bearer <API key>`. It plays the "
            "role of Cronofy's client_secret. A bearer_token in the body or query string is not a "
            "credential and is ignored. On /api/v1 the same key may be sent in X-API-Key instead."
        ),
    }
