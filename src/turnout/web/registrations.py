"""The dashboard's registration pages: add one, change its status or party size, and its own page
with its history and its ticket."""

from __future__ import annotations

from typing import Any

import segno
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from turnout.auth.people import Session
from turnout.auth.tickets import ticket_code
from turnout.core import ids, registrations
from turnout.core.model import REGISTRATION_STATUSES, Event, Registration
from turnout.core.registrations import takes_no_more_seats
from turnout.store.base import WriteResult
from turnout.store.dashboard import Dashboard
from turnout.store.people import PeopleStore
from turnout.web import forms, render
from turnout.web.events import EventPages
from turnout.web.guard import read_form


class RegistrationPages:
    def __init__(self, events: EventPages) -> None:
        self.events = events
        self.guard = events.guard
        self.secret = events.guard.services.secret

    @property
    def store(self) -> Any:
        return self.guard.store

    async def _write(
        self, session: Session, event: Event, registration_id: str, changes: Any, must_exist: bool
    ) -> WriteResult:
        return await registrations.write_registration(
            self.store,
            session.person.tenant_id,
            event.id,
            registration_id,
            changes,
            include_drafts=True,
            cancel_rule=takes_no_more_seats,
            must_exist=must_exist,
        )

    async def add(self, request: Request, session: Session) -> Response:
        event = await self.events.event(request, session)
        form = await read_form(request, self.guard.services.settings.max_body_bytes)
        changes = forms.new_registration(form)
        result = await self._write(session, event, ids.new_id("reg_"), changes, must_exist=False)
        return RedirectResponse(
            f"/app/events/{event.id}/registrations/{result.registration.id}", 303
        )

    async def change(self, request: Request, session: Session) -> Response:
        event = await self.events.event(request, session)
        form = await read_form(request, self.guard.services.settings.max_body_bytes)
        registration_id = request.path_params["registration"]
        await self._write(
            session, event, registration_id, forms.registration_changes(form), must_exist=True
        )
        return RedirectResponse(f"/app/events/{event.id}/registrations/{registration_id}", 303)

    async def show(self, request: Request, session: Session) -> Response:
        event = await self.events.event(request, session)
        found = await registrations.find_registration(
            self.store, event, request.path_params["registration"]
        )
        code = self.ticket(event, found)
        return render.page(
            request,
            "registration.html",
            event=event,
            registration=found,
            history=await Dashboard(self.store).history(event.pk, found.id),
            last_check_in=await PeopleStore(self.store).last_check_in(event.pk, found.id),
            ticket=code,
            qr=Markup(
                segno.make(code, error="m").svg_inline(
                    scale=4, omitsize=True, title=f"Ticket {code}"
                )
            ),
            statuses=REGISTRATION_STATUSES,
            csrf=session.csrf,
        )

    def ticket(self, event: Event, registration: Registration) -> str:
        return ticket_code(self.secret, event.tenant_id, event.pk, registration.seq)
