"""What every write of both surfaces shares, added to their operations in one place: the
Idempotency-Key header, If-Match / If-None-Match where they are honoured, the ETag of every event and
registration representation, and the statuses these bring (400, 409, 412, 422, 428)."""

from __future__ import annotations

import copy
from typing import Any

from turnout.openapi.build import JSON_UTF8, ref

Operation = dict[str, Any]

# (path, method) of the writes that check If-Match / If-None-Match against the resource they change.
PRECONDITIONED = {
    ("/v1/bookable_events", "post"),
    ("/v1/bookable_events/{event_id}/registrations", "post"),
    ("/v1/bookable_events/{event_id}/registrations/{registration_id}", "delete"),
    ("/api/v1/events/{event_id}", "patch"),
    ("/api/v1/events/{event_id}/registrations/{registration_id}", "patch"),
    ("/api/v1/events/{event_id}/registrations/{registration_id}", "delete"),
    ("/api/v1/events/{event_id}/registrations/{registration_id}/check-in", "post"),
}
# (path, method) whose success answers with one event or one registration, and its ETag.
TAGGED = PRECONDITIONED | {
    ("/v1/bookable_events/{event_id}", "get"),
    ("/v1/bookable_events/{event_id}/registrations/pages/{token}", "get"),
    ("/v1/bookable_events/{event_id}/registrations/{registration_id}", "get"),
    ("/api/v1/events", "post"),
    ("/api/v1/events/{event_id}", "get"),
    ("/api/v1/events/{event_id}/registrations", "post"),
    ("/api/v1/events/{event_id}/registrations/{registration_id}", "get"),
}
_WRITES = ("post", "patch", "put", "delete")
_RETRY = {"type": "integer", "minimum": 1}


def annotate(paths: dict[str, dict[str, Operation]]) -> dict[str, dict[str, Operation]]:
    for path, item in paths.items():
        webkasa = path.startswith("/api/v1/")
        if not (webkasa or path.startswith("/v1/")):
            continue
        for method, operation in item.items():
            if (path, method) in TAGGED:
                _tag_successes(operation)
            if method in _WRITES:
                _idempotent(operation, webkasa)
            if (path, method) in PRECONDITIONED:
                _preconditioned(operation, webkasa)
    return paths


def _tag_successes(operation: Operation) -> None:
    etag = {
        "description": "The entity tag of the event or registration in this answer: it names the "
        "resource's state (for an event, its fields and counters), is the same on both surfaces "
        "and in every process, and changes with any change. Strong, for If-Match. On /v1 "
        "registration writes it is the registration's.",
        "required": True,
        "schema": {"type": "string", "pattern": '^"[0-9a-f]{24}"$'},
    }
    for status, response in operation["responses"].items():
        if status.startswith("2"):
            response.setdefault("headers", {})["ETag"] = etag


def _idempotent(operation: Operation, webkasa: bool) -> None:
    operation.setdefault("parameters", []).append(
        {
            "name": "Idempotency-Key",
            "in": "header",
            "required": False,
            "description": "Makes the write safe to retry: the first response under this key is "
            "stored for 24 hours and replayed byte for byte (with Idempotent-Replayed: true) to "
            "the same API key. 1–255 printable ASCII characters; a UUID is ideal.",
            "schema": {"type": "string", "minLength": 1, "maxLength": 255},
        }
    )
    _add(
        operation,
        "400",
        webkasa,
        "INVALID_HEADER: Idempotency-Key, If-Match or If-None-Match is malformed (a key must be "
        "1–255 printable ASCII characters, sent once).",
        ("INVALID_HEADER", "idempotency_key", "invalid"),
    )
    _add(
        operation,
        "409",
        webkasa,
        "IDEMPOTENCY_IN_PROGRESS (idempotency_in_progress on /v1): a request with this "
        "Idempotency-Key has not finished; retry after Retry-After seconds.",
        ("IDEMPOTENCY_IN_PROGRESS", "idempotency_key", "idempotency_in_progress"),
        {"Retry-After": {"description": "Seconds to wait.", "required": True, "schema": _RETRY}},
    )
    _add(
        operation,
        "422",
        webkasa,
        "IDEMPOTENCY_KEY_REUSED (idempotency_key_reused on /v1): this Idempotency-Key was used "
        "with a different request.",
        ("IDEMPOTENCY_KEY_REUSED", "idempotency_key", "idempotency_key_reused"),
    )


def _preconditioned(operation: Operation, webkasa: bool) -> None:
    operation["parameters"] += [
        {
            "name": "If-Match",
            "in": "header",
            "required": False,
            "description": "Write only if the resource's current ETag is one of these (or, with "
            "*, if it exists). A write that would change nothing succeeds anyway: a retried write "
            "is not a conflict.",
            "schema": {"type": "string"},
        },
        {
            "name": "If-None-Match",
            "in": "header",
            "required": False,
            "description": "With *, write only if the resource does not exist yet.",
            "schema": {"type": "string"},
        },
    ]
    _add(
        operation,
        "412",
        webkasa,
        "PRECONDITION_FAILED (etag_mismatch on /v1): If-Match or If-None-Match does not hold.",
        ("PRECONDITION_FAILED", "if_match", "etag_mismatch"),
    )
    _add(
        operation,
        "428",
        webkasa,
        "PRECONDITION_REQUIRED (precondition_required on /v1): the tenant requires If-Match or "
        "If-None-Match on writes.",
        ("PRECONDITION_REQUIRED", "if_match", "precondition_required"),
    )


def _add(
    operation: Operation,
    status: str,
    webkasa: bool,
    description: str,
    codes: tuple[str, str, str],
    headers: dict[str, Any] | None = None,
) -> None:
    """Document `status` with an example, or widen it if the operation already has the status.

    `codes`: the Webkasa code, and the /v1 field and key, of the error this adds.
    """
    code, field, key = codes
    if not webkasa:  # /v1's own words: its error key, never Webkasa's code
        description = f"errors.{key}: " + description.split(": ", 1)[1]
    responses = operation["responses"]
    if status in responses:
        response = responses[status]
        response["description"] += " Also " + description
        response.setdefault("headers", {}).update(headers or {})
        media = response["content"][JSON_UTF8]
        if webkasa:
            media.setdefault("examples", {})[code] = {"value": {"error": description, "code": code}}
        return
    limits = {
        name: spec
        for name, spec in responses.get("401", {}).get("headers", {}).items()
        if name.lower().startswith(("ratelimit", "x-ratelimit"))
    }
    if webkasa:
        example = {"error": description, "code": code}
        content = {"schema": ref("WebkasaError"), "examples": {code: {"value": example}}}
    else:
        error = {"key": f"errors.{key}", "description": description}
        content = {"schema": ref("ErrorObject"), "example": {"errors": {field: [error]}}}
    responses[status] = {
        "description": description,
        "headers": {**copy.deepcopy(limits), **(headers or {})},
        "content": {JSON_UTF8: content},
    }
    operation["responses"] = dict(sorted(responses.items()))
