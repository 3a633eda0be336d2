"""API keys for the tenant (owners only): create one with scopes, shown once.

Listing and revoking keys arrive with the store's key methods (issue 12); until then the page
creates keys and says where to revoke them.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from turnout.auth import keys
from turnout.auth.people import Session
from turnout.core import times
from turnout.web import render
from turnout.web.guard import Guard, read_form

# The scopes offered on the page; `admin` is only made by the CLI (auth/keys.py).
OFFERED = ("read", "write")


class KeyPages:
    def __init__(self, guard: Guard) -> None:
        self.guard = guard

    async def show(self, request: Request, session: Session) -> Response:
        return render.page(
            request, "keys.html", created="", error="", scopes=OFFERED, csrf=session.csrf
        )

    async def create(self, request: Request, session: Session) -> Response:
        form = await read_form(request, self.guard.services.settings.max_body_bytes)
        scope, name = form.get("scope", ""), form.get("name", "").strip()[:100] or None
        if scope not in OFFERED:
            return render.page(
                request,
                "keys.html",
                422,
                created="",
                error="Choose read or write.",
                scopes=OFFERED,
                csrf=session.csrf,
            )
        key = await keys.create_key(
            self.guard.store,
            self.guard.services.secret,
            session.person.tenant_id,
            scope,
            name,
            times.now(),
        )
        return render.page(
            request, "keys.html", created=key, error="", scopes=OFFERED, csrf=session.csrf
        )
