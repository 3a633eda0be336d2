"""Signing in and out, and setting a password from a one-time link."""

from __future__ import annotations

import hmac

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from turnout.auth import people
from turnout.core import times
from turnout.store.people import PeopleStore
from turnout.web import render
from turnout.web.guard import Guard, read_form


def _safe_next(target: str) -> str:
    """Only a path within the app: never another site (an open redirect)."""
    if target.startswith("/app/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/app/"


class SignIn:
    def __init__(self, guard: Guard) -> None:
        self.guard = guard
        self.max_body = guard.services.settings.max_body_bytes

    def _form(
        self, request: Request, template: str, status: int = 200, **context: object
    ) -> Response:
        token, new_seed = self.guard.form_token(request)
        response = render.page(request, template, status, csrf=token, **context)
        if new_seed is not None:
            self.guard.set_form_cookie(response, new_seed)
        return response

    async def show(self, request: Request) -> Response:
        return self._form(
            request, "signin.html", next=_safe_next(request.query_params.get("next", "")), error=""
        )

    async def submit(self, request: Request) -> Response:
        form = await read_form(request, self.max_body)
        self.guard.check_form_token(request, form.get("csrf", ""))
        email, target = form.get("email", "").strip(), _safe_next(form.get("next", ""))
        refused = await self.guard.limit_sign_in(request, email)
        if refused is not None:
            message = f"Too many sign-in attempts. Try again in {refused.retry_after} seconds."
            response = self._form(request, "signin.html", 429, next=target, error=message)
            response.headers["Retry-After"] = str(refused.retry_after)
            return response
        person = await people.check_password(self.guard.store, email, form.get("password", ""))
        if person is None:
            message = "That email and password do not match an account."
            return self._form(request, "signin.html", 400, next=target, error=message)
        token = await people.start_session(
            self.guard.store, self.guard.services.secret, person, times.now()
        )
        response = RedirectResponse(target, 303)
        self.guard.set_session_cookie(response, token)
        return response

    async def sign_out(self, request: Request, session: people.Session) -> Response:
        await PeopleStore(self.guard.store).end_session(session.token_hash)
        response = RedirectResponse("/app/signin", 303)
        self.guard.clear_session_cookie(response)
        return response

    async def sign_out_everywhere(self, request: Request, session: people.Session) -> Response:
        await PeopleStore(self.guard.store).end_sessions(session.person.id)
        response = RedirectResponse("/app/signin", 303)
        self.guard.clear_session_cookie(response)
        return response

    async def show_setup(self, request: Request) -> Response:
        token = request.query_params.get("token", "")
        return self._form(request, "setup.html", token=token, error="")

    async def submit_setup(self, request: Request) -> Response:
        form = await read_form(request, self.max_body)
        self.guard.check_form_token(request, form.get("csrf", ""))
        token, password = form.get("token", ""), form.get("password", "")
        if not hmac.compare_digest(password.encode(), form.get("confirm", "").encode()):
            return self._form(
                request, "setup.html", 400, token=token, error="The passwords differ."
            )
        try:
            done = await people.set_password(
                self.guard.store, self.guard.services.secret, token, password, times.now()
            )
        except people.PersonError as exc:
            return self._form(request, "setup.html", 400, token=token, error=str(exc) + ".")
        if not done:
            message = "This link has been used or has expired. Ask an owner for a new one (turnout user reset)."
            return self._form(request, "setup.html", 400, token=token, error=message)
        return RedirectResponse("/app/signin?set=1", 303)
