"""Notification hubs and their SAS rules (owners only): what `turnout hub …` and /v1/hubs do, on
pages. The rules are core/hub_admin.py's; this module reads forms and shows connection strings.

Connection strings: a new hub shows both of its rules' strings once, as `turnout hub create` prints
them. After that, a listen-only rule's string is shown on the hub's page (a device app ships it
anyway), and a rule that may send or manage shows its string only when asked (a POST, so it is never
in a link, a history entry or a cache), or once after it is made or rotated.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from turnout.auth.people import Session
from turnout.core import hub_admin, times
from turnout.core.errors import NotFound
from turnout.core.hub_ports import KEEP, HubStore
from turnout.core.hubs import (
    LISTEN,
    RIGHTS,
    Hub,
    HubRefused,
    Rule,
    connection_string,
    rights_text,
)
from turnout.web import render
from turnout.web.guard import Guard, path_name, read_form

DAY = 86400
MAX_NUMBER = 2_147_483_647


class HubPages:
    def __init__(self, guard: Guard) -> None:
        self.guard = guard

    @property
    def hubs(self) -> HubStore:
        return self.guard.services.hubs

    def _string(self, rule: str, key: str) -> str:
        return connection_string(self.guard.services.settings.base_url, rule, key)

    async def _form(self, request: Request) -> dict[str, str]:
        return await read_form(request, self.guard.services.settings.max_body_bytes)

    # The list

    async def _index(
        self, request: Request, session: Session, status: int = 200, error: str = ""
    ) -> Response:
        tenant = session.person.tenant_id
        found = await self.hubs.list_hubs(tenant)
        return render.page(
            request, "hubs.html", status, hubs=found, error=error, csrf=session.csrf, days=_days
        )

    async def index(self, request: Request, session: Session) -> Response:
        return await self._index(request, session)

    async def create(self, request: Request, session: Session) -> Response:
        form = await self._form(request)
        try:
            quota = _number(form, "quota", 0)
            ttl = _number(form, "ttl_days", 1)
            hub, rules = await hub_admin.create_hub(
                self.hubs,
                session.person.tenant_id,
                form.get("name", "").strip(),
                quota,
                None if ttl is None else ttl * DAY,
                times.now(),
            )
        except HubRefused as exc:
            return await self._index(request, session, 422, error=_sentence(exc))
        shown = {rule: self._string(rule, key) for rule, key in rules}
        note = "The hub's two rules; this is the only time the full-rights string is shown unasked:"
        return await self._hub_page(request, session, hub, shown=shown, note=note)

    # One hub

    async def _hub(self, request: Request, session: Session) -> Hub:
        name = path_name(request, "hub")
        hub = await self.hubs.find_hub(session.person.tenant_id, name)
        if hub is None:
            raise NotFound(name)
        return hub

    async def _rule(self, request: Request, session: Session, hub: Hub) -> Rule:
        """The rule named in the path, if it is this tenant's and covers this hub."""
        name = path_name(request, "rule")
        rule = await self.hubs.find_rule(name)
        if rule is None or rule.tenant_id != session.person.tenant_id or not rule.covers(hub):
            raise NotFound(name)
        return rule

    async def _hub_page(
        self,
        request: Request,
        session: Session,
        hub: Hub,
        status: int = 200,
        shown: dict[str, str] | None = None,
        note: str = "",
        error: str = "",
    ) -> Response:
        rules = [r for r in await self.hubs.list_rules(session.person.tenant_id) if r.covers(hub)]
        listen_only = {
            r.name: self._string(r.name, r.primary_key) for r in rules if r.rights == {LISTEN}
        }
        return render.page(
            request,
            "hub.html",
            status,
            hub=hub,
            rules=rules,
            listen_only=listen_only,
            shown=shown or {},
            note=note,
            error=error,
            rights=RIGHTS,
            rights_text=rights_text,
            days=_days,
            csrf=session.csrf,
        )

    async def show(self, request: Request, session: Session) -> Response:
        return await self._hub_page(request, session, await self._hub(request, session))

    async def change(self, request: Request, session: Session) -> Response:
        hub = await self._hub(request, session)
        form = await self._form(request)
        try:
            # The TTL is shown in whole days; one set in seconds by the API stays as it is unless
            # the field was changed.
            ttl: Any = KEEP
            if form.get("ttl_days", "").strip() != form.get("ttl_shown"):
                days = _number(form, "ttl_days", 1)
                ttl = None if days is None else days * DAY
            changed = await hub_admin.set_hub(
                self.hubs,
                session.person.tenant_id,
                hub.name,
                _number(form, "quota", 0),
                ttl,
                _number(form, "rate", 1) if "rate" in form else KEEP,
            )
        except HubRefused as exc:
            return await self._hub_page(request, session, hub, 422, error=_sentence(exc))
        return await self._hub_page(request, session, changed, note="Saved.")

    async def delete(self, request: Request, session: Session) -> Response:
        hub = await self._hub(request, session)
        if (await self._form(request)).get("confirm") != "yes":
            return _confirm(
                request,
                session,
                f"Delete hub {hub.name}?",
                f"Its {hub.device_count} device registration(s) and installation(s) and the rules "
                "for it alone go with it; senders and devices using it are refused from then on.",
                f"/app/hubs/{hub.name}/delete",
                "Delete hub",
                f"/app/hubs/{hub.name}",
            )
        try:
            await hub_admin.delete_hub(self.hubs, session.person.tenant_id, hub.name)
        except HubRefused as exc:  # deleted meanwhile
            raise NotFound(hub.name) from exc
        return RedirectResponse("/app/hubs", 303)

    # Its rules

    async def create_rule(self, request: Request, session: Session) -> Response:
        hub = await self._hub(request, session)
        form = await self._form(request)
        name = form.get("name", "").strip()
        granted = frozenset(r for r in RIGHTS if form.get("right_" + r) == "on")
        if not granted:
            return await self._hub_page(request, session, hub, 422, error="Choose a right.")
        every = form.get("covers") == "every"
        try:
            key = await hub_admin.create_rule(
                self.hubs,
                session.person.tenant_id,
                None if every else hub.name,
                name,
                granted,
                times.now(),
            )
        except HubRefused as exc:
            return await self._hub_page(request, session, hub, 422, error=_sentence(exc))
        note = f"Rule {name} ({rights_text(granted)}); its connection string:"
        return await self._hub_page(
            request, session, hub, shown={name: self._string(name, key)}, note=note
        )

    async def reveal(self, request: Request, session: Session) -> Response:
        hub = await self._hub(request, session)
        rule = await self._rule(request, session, hub)
        shown = {rule.name: self._string(rule.name, rule.primary_key)}
        return await self._hub_page(request, session, hub, shown=shown, note="As asked:")

    async def rotate_rule(self, request: Request, session: Session) -> Response:
        hub = await self._hub(request, session)
        rule = await self._rule(request, session, hub)
        key = await hub_admin.rotate_rule(self.hubs, session.person.tenant_id, rule.name)
        note = f"Rule {rule.name} has a new key; the old one works until the next rotation:"
        shown = {rule.name: self._string(rule.name, key)}
        return await self._hub_page(request, session, hub, shown=shown, note=note)

    async def delete_rule(self, request: Request, session: Session) -> Response:
        hub = await self._hub(request, session)
        rule = await self._rule(request, session, hub)
        if (await self._form(request)).get("confirm") != "yes":
            covers = "every hub of this organizer" if rule.hub_id is None else f"hub {hub.name}"
            return _confirm(
                request,
                session,
                f"Delete rule {rule.name}?",
                f"It covers {covers}. Senders and devices using its connection string are refused "
                "from then on.",
                f"/app/hubs/{hub.name}/rules/{rule.name}/delete",
                "Delete rule",
                f"/app/hubs/{hub.name}",
            )
        try:
            await hub_admin.delete_rule(self.hubs, session.person.tenant_id, rule.name)
        except HubRefused as exc:
            raise NotFound(rule.name) from exc
        return await self._hub_page(request, session, hub, note=f"Rule {rule.name} is deleted.")


def _confirm(
    request: Request,
    session: Session,
    title: str,
    message: str,
    action: str,
    button: str,
    back: str,
) -> Response:
    return render.page(
        request,
        "confirm.html",
        title=title,
        message=message,
        action=action,
        button=button,
        back=back,
        csrf=session.csrf,
    )


def _number(form: dict[str, str], name: str, low: int) -> int | None:
    """A whole-number field; empty means none (unlimited, never)."""
    raw = form.get(name, "").strip()
    if not raw:
        return None
    if not raw.isdigit() or not low <= int(raw) <= MAX_NUMBER:
        raise HubRefused(
            f"{name.replace('_', ' ')} is a whole number from {low}, or empty for none"
        )
    return int(raw)


def _days(seconds: int | None) -> Any:
    """A TTL in whole days, as the forms take it (a TTL set in seconds by the API: rounded down)."""
    return "" if seconds is None else seconds // DAY


def _sentence(exc: Exception) -> str:
    text = str(exc)
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")
