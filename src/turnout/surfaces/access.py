"""What every surface's request passes first: the credential, then the rate limit.

One layer, configured per surface by an `Access`: where the credential is read from, which budgets
an authenticated request counts against, and how a refusal looks in the surface's own shape. The
order is the same everywhere: credential first, so an unknown path without a key is a 401, not a
404; then the limit. A request without a valid credential counts against the client address's
failed-authentication budget, which is stricter and shared by every surface; once that is spent the
answer is 429 rather than 401 (reliability.md SEC-8). Every response, refusals included, carries the
headers of the budget that applied (`Access.headers`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from turnout.core.errors import TurnoutError
from turnout.ratelimit import Decision, Policy
from turnout.services import Services
from turnout.surfaces.ratelimits import adding_headers, ietf_headers

# The budgets an authenticated request counts against, and the bucket it counts in; None: no limit.
Budget = tuple[Sequence[Policy], str]


@dataclasses.dataclass(frozen=True)
class Access:
    """A surface's authentication and rate-limit policy."""

    # The presented API key, or None; may raise a core error (say, two different keys).
    credential: Callable[[Request], str | None]
    # The surface's error for a refused credential (a core error: Unauthenticated, Forbidden...).
    render_error: Callable[[Request, Exception], Response]
    # The surface's 429.
    too_many: Callable[[Decision], Response]
    # Which budget a request from `principal` with `method` counts against.
    budget: Callable[[Any, str], Budget | None] = lambda _principal, _method: None
    # The rate-limit headers every response carries, from the decision that applied.
    headers: Callable[[Decision | None], dict[str, str]] = ietf_headers
    # For a surface with credentials of its own (Notification Hubs' SAS tokens): verifies the
    # request's and returns its principal (a Principal, or any object with `tenant_name`), or raises
    # a core error. None: the API key from `credential`, checked by the shared authenticator.
    authenticate: Callable[[Request], Awaitable[Any]] | None = None


class Guard:
    """Authenticates and limits each HTTP request, then passes it on with the principal in
    `scope["state"]`."""

    def __init__(self, app: ASGIApp, services: Services, access: Access) -> None:
        self.app = app
        self.services = services
        self.access = access

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        refusal: Response | None = None
        principal: Any = None
        decision: Decision | None = None
        try:
            principal = await self._authenticate(request)
        except TurnoutError as exc:
            refusal = self.access.render_error(request, exc)
            decision = await self.services.refuse_credential(
                scope["client"][0] if scope.get("client") else "-"
            )
        else:
            if (budget := self.access.budget(principal, scope["method"])) is not None:
                decision = await self.services.limit(*budget)
        if decision is not None and not decision.allowed:
            refusal = self.access.too_many(decision)
        headers = self.access.headers(decision)
        if refusal is not None:
            refusal.headers.update(headers)
            await refusal(scope, receive, send)
            return
        assert principal is not None
        scope.setdefault("state", {})
        scope["state"]["principal"] = principal
        scope["state"]["tenant"] = principal.tenant_name
        await self.app(scope, receive, adding_headers(send, headers))

    async def _authenticate(self, request: Request) -> Any:
        if self.access.authenticate is not None:
            return await self.access.authenticate(request)
        return await self.services.auth.authenticate(self.access.credential(request))
