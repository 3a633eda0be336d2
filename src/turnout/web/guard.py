"""Who is asking, and may they: sessions from the cookie, roles, CSRF, and sign-in limits.

Every page of the web app is an endpoint wrapped by `page(role)`, which the route table keeps on
the endpoint (`endpoint.role`), so tests can walk every page and check its guard. A form (any POST)
must carry the session's CSRF token, in the `csrf` field or the X-CSRF-Token header, and come from
this site (Origin, when the browser sends it); otherwise it is refused with 403 and changes nothing.
Forms shown before sign-in (sign-in, set password) use a double-submit token: an HMAC of a random
cookie, which another site can neither read nor set.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from turnout.auth import people
from turnout.core import times
from turnout.core.errors import NotFound
from turnout.ratelimit import Decision, Limiter, LocalLimiter, Policy
from turnout.services import Services

SESSION_COOKIE = "turnout_session"
FORM_COOKIE = "turnout_form"
Handler = Callable[[Request, people.Session], Awaitable[Response]]
Endpoint = Callable[[Request], Awaitable[Response]]


class Refused(Exception):
    """The request may not go ahead; `status` and `message` say why (rendered by web/pages.py)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class Guard:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.secure = services.settings.base_url.startswith("https://")
        minute = services.settings.debug_rate_limit_minute_seconds
        # Sign-in attempts, allowed or not: per client address, and per account (email).
        self.per_address = Policy("web-signin-per-address", 30, minute)
        self.per_account = Policy("web-signin-per-account", 10, minute)
        self._own_limiter: Limiter = LocalLimiter()

    @property
    def store(self) -> Any:
        return self.services.store

    async def session(self, request: Request) -> people.Session | None:
        token = request.cookies.get(SESSION_COOKIE)
        if not token or len(token) > 100:
            return None
        return await people.find_session(self.store, self.services.secret, token, times.now())

    def set_session_cookie(self, response: Response, token: str) -> None:
        response.set_cookie(
            SESSION_COOKIE,
            token,
            max_age=people.SESSION_SECONDS,
            path="/app",
            httponly=True,
            secure=self.secure,
            samesite="lax",
        )

    def clear_session_cookie(self, response: Response) -> None:
        response.delete_cookie(
            SESSION_COOKIE, path="/app", httponly=True, secure=self.secure, samesite="lax"
        )

    # Forms before sign-in

    def form_token(self, request: Request) -> tuple[str, str | None]:
        """The token for a form shown before sign-in, and the cookie seed to set if the browser
        has none yet (`set_form_cookie`)."""
        seed = request.cookies.get(FORM_COOKIE)
        if seed and len(seed) <= 100:
            return self._form_mac(seed), None
        seed = secrets.token_urlsafe(24)
        return self._form_mac(seed), seed

    def set_form_cookie(self, response: Response, seed: str) -> None:
        response.set_cookie(
            FORM_COOKIE, seed, path="/app", httponly=True, secure=self.secure, samesite="lax"
        )

    def _form_mac(self, seed: str) -> str:
        return hmac.new(self.services.secret, f"form:{seed}".encode(), hashlib.sha256).hexdigest()

    def check_form_token(self, request: Request, given: str) -> None:
        seed = request.cookies.get(FORM_COOKIE, "")
        self.check_origin(request)
        if not seed or not hmac.compare_digest(self._form_mac(seed), given):
            raise Refused(403, "This form has expired or came from another site. Reload the page.")

    def check_origin(self, request: Request) -> None:
        origin = request.headers.get("origin")
        if origin is None:  # not a browser, or a same-origin GET: the token still has to match
            return
        expected = urlsplit(str(request.base_url))
        got = urlsplit(origin)
        if (got.scheme, got.netloc) != (expected.scheme, expected.netloc):
            raise Refused(403, "This form came from another site; nothing was changed.")

    async def limit_sign_in(self, request: Request, email: str) -> Decision | None:
        if not self.services.settings.rate_limits:  # TURNOUT_RATE_LIMITS=off turns every limit off
            return None
        limiter = self.services.limiter or self._own_limiter
        address = request.client.host if request.client else "unknown"
        by_address = await limiter.hit([self.per_address], "web-ip:" + address)
        if not by_address.allowed:
            return by_address
        by_account = await limiter.hit([self.per_account], "web-account:" + email.lower()[:254])
        return None if by_account.allowed else by_account

    # Pages

    def page(self, role: str | None) -> Callable[[Handler], Endpoint]:
        """Wrap a handler: it runs only for a signed-in person whose role includes `role`."""

        def wrap(handler: Handler) -> Endpoint:
            async def endpoint(request: Request) -> Response:
                session = await self.session(request)
                if session is None:
                    return self._to_sign_in(request)
                if role is not None and not session.person.may(role):
                    raise Refused(
                        403, f"This page needs the {role} role; you are {session.person.role}."
                    )
                if request.method == "POST":
                    await self._check_csrf(request, session)
                request.state.session = session
                request.state.tenant = session.person.tenant_name  # for the access log
                return await handler(request, session)

            endpoint.role = role  # type: ignore[attr-defined]
            endpoint.__name__ = handler.__name__
            return endpoint

        return wrap

    def _to_sign_in(self, request: Request) -> Response:
        if request.method != "GET" or wants_json(request):
            raise Refused(401, "Your session has ended. Sign in again.")
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/app/signin?next={quote(target, safe='')}", 303)

    async def _check_csrf(self, request: Request, session: people.Session) -> None:
        self.check_origin(request)
        given = request.headers.get("x-csrf-token")
        if given is None:
            form = await read_form(request, self.services.settings.max_body_bytes)
            value = form.get("csrf")
            given = value if isinstance(value, str) else ""
        if not hmac.compare_digest(given.encode(), session.csrf.encode()):
            raise Refused(403, "This form has expired or came from another site. Reload the page.")


async def read_form(request: Request, max_bytes: int) -> dict[str, str]:
    """The posted form's text fields (cached on the request), refusing bodies over `max_bytes`."""
    cached = getattr(request.state, "form", None)
    if cached is not None:
        return dict(cached)
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise Refused(413, "That form is too large.")
    body = await request.body()
    if len(body) > max_bytes:
        raise Refused(413, "That form is too large.")
    text = body.decode("utf-8", "replace")
    fields = {k: without_nul(v) for k, v in parse_qsl(text, keep_blank_values=True)}
    request.state.form = fields
    return fields


def without_nul(text: str) -> str:
    """Text as the databases can store it: PostgreSQL refuses NUL in text, so it is dropped."""
    return text.replace("\x00", "")


def path_name(request: Request, name: str, limit: int = 256) -> str:
    """A path parameter naming a hub, rule, endpoint or message. With NUL (which PostgreSQL text
    cannot hold) or longer than any such name, it names nothing: NotFound, as a missing one."""
    value: str = request.path_params[name]
    if "\x00" in value or len(value) > limit:
        raise NotFound(name)
    return value


def query_text(request: Request, name: str, limit: int = 200) -> str:
    """A query parameter as text for a search: at most `limit` characters, without NUL."""
    return without_nul(request.query_params.get(name, ""))[:limit].strip()


def wants_json(request: Request) -> bool:
    """A request from the pages' own scripts (door page), which asks for JSON, not a page."""
    return "application/json" in request.headers.get("accept", "")
