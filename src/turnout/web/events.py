"""The dashboard's event pages: the list, create and edit, publish and cancel, and the event page
with its registrations table."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from turnout.auth.people import Session
from turnout.core import events
from turnout.core.errors import FieldError, ValidationFailed
from turnout.core.events import EventChanges
from turnout.core.model import EVENT_STATUSES, REGISTRATION_STATUSES, Event
from turnout.store.dashboard import Dashboard
from turnout.web import forms, render
from turnout.web.guard import Guard, query_text, read_form

# What each button on the event page does to the event's status.
_STATUS_ACTIONS = {"publish": "confirmed", "cancel": "cancelled", "unpublish": "draft"}


class EventPages:
    def __init__(self, guard: Guard) -> None:
        self.guard = guard
        self.max_body = guard.services.settings.max_body_bytes

    @property
    def store(self) -> Any:
        return self.guard.store

    async def event(self, request: Request, session: Session) -> Event:
        """The path's event, if it is this tenant's; NotFound otherwise (another tenant's too)."""
        return await events.find_event(
            self.store, session.person.tenant_id, request.path_params["event"], include_drafts=True
        )

    async def index(self, request: Request, session: Session) -> Response:
        status = request.query_params.get("status") or None
        search = query_text(request, "q")
        if status not in (None, *EVENT_STATUSES):
            status = None
        found = await Dashboard(self.store).events(session.person.tenant_id, status, search)  # type: ignore[arg-type]
        return render.page(
            request,
            "events.html",
            events=found,
            status=status or "",
            q=search,
            statuses=EVENT_STATUSES,
        )

    async def new(self, request: Request, session: Session) -> Response:
        return self._form(request, session, None, {}, [])

    def _form(
        self,
        request: Request,
        session: Session,
        event: Event | None,
        values: dict[str, str],
        errors: list[FieldError],
        status: int = 200,
    ) -> Response:
        if event is not None and not values:
            values = {
                "id": event.id,
                "title": event.title or "",
                "start": forms.local_input(event.start_at, event.timezone),
                "end": forms.local_input(event.end_at, event.timezone),
                "timezone": event.timezone,
                "capacity": "" if event.capacity is None else str(event.capacity),
                "location": event.location or "",
                "description": event.description or "",
            }
        return render.page(
            request,
            "event_form.html",
            status,
            event=event,
            values=values,
            errors={e.field: e.message for e in errors},
            csrf=session.csrf,
        )

    async def create(self, request: Request, session: Session) -> Response:
        form = await read_form(request, self.max_body)
        try:
            event_id = forms.event_id(form)
            changes = forms.event_changes(form)

            def only_new(old: Event | None) -> EventChanges:
                if old is not None:
                    raise ValidationFailed([FieldError("id", "taken", "an event has this id")])
                return changes

            event, _ = await events.put_event(
                self.store, session.person.tenant_id, event_id, only_new
            )
        except ValidationFailed as exc:
            return self._form(request, session, None, form, exc.errors, 422)
        return RedirectResponse(f"/app/events/{event.id}", 303)

    async def edit(self, request: Request, session: Session) -> Response:
        return self._form(request, session, await self.event(request, session), {}, [])

    async def update(self, request: Request, session: Session) -> Response:
        event = await self.event(request, session)
        form = await read_form(request, self.max_body)
        try:
            changes = forms.event_changes(form)
            await events.put_event(self.store, session.person.tenant_id, event.id, changes)
        except ValidationFailed as exc:
            return self._form(request, session, event, form, exc.errors, 422)
        return RedirectResponse(f"/app/events/{event.id}", 303)

    async def set_status(self, request: Request, session: Session) -> Response:
        event = await self.event(request, session)
        form = await read_form(request, self.max_body)
        wanted = _STATUS_ACTIONS.get(form.get("action", ""))
        if wanted is None:
            raise ValidationFailed(
                [FieldError("action", "invalid", "publish, cancel or unpublish")]
            )
        await events.put_event(
            self.store,
            session.person.tenant_id,
            event.id,
            EventChanges(status=wanted),  # type: ignore[arg-type]
        )
        return RedirectResponse(f"/app/events/{event.id}", 303)

    async def show(self, request: Request, session: Session) -> Response:
        event = await self.event(request, session)
        query = request.query_params
        status = query.get("status") or ""
        wanted = forms.status(status) if status in REGISTRATION_STATUSES else None
        search = query_text(request, "q")
        dashboard = Dashboard(self.store)
        page = None
        found = []
        if search:
            found = await dashboard.search(event.pk, search, limit=50)
        else:
            page = await dashboard.registrations(
                event.pk,
                wanted,
                after=_seq(query.get("after")) or 0,
                before=_seq(query.get("before")),
            )
            found = page.rows
        return render.page(
            request,
            "event.html",
            event=event,
            registrations=found,
            page=page,
            status=status if wanted else "",
            q=search,
            statuses=REGISTRATION_STATUSES,
            csrf=session.csrf,
        )


def _seq(raw: str | None) -> int | None:
    return int(raw) if raw and raw.isdigit() and len(raw) < 19 else None
