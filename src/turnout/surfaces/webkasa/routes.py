"""The Webkasa-compatible /api/v1 surface: parse, call the core, render. No rules live here."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp

from turnout.auth.keys import (
    Principal,
)
from turnout.core import events, registrations
from turnout.core.errors import CapacityReached, NotFound
from turnout.core.events import EventChanges
from turnout.core.ids import new_id
from turnout.core.model import Event, Registration
from turnout.core.ports import Store, WriteResult
from turnout.core.registrations import releases_or_holds_none
from turnout.ratelimit import Policy
from turnout.services import Services
from turnout.surfaces.http import etag, header, json_response, precondition, read_body
from turnout.surfaces.idempotency import Idempotency, id_seed
from turnout.surfaces.operation import route
from turnout.surfaces.webkasa import mapping, parse, records, render
from turnout.surfaces.webkasa.errors import HANDLERS, core_error
from turnout.surfaces.webkasa.guard import Guard

EVENT = "/events/{event_id}"
REGISTRATION = "/events/{event_id}/registrations/{registration_id}"

T = TypeVar("T")


def build(services: Services) -> ASGIApp:
    h = Handlers(services)
    routes = [
        route("/events", h.list_events, records.LIST_EVENTS, "GET"),
        route("/events", h.create_event, records.CREATE_EVENT, "POST"),
        route(EVENT, h.read_event, records.READ_EVENT, "GET"),
        route(EVENT, h.patch_event, records.UPDATE_EVENT, "PATCH"),
        route(EVENT + "/registrations", h.list_registrations, records.LIST_REGISTRATIONS, "GET"),
        route(EVENT + "/registrations", h.create_registration, records.CREATE_REGISTRATION, "POST"),
        route(REGISTRATION, h.read_registration, records.READ_REGISTRATION, "GET"),
        route(REGISTRATION, h.patch_registration, records.UPDATE_REGISTRATION, "PATCH"),
        route(REGISTRATION, h.cancel_registration, records.CANCEL_REGISTRATION, "DELETE"),
        route(REGISTRATION + "/check-in", h.check_in, records.CHECK_IN, "POST"),
    ]
    settings = services.settings
    budgets = None  # (GET, other methods) per key
    if settings.rate_limits:
        minute = settings.debug_rate_limit_minute_seconds
        budgets = (
            Policy("per-key-reads", settings.rate_limit_reads_per_minute, minute),
            Policy("per-key-writes", settings.rate_limit_writes_per_minute, minute),
        )
    app = Starlette(routes=routes, exception_handlers=HANDLERS)
    app.router.redirect_slashes = False  # as on /v1: no Location built from the Host header
    return Guard(Idempotency(app, services, core_error), services, budgets)


class Handlers:
    def __init__(self, services: Services) -> None:
        self.services = services

    @property
    def store(self) -> Store:
        return self.services.store

    @staticmethod
    def _principal(request: Request) -> Principal:
        """The request's principal; its route's record says which scope it needs (checked)."""
        principal: Principal = request.state.principal
        return principal

    async def _raw(self, request: Request) -> tuple[bytes, str | None]:
        """The body's bytes (at most the limit) and its Content-Type, for a parse.py reader."""
        raw = await read_body(request, self.services.settings.max_body_bytes)
        return raw, header(request, b"content-type")

    async def _event(self, principal: Principal, request: Request) -> Event:
        return await events.find_event(
            self.store, principal.tenant_id, request.path_params["event_id"], include_drafts=True
        )

    async def _fields(
        self, principal: Principal, request: Request, creating: bool
    ) -> dict[str, Any]:
        """The registration fields of the body (an unknown event is a 404 before any 422)."""

        async def parsing() -> dict[str, Any]:
            raw, content_type = await self._raw(request)
            return parse.registration_fields(raw, content_type, creating)

        event_id = request.path_params["event_id"]
        return await events.parse_for_event(
            self.store, principal.tenant_id, event_id, True, parsing()
        )

    async def _parsed(
        self, principal: Principal, request: Request, parse_body: Callable[[bytes, str | None], T]
    ) -> T:
        async def parsing() -> T:
            return parse_body(*await self._raw(request))

        event_id = request.path_params["event_id"]
        return await events.parse_for_event(
            self.store, principal.tenant_id, event_id, True, parsing()
        )

    def _url(self, path: str) -> str:
        return self.services.settings.base_url + "/api/v1" + path

    # W1
    async def list_events(self, request: Request) -> Response:
        principal = self._principal(request)
        wanted, include_counts, limit, offset = parse.event_query(request.query_params)
        found, total = await self.store.find_events(principal.tenant_id, wanted, limit, offset)
        return json_response(
            {
                "data": [render.event(e, include_counts) for e in found],
                "meta": render.page_meta(total, limit, offset, len(found)),
            }
        )

    # W2
    async def read_event(self, request: Request) -> Response:
        principal = self._principal(request)
        event = await self._event(principal, request)
        include_counts = parse.counted(request.query_params)
        return json_response({"data": render.event(event, include_counts)}, headers=etag(event))

    # W3
    async def create_event(self, request: Request) -> Response:
        principal = self._principal(request)
        given = parse.event_fields(*await self._raw(request), creating=True)
        start_at, end_at, tz = parse.merged_schedule(given.schedule, None)
        changes = EventChanges(start_at=start_at, end_at=end_at, timezone=tz, **given.fields)
        event, _ = await events.put_event(
            self.store, principal.tenant_id, new_id("evt_", id_seed()), changes
        )
        location = {"Location": self._url(f"/events/{event.id}")}
        return json_response({"data": render.event(event)}, 201, location | etag(event))

    # W4
    async def patch_event(self, request: Request) -> Response:
        principal = self._principal(request)
        await self._event(principal, request)  # 404 before validation
        given = parse.event_fields(*await self._raw(request), creating=False)

        def changes(old: Event | None) -> EventChanges:
            if old is None:
                raise NotFound("event")
            if not given.schedule:
                return EventChanges(**given.fields)
            current = {**render.local_schedule(old), "timezone": old.timezone}
            start_at, end_at, tz = parse.merged_schedule(given.schedule, current)
            return EventChanges(start_at=start_at, end_at=end_at, timezone=tz, **given.fields)

        event, _ = await events.put_event(
            self.store,
            principal.tenant_id,
            request.path_params["event_id"],
            changes,
            precondition(request, principal),
        )
        return json_response({"data": render.event(event)}, headers=etag(event))

    # W5
    async def list_registrations(self, request: Request) -> Response:
        principal = self._principal(request)
        event = await self._event(principal, request)
        reading, limit, offset = parse.registration_query(request.query_params)
        only = mapping.FILTERS[reading] if reading else None
        rows = await self.store.registrations_at(event.pk, only, offset, limit)
        total = mapping.count(event, reading)
        return json_response(
            {
                "data": [render.registration(r, event.id) for r in rows],
                "meta": render.page_meta(total, limit, offset, len(rows)),
            }
        )

    # W6
    async def create_registration(self, request: Request) -> Response:
        principal = self._principal(request)
        fields = await self._fields(principal, request, creating=True)
        event_id = request.path_params["event_id"]
        result = await self._write(
            request, event_id, new_id("reg_", id_seed()), fields, must_exist=False
        )
        location = self._url(f"/events/{event_id}/registrations/{result.registration.id}")
        headers = {"Location": location} | etag(result.registration)
        return json_response(self._registration(result), 201, headers)

    # W7
    async def read_registration(self, request: Request) -> Response:
        principal = self._principal(request)
        event = await self._event(principal, request)
        found = await registrations.find_registration(
            self.store, event, request.path_params["registration_id"]
        )
        return json_response({"data": render.registration(found, event.id)}, headers=etag(found))

    # W8
    async def patch_registration(self, request: Request) -> Response:
        principal = self._principal(request)
        fields = await self._fields(principal, request, creating=False)
        try:
            result = await self._write(
                request,
                request.path_params["event_id"],
                request.path_params["registration_id"],
                fields,
                must_exist=True,
            )
        except CapacityReached as refused:
            # Seats asked for by a status alone (say CANCELLED → CONFIRMED) are the status's.
            refused.field = "guest_count" if "guest_count" in fields else "status"
            raise
        return json_response(self._registration(result), headers=etag(result.registration))

    # W9
    async def cancel_registration(self, request: Request) -> Response:
        result = await self._write(
            request,
            request.path_params["event_id"],
            request.path_params["registration_id"],
            {"status": "CANCELLED"},
            must_exist=True,
        )
        return json_response(self._registration(result), headers=etag(result.registration))

    # W10
    async def check_in(self, request: Request) -> Response:
        principal = self._principal(request)
        count = await self._parsed(principal, request, parse.check_in_count)
        result = await registrations.write_registration(
            self.store,
            principal.tenant_id,
            request.path_params["event_id"],
            request.path_params["registration_id"],
            lambda old: registrations.check_in(count, old),
            include_drafts=True,
            cancel_rule=lambda old, new: False,  # no check-in at a cancelled event
            must_exist=True,
            precondition=precondition(request, principal),
        )
        return json_response(self._registration(result), headers=etag(result.registration))

    async def _write(
        self,
        request: Request,
        event_id: str,
        registration_id: str,
        fields: dict[str, Any],
        must_exist: bool,
    ) -> WriteResult:
        def changes(old: Registration | None) -> registrations.RegistrationChanges:
            return mapping.registration_changes(fields, old)

        principal: Principal = request.state.principal
        return await registrations.write_registration(
            self.store,
            principal.tenant_id,
            event_id,
            registration_id,
            changes,
            include_drafts=True,
            cancel_rule=releases_or_holds_none,
            must_exist=must_exist,
            unique_email=True,
            # W6 creates under a new id: there is nothing yet for a precondition to be about.
            precondition=precondition(request, principal) if must_exist else None,
        )

    @staticmethod
    def _registration(result: WriteResult) -> dict[str, Any]:
        return {"data": render.registration(result.registration, result.event.id)}
