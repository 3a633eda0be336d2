"""Webhook endpoints and their deliveries (owners only): what the /v1 webhook extensions and
`turnout webhook …` do, on pages. The rules are webhooks/manage.py's (URL, types, description,
signing); the deliveries and their redelivery are the webhook store's.

An endpoint's secret is shown once, when it is made or rotated, as the API answers with it; the
store keeps it sealed and no page shows it again.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from turnout.auth.people import Session
from turnout.core import localtime, times
from turnout.core.errors import FieldError, NotFound, ValidationFailed
from turnout.core.notices import NOTICE_TYPES
from turnout.web import render
from turnout.web.guard import Guard, path_name, read_form
from turnout.webhooks import manage
from turnout.webhooks.endpoints import MAX_DESCRIPTION, MAX_URL, Endpoint
from turnout.webhooks.guard import AllowList
from turnout.webhooks.store import WebhookStore

PAGE_SIZE = 50  # deliveries a page
LIMITS = {"url": MAX_URL, "description": MAX_DESCRIPTION}  # for the forms' maxlength hints


class WebhookPages:
    def __init__(self, guard: Guard) -> None:
        self.guard = guard
        services = guard.services
        self.allow_http = AllowList.parse(services.settings.webhook_allow_networks).opens_any

    @property
    def ws(self) -> WebhookStore:
        return WebhookStore(self.guard.store)

    async def _form(self, request: Request) -> dict[str, str]:
        return await read_form(request, self.guard.services.settings.max_body_bytes)

    # The list

    async def _index(
        self, request: Request, session: Session, status: int = 200, error: str = "", **typed: Any
    ) -> Response:
        found = await self.ws.list_endpoints(session.person.tenant_id)
        return render.page(
            request,
            "webhooks.html",
            status,
            endpoints=found,
            types=NOTICE_TYPES,
            limits=LIMITS,
            error=error,
            typed=typed,
            csrf=session.csrf,
        )

    async def index(self, request: Request, session: Session) -> Response:
        return await self._index(request, session)

    async def create(self, request: Request, session: Session) -> Response:
        form = await self._form(request)
        body = {**_endpoint_fields(form), "signing": form.get("signing", "v1")}
        try:
            endpoint, shown = await manage.create(
                self.ws, self.guard.services.secret, session.person.tenant_id, body, self.allow_http
            )
        except ValidationFailed as exc:
            return await self._index(
                request, session, 422, error=_errors(exc), url=form.get("url", "")
            )
        return await self._page(request, session, endpoint, shown=shown)

    # One endpoint

    async def _endpoint(self, request: Request, session: Session) -> Endpoint:
        endpoint_id = path_name(request, "endpoint")
        found = await self.ws.get_endpoint(session.person.tenant_id, endpoint_id)
        if found is None:
            raise NotFound(endpoint_id)
        return found

    async def _page(
        self,
        request: Request,
        session: Session,
        endpoint: Endpoint,
        status: int = 200,
        shown: dict[str, str] | None = None,
        note: str = "",
        error: str = "",
    ) -> Response:
        cursor = request.query_params.get("cursor", "0") if request.method == "GET" else "0"
        if not cursor.isdigit() or len(cursor) > 18:
            raise ValidationFailed([FieldError("cursor", "invalid", "cursor is not one we gave")])
        found = await self.ws.deliveries(endpoint.pk, int(cursor), PAGE_SIZE + 1)
        more = str(found[PAGE_SIZE - 1].pk) if len(found) > PAGE_SIZE else ""
        return render.page(
            request,
            "webhook.html",
            status,
            endpoint=endpoint,
            deliveries=found[:PAGE_SIZE],
            next_cursor=more,
            paged=cursor != "0",
            types=NOTICE_TYPES,
            limits=LIMITS,
            shown=shown or {},
            note=note,
            error=error,
            csrf=session.csrf,
        )

    async def show(self, request: Request, session: Session) -> Response:
        return await self._page(request, session, await self._endpoint(request, session))

    async def update(self, request: Request, session: Session) -> Response:
        endpoint = await self._endpoint(request, session)
        body = _endpoint_fields(await self._form(request))
        try:
            changed = await manage.update(
                self.ws, session.person.tenant_id, endpoint.id, body, self.allow_http
            )
        except ValidationFailed as exc:
            return await self._page(request, session, endpoint, 422, error=_errors(exc))
        return await self._page(request, session, changed, note="Saved.")

    async def set_enabled(self, request: Request, session: Session) -> Response:
        endpoint = await self._endpoint(request, session)
        enabled = (await self._form(request)).get("enabled") == "yes"
        changed = await manage.update(
            self.ws, session.person.tenant_id, endpoint.id, {"enabled": enabled}, self.allow_http
        )
        note = "Enabled: deliveries go out again." if enabled else "Disabled: nothing is sent."
        return await self._page(request, session, changed, note=note)

    async def rotate(self, request: Request, session: Session) -> Response:
        endpoint = await self._endpoint(request, session)
        rotated, shown = await manage.rotate(
            self.ws, self.guard.services.secret, session.person.tenant_id, endpoint.id
        )
        note = "The old secret also signs for a day, so the receiver can switch."
        return await self._page(request, session, rotated, shown=shown, note=note)

    async def delete(self, request: Request, session: Session) -> Response:
        endpoint = await self._endpoint(request, session)
        if (await self._form(request)).get("confirm") != "yes":
            return render.page(
                request,
                "confirm.html",
                title=f"Delete endpoint {endpoint.id}?",
                message=f"Nothing more is sent to {endpoint.url}, and it leaves this list; "
                "its deliveries are kept for the record.",
                action=f"/app/webhooks/{endpoint.id}/delete",
                button="Delete endpoint",
                back=f"/app/webhooks/{endpoint.id}",
                csrf=session.csrf,
            )
        await manage.delete(self.ws, session.person.tenant_id, endpoint.id)
        return RedirectResponse("/app/webhooks", 303)

    # Its deliveries

    async def redeliver(self, request: Request, session: Session) -> Response:
        endpoint = await self._endpoint(request, session)
        message_id = path_name(request, "message")
        if not await self.ws.redeliver(endpoint.pk, message_id, 0, times.now()):
            raise NotFound(message_id)
        note = f"Message {message_id} is queued to be sent again, from attempt 1."
        return await self._page(request, session, endpoint, note=note)

    async def replay(self, request: Request, session: Session) -> Response:
        endpoint = await self._endpoint(request, session)
        raw = (await self._form(request)).get("since", "").strip()
        try:
            day, _, clock = raw.partition("T")
            since = localtime.to_instant(
                localtime.parse_date(day), localtime.parse_time(clock[:5]), "UTC"
            )
        except ValueError:
            error = "Since is a date and time in UTC (YYYY-MM-DDTHH:MM)."
            return await self._page(request, session, endpoint, 422, error=error)
        count = await self.ws.redeliver(endpoint.pk, None, since, times.now())
        when = dt.datetime.fromtimestamp(since, dt.UTC).strftime("%Y-%m-%d %H:%M")
        note = f"{count} message(s) made since {when} UTC are queued to be sent again."
        return await self._page(request, session, endpoint, note=note)


def _endpoint_fields(form: dict[str, str]) -> dict[str, Any]:
    """The body manage.create/update take: url, description, event types (all, or those ticked)."""
    if form.get("all_types") == "on":
        types: list[str] = ["*"]
    else:
        types = [t for t in NOTICE_TYPES if form.get("type_" + t) == "on"]
    return {
        "url": form.get("url", "").strip(),
        "description": form.get("description", "").strip() or None,
        "event_types": types,
    }


def _errors(exc: ValidationFailed) -> str:
    return "; ".join(e.message for e in exc.errors) + "."
