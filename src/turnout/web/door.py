"""The door page: find a party by name, email or ticket code; check it in (all of it or some);
undo; live counts from every door (server-sent events, read from the event's counters)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response, StreamingResponse

from turnout.auth.people import Session
from turnout.auth.tickets import looks_like_ticket, read_ticket
from turnout.core import checkins, times
from turnout.core.errors import FieldError, ValidationFailed
from turnout.core.model import Event, Registration
from turnout.store.dashboard import Dashboard
from turnout.store.people import PeopleStore
from turnout.web import render
from turnout.web.events import EventPages
from turnout.web.guard import query_text, read_form, wants_json
from turnout.web.registrations import RegistrationPages

LIVE_POLL_SECONDS = 0.25  # how often a live stream reads its event's counters
LIVE_STREAM_SECONDS = 300
LOG_WAIT_TRIES = 6  # × 50 ms: how long a door waits for another door's check-in to be logged  # then the browser's EventSource reconnects (and re-checks the session)


class DoorPages:
    def __init__(self, events: EventPages, registrations: RegistrationPages) -> None:
        self.events = events
        self.registrations = registrations
        self.guard = events.guard

    @property
    def store(self) -> Any:
        return self.guard.store

    async def show(self, request: Request, session: Session) -> Response:
        event = await self.events.event(request, session)
        return render.page(request, "door.html", event=event, csrf=session.csrf)

    async def find(self, request: Request, session: Session) -> Response:
        event = await self.events.event(request, session)
        text = query_text(request, "q")
        if looks_like_ticket(text):
            return await self._ticket(event, text)
        found = await Dashboard(self.store).search(event.pk, text) if text else []
        return JSONResponse({"results": [await self._party(event, r) for r in found]})

    async def _ticket(self, event: Event, text: str) -> Response:
        ticket = read_ticket(self.guard.services.secret, text)
        if ticket is None or ticket.tenant_id != event.tenant_id:
            return JSONResponse({"results": [], "signal": "This is not one of our tickets."})
        dashboard = Dashboard(self.store)
        if ticket.event_pk != event.pk:
            other = await dashboard.event_title(event.tenant_id, ticket.event_pk)
            return JSONResponse(
                {"results": [], "signal": f"This ticket is for another event: {other}."}
            )
        found = await dashboard.by_seq(event.pk, ticket.seq)
        results = [] if found is None else [await self._party(event, found)]
        return JSONResponse({"results": results, "ticket": True})

    async def _party(
        self, event: Event, registration: Registration, lost_race: bool = False
    ) -> dict[str, Any]:
        metadata = registration.metadata or {}
        party: dict[str, Any] = {
            "id": registration.id,
            "name": str(metadata.get("name", "")),
            "email": str(metadata.get("email", "")),
            "status": registration.status,
            "party_size": registration.party_size,
            "checked_in": registration.checked_in_count,
            "cancelled": registration.status in ("declined", "removed"),
        }
        if registration.checked_in_count:
            party["checked_in_at"] = render.when(registration.checked_in_at, event.timezone)
            party["checked_in_by"] = await self._checked_in_by(event, registration, lost_race)
        return party

    async def _checked_in_by(
        self, event: Event, registration: Registration, lost_race: bool
    ) -> str:
        """Who made the party's latest check-in. The web app logs it just after the check-in
        commits, so a door that lost a race to another may ask a moment before the winner has
        logged it: it waits for the log a little, and otherwise the check-in came from the API."""
        people = PeopleStore(self.store)
        for attempt in range(LOG_WAIT_TRIES if lost_race else 1):
            if attempt:
                await asyncio.sleep(0.05)
            last = await people.last_check_in(event.pk, registration.id)
            if last is not None and last.at >= (registration.checked_in_at or 0):
                return last.person_email
        return "the API"

    async def check_in(self, request: Request, session: Session) -> Response:
        event = await self.events.event(request, session)
        form = await read_form(request, self.guard.services.settings.max_body_bytes)
        seen, present = _count(form.get("seen")), _count(form.get("present"))
        if seen is None or present is None:
            message = "seen and present are whole numbers"
            raise ValidationFailed([FieldError("present", "invalid", message)])
        registration_id = request.path_params["registration"]
        try:
            result = await checkins.check_in(
                self.store, session.person.tenant_id, event.id, registration_id, seen, present
            )
        except checkins.AlreadyCheckedIn as exc:
            if not wants_json(request) or exc.current is None:
                raise
            party = await self._party(event, exc.current, lost_race=True)
            return JSONResponse({"error": "already_checked_in", "party": party}, 409)
        await PeopleStore(self.store).log_check_in(
            event.pk, registration_id, session.person.email, present, times.now()
        )
        if not wants_json(request):  # a form on the dashboard's pages: back to where it was
            return RedirectResponse(f"/app/events/{event.id}/registrations/{registration_id}", 303)
        return JSONResponse(
            {"party": await self._party(result.event, result.registration), **_counts(result.event)}
        )

    async def live(self, request: Request, session: Session) -> Response:
        event = await self.events.event(request, session)
        return StreamingResponse(
            self._stream(request, event),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
        )

    async def _stream(self, request: Request, event: Event) -> AsyncIterator[str]:
        dashboard, last = Dashboard(self.store), None
        until = time.monotonic() + LIVE_STREAM_SECONDS
        while time.monotonic() < until and not await request.is_disconnected():
            current = await dashboard.event_counts(event.pk)
            if current != last:
                last = current
                yield "event: counts\ndata: " + _json(current) + "\n\n"
            await asyncio.sleep(LIVE_POLL_SECONDS)


def _counts(event: Event) -> dict[str, int]:
    return {"checked_in": event.checked_in, "expected": event.seats_taken}


def _json(counts: dict[str, int]) -> str:
    return "{" + ", ".join(f'"{k}": {int(v)}' for k, v in counts.items()) + "}"


def _count(raw: str | None) -> int | None:
    return int(raw) if raw is not None and raw.isdigit() and len(raw) <= 5 else None
