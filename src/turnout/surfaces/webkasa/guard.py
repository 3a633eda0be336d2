"""What every /api/v1 request passes first: the credential, then the rate limit (the shared layer
in surfaces/access.py, configured here).

Every response, errors and 401s included, carries the rate-limit headers of the bucket that
applied: the key's (GET and other requests have separate budgets), or, without a valid key, the
client address's failed-authentication budget, which is stricter and shared with /v1; once that is
spent, the answer is 429 rather than 401 (reliability.md SEC-8). The headers are Webkasa's
X-RateLimit-* and the IETF draft's RateLimit-Policy and RateLimit (`surfaces/ratelimits.py`).
"""

from __future__ import annotations

import hmac

from starlette.requests import Request
from starlette.types import ASGIApp

from turnout.auth.keys import Principal
from turnout.core.errors import Unauthenticated
from turnout.ratelimit import Decision, Policy
from turnout.services import Services
from turnout.surfaces import access as access_layer
from turnout.surfaces.access import Access, Budget
from turnout.surfaces.http import bearer_token, single_header
from turnout.surfaces.ratelimits import ietf_headers
from turnout.surfaces.webkasa.errors import core_error, rate_limited


def presented_key(request: Request) -> str | None:
    """`Authorization: Bearer` or `X-API-Key`; both only if they carry the same key."""
    bearer = bearer_token(request)
    header = single_header(request, "x-api-key")
    if (
        bearer is not None
        and header is not None
        and not hmac.compare_digest(bearer.encode(), header.strip().encode())
    ):
        raise Unauthenticated("two different keys")
    if bearer is not None:
        return bearer
    return None if header is None else header.strip()


def access(budgets: tuple[Policy, Policy] | None) -> Access:
    """/api/v1's configuration of the shared layer (surfaces/access.py)."""

    def budget(principal: Principal, method: str) -> Budget | None:
        if budgets is None:
            return None
        return [budgets[0 if method in ("GET", "HEAD") else 1]], "key:" + principal.key_prefix

    return Access(
        credential=presented_key,
        render_error=core_error,
        too_many=lambda decision: rate_limited(decision.retry_after),
        budget=budget,
        headers=_headers,
    )


class Guard(access_layer.Guard):
    def __init__(
        self, app: ASGIApp, services: Services, budgets: tuple[Policy, Policy] | None
    ) -> None:
        super().__init__(app, services, access(budgets))
        self.budgets = budgets  # (GET, other methods) per key; None: limits are off


def _headers(decision: Decision | None) -> dict[str, str]:
    if decision is None:
        return {}
    quota = decision.binding
    return {
        "X-RateLimit-Limit": str(quota.policy.limit),
        "X-RateLimit-Remaining": str(quota.remaining),
        "X-RateLimit-Reset": str(quota.reset),
        **ietf_headers(decision),
    }
