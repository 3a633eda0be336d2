"""The Cronofy-compatible /v1 surface: parse, call the core, render. No rules live here."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from msgspec import UNSET
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp

from turnout.auth import tickets
from turnout.auth.keys import (
    Principal,
)
from turnout.core import events, registrations
from turnout.core.changes import KEEP
from turnout.core.errors import CapacityReached, NotFound
from turnout.core.model import Event, Registration
from turnout.core.paging import PageKind, PageToken, page_total
from turnout.core.ports import WriteResult
from turnout.core.registrations import RegistrationChanges, takes_no_more_seats
from turnout.core.seats import seats_held
from turnout.ratelimit import Policy
from turnout.services import Services
from turnout.surfaces.access import Access, Guard
from turnout.surfaces.cronofy import admin, hubs, pages, parse, records, render
from turnout.surfaces.cronofy.errors import HANDLERS, core_error, too_many
from turnout.surfaces.http import (
    bearer_token,
    etag,
    header,
    json_response,
    precondition,
    read_body,
)
from turnout.surfaces.idempotency import Idempotency
from turnout.surfaces.operation import route
from turnout.surfaces.query import Query
from turnout.webhooks.routes import with_webhooks

T = TypeVar("T")
EVENT = "/bookable_events/{event_id}"
REGISTRATION = EVENT + "/registrations/{registration_id}"


# A page token the Struct refuses (not OPAQUE) is one we never gave: 404, as one that fails its MAC.
PAGED = Query(records.Paged, {}, refuse=lambda _: NotFound("page token"))


def build(services: Services) -> ASGIApp:
    handlers = Handlers(services)
    routes = [
        route("/bookable_events", handlers.upsert_event, records.UPSERT_EVENT, "POST"),
        route("/bookable_events", handlers.list_events, records.LIST_EVENTS, "GET"),
        route(EVENT, handlers.read_event, records.READ_EVENT, "GET"),
        route(
            EVENT + "/registrations/pages/{token}",
            handlers.read_event_page,
            records.READ_EVENT_PAGE,
            "GET",
        ),
        route(
            EVENT + "/registrations",
            handlers.upsert_registration,
            records.UPSERT_REGISTRATION,
            "POST",
        ),
        route(
            EVENT + "/registrations", handlers.list_registrations, records.LIST_REGISTRATIONS, "GET"
        ),
        route(REGISTRATION, handlers.read_registration, records.READ_REGISTRATION, "GET"),
        route(REGISTRATION, handlers.delete_registration, records.DELETE_REGISTRATION, "DELETE"),
        route("/availability", handlers.availability, records.AVAILABILITY_QUERY, "POST"),
        *hubs.routes(services),  # notification-hub management, for admin keys
        *admin.routes(services),  # turnout's extension: an admin key manages its tenant's keys
    ]
    routed = Starlette(routes=routes, exception_handlers=HANDLERS)
    # No 307 from `/x/` to `/x`: Starlette builds that Location from the request's Host header, and
    # every absolute URL turnout emits starts with TURNOUT_PUBLIC_URL. A trailing slash is a 404.
    routed.router.redirect_slashes = False
    app = Idempotency(routed, services, core_error)
    settings = services.settings
    per_tenant = []
    if settings.rate_limits:  # Cronofy documents 50 requests a second and 500 a minute
        per_tenant = [
            Policy("per-tenant-second", settings.rate_limit_v1_per_second, 1),
            Policy(
                "per-tenant-minute",
                settings.rate_limit_v1_per_minute,
                settings.debug_rate_limit_minute_seconds,
            ),
        ]
    # The webhooks extension (docs/WEBHOOKS.md) shares this surface's keys, limits and errors.
    return Guard(with_webhooks(app, services, HANDLERS), services, access(per_tenant))


def access(per_tenant: list[Policy]) -> Access:
    """/v1's configuration of the shared layer (surfaces/access.py): a bearer key, limits per
    tenant, and the RateLimit-Policy and RateLimit headers of the limit that applied."""
    return Access(
        credential=bearer_token,
        render_error=core_error,
        too_many=too_many,
        budget=lambda principal, _: (
            (per_tenant, f"tenant:{principal.tenant_id}") if per_tenant else None
        ),
    )


class Handlers:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.rendered = pages.RenderedRows(self._ticket)

    @property
    def page_size(self) -> int:
        return self.services.settings.page_size

    @staticmethod
    def _principal(request: Request) -> Principal:
        """The request's principal; its route's record says which scopes it needs (checked)."""
        principal: Principal = request.state.principal
        return principal

    async def _command(self, request: Request, parse_body: Callable[[bytes, str | None], T]) -> T:
        raw = await read_body(request, self.services.settings.max_body_bytes)
        return parse_body(raw, header(request, b"content-type"))

    # E1
    async def upsert_event(self, request: Request) -> Response:
        principal = self._principal(request)
        event_id, changes = await self._command(request, parse.event_upsert)
        event, _ = await events.put_event(
            self.services.store,
            principal.tenant_id,
            event_id,
            changes,
            precondition(request, principal),
            include_drafts=False,  # /v1 shows no drafts, so it cannot change them either
        )
        body = await self._event_page(event, page=1, after=0, size=self.page_size)
        return json_response(body, headers=etag(event))

    # E2
    async def read_event(self, request: Request) -> Response:
        principal = self._principal(request)
        event = await self._find_event(principal, request.path_params["event_id"])
        body = await self._event_page(event, page=1, after=0, size=self.page_size)
        return json_response(body, headers=etag(event))

    # E3
    async def read_event_page(self, request: Request) -> Response:
        principal = self._principal(request)
        event = await self._find_event(principal, request.path_params["event_id"])
        token = self._token(
            request.path_params["token"], PageKind.EVENT_REGISTRATIONS, principal, event
        )
        body = await self._event_page(event, token.page, token.after, token.size)
        return json_response(body, headers=etag(event))

    # E4
    async def upsert_registration(self, request: Request) -> Response:
        principal = self._principal(request)
        event_id = request.path_params["event_id"]
        registration_id, changes = await events.parse_for_event(
            self.services.store,
            principal.tenant_id,
            event_id,
            False,
            self._command(request, parse.registration_upsert),
        )
        try:
            result = await registrations.write_registration(
                self.services.store,
                principal.tenant_id,
                event_id,
                registration_id,
                changes,
                include_drafts=False,
                cancel_rule=takes_no_more_seats,
                first_page=self.page_size,
                precondition=precondition(request, principal),
            )
        except CapacityReached as refused:
            refused.field = await self._seats_asked_by(
                principal, event_id, registration_id, changes
            )
            raise
        return await self._registration_written(result)

    async def _seats_asked_by(
        self,
        principal: Principal,
        event_id: str,
        registration_id: str,
        changes: RegistrationChanges,
    ) -> str:
        """The field a capacity refusal names: guest_count when it rose on a registration that
        already holds seats (a status among those is a free move), else the status."""
        if changes.guest_count is KEEP:
            return "status"
        store = self.services.store
        event = await store.get_event(principal.tenant_id, event_id)
        current = event and await store.get_registration(event.pk, registration_id)
        return "guest_count" if seats_held(current or None) > 0 else "status"

    # E5
    async def delete_registration(self, request: Request) -> Response:
        principal = self._principal(request)
        result = await registrations.write_registration(
            self.services.store,
            principal.tenant_id,
            request.path_params["event_id"],
            request.path_params["registration_id"],
            registrations.CANCELLATION,
            include_drafts=False,
            cancel_rule=takes_no_more_seats,
            must_exist=True,
            first_page=self.page_size,
            precondition=precondition(request, principal),
        )
        return await self._registration_written(result)

    # E6
    async def list_registrations(self, request: Request) -> Response:
        principal = self._principal(request)
        event = await self._find_event(principal, request.path_params["event_id"])
        page, after, size = 1, 0, self.page_size
        given = PAGED.read(request.query_params).page_token
        if given is not UNSET:
            token = self._token(given, PageKind.REGISTRATION_LIST, principal, event)
            page, after, size = token.page, token.after, token.size
        rows, has_more, last_seq = await self.rendered.read(self.services.store, event, after, size)
        next_page = None
        if has_more:
            next_token = PageToken(
                PageKind.REGISTRATION_LIST,
                principal.tenant_id,
                event.pk,
                page + 1,
                size,
                last_seq,
            )
            next_page = self._url(
                f"/v1/bookable_events/{event.id}/registrations?page_token="
                + self.services.tokens.encode(next_token)
            )
        total = page_total(page, has_more, event.counts.total, size)
        return json_response(
            {
                "registrations": rows,
                "pages": render.pages(page, total, next_page),
            }
        )

    # E7
    async def availability(self, request: Request) -> Response:
        principal = self._principal(request)
        ids = await self._command(request, parse.availability_ids)
        found = await events.available(self.services.store, principal.tenant_id, ids)
        available = [render.availability(e) for e in found]
        return json_response({"available_bookable_events": available})

    # E8
    async def list_events(self, request: Request) -> Response:
        principal = self._principal(request)
        page, after, size = 1, 0, self.page_size
        given = PAGED.read(request.query_params).page_token
        if given is not UNSET:
            token = self._token(given, PageKind.EVENT_LIST, principal)
            page, after, size = token.page, token.after, token.size
        rows = await self.services.store.list_events(
            principal.tenant_id, after, size + 1, include_drafts=False
        )
        has_more = len(rows) > size
        rows = rows[:size]
        next_page = None
        if has_more:
            next_token = PageToken(
                PageKind.EVENT_LIST, principal.tenant_id, 0, page + 1, size, rows[-1].pk
            )
            next_page = self._url(
                "/v1/bookable_events?page_token=" + self.services.tokens.encode(next_token)
            )
        total = page
        if has_more:  # events have no kept counter; an event list may count rows
            count = await self.services.store.count_events(
                principal.tenant_id, include_drafts=False
            )
            total = page_total(page, has_more, count, size)
        return json_response(
            {
                "bookable_events": [render.event(e) for e in rows],
                "pages": render.pages(page, total, next_page),
            }
        )

    # E9
    async def read_registration(self, request: Request) -> Response:
        principal = self._principal(request)
        event = await self._find_event(principal, request.path_params["event_id"])
        registration = await registrations.find_registration(
            self.services.store, event, request.path_params["registration_id"]
        )
        return json_response(
            {"registration": render.registration(registration, self._ticket(event, registration))},
            headers=etag(registration),
        )

    # Shared

    async def _registration_written(self, result: WriteResult) -> Response:
        """E4 and E5 answer with the event, as Cronofy does, and the registration's ETag: the
        resource the write changed, and the one a following If-Match refers to."""
        body = await self._event_page(result.event, 1, 0, self.page_size, result.page)
        return json_response(body, headers=etag(result.registration))

    async def _find_event(self, principal: Principal, event_id: str) -> Event:
        return await events.find_event(
            self.services.store, principal.tenant_id, event_id, include_drafts=False
        )

    def _token(
        self, text: str, kind: PageKind, principal: Principal, event: Event | None = None
    ) -> PageToken:
        token = self.services.tokens.decode(
            text, kind, principal.tenant_id, event.pk if event else 0
        )
        if token is None:
            raise NotFound("page token")
        return token

    def _ticket(self, event: Event, registration: Registration) -> str:
        return tickets.ticket_code(
            self.services.secret, event.tenant_id, event.pk, registration.seq
        )

    def _url(self, path: str) -> str:
        return self.services.settings.base_url + path

    async def _event_page(
        self, event: Event, page: int, after: int, size: int, rows: list[Registration] | None = None
    ) -> dict[str, Any]:
        """The E2/E3 body: the event and one page of its registrations (read here unless a write
        brought them along, `size + 1` of them)."""
        if rows is None:
            shown = await self.rendered.read(self.services.store, event, after, size)
        else:
            shown = self.rendered.given(event, rows, size)
        has_more = shown.has_more
        body = render.event(event)
        body["registration"]["registrations"] = shown.rows
        if has_more or page > 1:
            next_page = None
            if has_more:
                token = PageToken(
                    PageKind.EVENT_REGISTRATIONS,
                    event.tenant_id,
                    event.pk,
                    page + 1,
                    size,
                    shown.last_seq,
                )
                next_page = self._url(
                    f"/v1/bookable_events/{event.id}/registrations/pages/"
                    + self.services.tokens.encode(token)
                )
            total = page_total(page, has_more, event.counts.total, size)
            body["registration"]["pages"] = render.pages(page, total, next_page)
        return body
