"""The `turnout_error` member of every /v1 error body: what went wrong and what to do about it.

Cronofy's bodies stay as they are (`{}`, `{"errors": {...}}`), which is what the SDKs read; this
one extra member rides along, as Cronofy's own clients are told to ignore members they do not
know. It is added in one place, to the finished response, so that every /v1 error table entry
gets it and none can forget it:

    {"turnout_error": {"code": "invalid_token", "problem": "...", "fix": "..."}}
"""

from __future__ import annotations

from typing import Any

import msgspec
from starlette.requests import Request
from starlette.responses import Response

from turnout.core import errors as core
from turnout.ratelimit import Decision
from turnout.surfaces import bearer
from turnout.surfaces.http import json_response

MEMBER = "turnout_error"

# (problem, fix) for the errors whose message is not already the problem.
_BY_CLASS: dict[type[Exception], tuple[str, str]] = {
    core.CapacityReached: (
        "the bookable event has no seat left for this registration ({exc})",
        "register fewer guests, raise registration.capacity on the event, or choose another event",
    ),
    core.EventCancelled: (
        "the bookable event is cancelled and takes no new seats",
        "re-confirm the event (POST it with status confirmed) or register for another",
    ),
    core.DuplicateRegistration: (
        "another active registration for this event has the same email",
        "update that registration instead, or cancel it first",
    ),
    core.RegistrationCancelled: (
        "the registration is cancelled",
        "register again with a new status, or leave it cancelled",
    ),
    core.PreconditionFailed: (
        "If-Match or If-None-Match does not hold: the resource changed since it was read",
        "read it again and retry with its current ETag in If-Match",
    ),
    core.PreconditionRequired: (
        "this tenant requires If-Match or If-None-Match on writes to existing resources",
        "send If-Match with the ETag from a read, or If-None-Match: * to create",
    ),
    core.IdempotencyInProgress: (
        "a request with this Idempotency-Key is still in progress",
        "retry after the Retry-After seconds; the first request's answer will be replayed",
    ),
    core.IdempotencyKeyReused: (
        "this Idempotency-Key was used with a different request",
        "use a new Idempotency-Key for a different request",
    ),
    core.PayloadTooLarge: (
        "the request body is too large ({exc})",
        "send a smaller body; the limit is TURNOUT_MAX_BODY_BYTES",
    ),
    core.Unavailable: (
        "turnout cannot serve this request just now",
        "retry after the Retry-After seconds",
    ),
}


def with_explanation(response: Response, request: Request, exc: BaseException) -> Response:
    """`response` (a /v1 error) with the turnout_error member naming `exc`'s problem and fix."""
    code, problem, fix = _explain(request, exc, response.status_code)
    return _add(response, {"code": code, "problem": problem, "fix": fix})


def rate_limited(response: Response, decision: Decision) -> Response:
    """A /v1 429 that says which limit refused and when to try again."""
    quota = decision.binding
    policy = quota.policy
    window = {1: "a second", 60: "a minute"}.get(policy.seconds, f"per {policy.seconds} s")
    if policy.name == "per-address-failed-auth":
        problem = (
            f"too many failed authentications from this address ({policy.limit} {window}); "
            "its requests are refused until the window ends"
        )
        fix = "check the API key (every failure counts), then retry after Retry-After seconds"
    else:
        problem = f"over this tenant's limit {policy.name} ({policy.limit} requests {window})"
        fix = "slow down: retry after Retry-After seconds"
    member = {"code": "rate_limited", "limit": policy.name, "problem": problem, "fix": fix}
    return _add(response, member)


def before_routing(status: int) -> dict[str, str]:
    """The member for a refusal made before the request reached /v1's routes: headers too large,
    or (connections.py) a request that arrived too slowly."""
    if status == 408:
        return {
            "code": "request_timeout",
            "problem": "the request's headers or body took longer to arrive than this server waits",
            "fix": "send the request again, whole and promptly (TURNOUT_HEADER_TIMEOUT_SECONDS, "
            "TURNOUT_BODY_TIMEOUT_SECONDS)",
        }
    if status == 431:
        return {
            "code": "headers_too_large",
            "problem": "the request's headers add up to more than this server takes",
            "fix": "send fewer or smaller headers (the limit is TURNOUT_MAX_HEADER_BYTES)",
        }
    return {"code": "error", "problem": "the request was refused", "fix": "see /docs"}


def _add(response: Response, member: dict[str, Any]) -> Response:
    try:
        body = msgspec.json.decode(response.body)
    except msgspec.DecodeError:
        return response
    if not isinstance(body, dict):
        return response
    body[MEMBER] = member
    headers = {
        name: value
        for name, value in response.headers.items()
        if name not in ("content-length", "content-type")
    }
    return json_response(body, response.status_code, headers)


def _explain(request: Request, exc: BaseException, status: int) -> tuple[str, str, str]:
    if isinstance(exc, core.Unauthenticated | core.Forbidden):
        problem, fix = bearer.problem_and_fix(exc)
        code = "invalid_token" if status == 401 else "insufficient_scope"
        if isinstance(exc, core.Unauthenticated) and not getattr(exc, "presented", True):
            code, fix = "no_credentials", _where_the_key_goes(request, fix)
        return code, problem, fix
    if isinstance(exc, core.ValidationFailed):
        fields = ", ".join(dict.fromkeys(e.field for e in exc.errors))
        return exc.code, str(exc), f"correct {fields} (see errors) and send the request again"
    if isinstance(exc, core.BadHeader):
        return exc.code, str(exc), "correct that header, or leave it out"
    if isinstance(exc, core.NotFound):
        return exc.code, *_missing(request, str(exc))
    for kind, (problem, fix) in _BY_CLASS.items():
        if isinstance(exc, kind):
            return getattr(exc, "code", "error"), problem.format(exc=exc), fix
    return _by_status(request, status)


def _where_the_key_goes(request: Request, fix: str) -> str:
    """The near misses of a key that was sent, but not where /v1 reads it."""
    authorization = request.headers.get("authorization", "")
    if request.headers.get("x-api-key"):
        return "X-API-Key is read by /api/v1 only; on /v1 send: Authorization: Bearer <key>"
    if authorization.startswith("tk_"):
        return "put the word Bearer before the key: Authorization: Bearer <key>"
    if authorization:
        scheme = authorization.split(" ", 1)[0]
        return f"/v1 takes Authorization: Bearer <key>, not the {scheme[:20]} scheme"
    return fix


def _missing(request: Request, what: str) -> tuple[str, str]:
    """Which object of the path is missing, without echoing its id: another tenant's object must
    answer exactly as a missing one does."""
    params = request.path_params
    event, registration = params.get("event_id"), params.get("registration_id")
    if what == "page token":
        return "the page token is not valid for this list", "start again from the first page"
    if registration is not None and what == registration:
        return (
            "the bookable event has no registration with this registration_id",
            "check the registration_id; list them with GET /v1/bookable_events/{id}/registrations",
        )
    if event is not None and what == event:
        return (
            "this tenant has no bookable event with this bookable_event_id on /v1 (drafts, made "
            "on /api/v1, are not shown here)",
            "check the bookable_event_id; list events with GET /v1/bookable_events",
        )
    return "nothing here has the id in the path", "check the ids in the path"


def _by_status(request: Request, status: int) -> tuple[str, str, str]:
    if status == 404:
        return (
            "no_such_path",
            f"/v1 has no operation at {request.url.path}",
            "check the path against the API reference at /docs",
        )
    if status == 405:
        return (
            "method_not_allowed",
            f"{request.method} is not allowed on {request.url.path}",
            "use a method listed in the Allow header",
        )
    if status >= 500:
        return "internal_error", "turnout failed to answer", "retry; if it persists, see the log"
    return "error", "the request was refused", "see the API reference at /docs"
