"""What every /api/v1 request passes first: the credential, then the rate limit.

Every response, errors and 401s included, carries the rate-limit headers of the bucket that
applied: the key's (GET and other requests have separate budgets), or, without a valid key, the
client address's failed-authentication budget, which is stricter and shared with /v1; once that is
spent, the answer is 429 rather than 401 (reliability.md SEC-8). The headers are Webkasa's
X-RateLimit-* and the IETF draft's RateLimit-Policy and RateLimit (`surfaces/ratelimits.py`).
"""

from __future__ import annotations

import hmac

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from turnout.auth.keys import Principal
from turnout.core.errors import TurnoutError, Unauthenticated
from turnout.ratelimit import Decision, Policy
from turnout.services import Services
from turnout.surfaces.http import bearer_token
from turnout.surfaces.ratelimits import adding_headers, ietf_headers
from turnout.surfaces.webkasa.errors import core_error, rate_limited


def presented_key(request: Request) -> str | None:
    """`Authorization: Bearer` or `X-API-Key`; both only if they carry the same key."""
    bearer = bearer_token(request)
    header = request.headers.get("x-api-key")
    if (
        bearer is not None
        and header is not None
        and not hmac.compare_digest(bearer.encode(), header.strip().encode())
    ):
        raise Unauthenticated("two different keys")
    if bearer is not None:
        return bearer
    return None if header is None else header.strip()


class Guard:
    def __init__(
        self, app: ASGIApp, services: Services, budgets: tuple[Policy, Policy] | None
    ) -> None:
        self.app = app
        self.services = services
        self.budgets = budgets  # (GET, other methods) per key; None: limits are off

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        refusal: Response | None = None
        principal: Principal | None = None
        decision: Decision | None = None
        try:
            principal = await self.services.auth.authenticate(presented_key(request))
        except TurnoutError as exc:
            refusal = core_error(request, exc)
            decision = await self.services.refuse_credential(
                scope["client"][0] if scope.get("client") else "-"
            )
        else:
            if self.budgets is not None:
                budget = self.budgets[0 if scope["method"] in ("GET", "HEAD") else 1]
                decision = await self.services.limit([budget], "key:" + principal.key_prefix)
        if decision is not None and not decision.allowed:
            refusal = rate_limited(decision.retry_after, decision.binding.policy.name)
        headers = _headers(decision)
        if refusal is not None:
            refusal.headers.update(headers)
            await refusal(scope, receive, send)
            return
        assert principal is not None
        scope.setdefault("state", {})
        scope["state"]["principal"] = principal
        scope["state"]["tenant"] = principal.tenant_name
        await self.app(scope, receive, adding_headers(send, headers))


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
