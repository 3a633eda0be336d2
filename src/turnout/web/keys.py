"""API keys for the tenant (owners only): list them, create one with scopes (shown once), rotate
one, revoke one after a confirm step. The rules are `turnout key …`'s and /v1/keys's: auth/keys.py
makes and rotates keys, the store lists and revokes them; this module only reads forms."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from turnout.auth import keys
from turnout.auth.people import Session
from turnout.core import times
from turnout.core.errors import NotFound
from turnout.core.ports import KeyListing
from turnout.surfaces.cronofy.admin import MAX_NAME  # a key label's bound, declared by /v1/keys
from turnout.web import render
from turnout.web.guard import Guard, read_form

# The scopes offered on the page: every scope but `admin`, which only the CLI or an admin key makes
# (auth/keys.py), so a signed-in owner cannot mint a credential that manages the tenant headless.
OFFERED = tuple(s for s in keys.SCOPES if s != keys.ADMIN)
# How long a rotated key keeps working, offered as choices (the CLI's --grace; at most MAX_GRACE).
GRACES = {"0": "stops now", "3600": "1 hour", str(keys.ROTATION_GRACE): "1 day", "604800": "7 days"}


class KeyPages:
    def __init__(self, guard: Guard) -> None:
        self.guard = guard

    async def _page(
        self,
        request: Request,
        session: Session,
        status: int = 200,
        created: str = "",
        error: str = "",
        note: str = "",
    ) -> Response:
        listed = await self.guard.store.list_api_keys(session.person.tenant_id)
        return render.page(
            request,
            "keys.html",
            status,
            keys=listed,
            now=times.now(),
            created=created,
            error=error,
            note=note,
            scopes=OFFERED,
            max_name=MAX_NAME,
            graces=GRACES,
            default_grace=str(keys.ROTATION_GRACE),
            csrf=session.csrf,
        )

    async def show(self, request: Request, session: Session) -> Response:
        return await self._page(request, session)

    async def create(self, request: Request, session: Session) -> Response:
        form = await read_form(request, self.guard.services.settings.max_body_bytes)
        now = times.now()
        chosen = " ".join(s for s in OFFERED if form.get("scope_" + s) == "on")
        name = form.get("name", "").strip() or None
        try:
            scopes = keys.parse_scopes(chosen)
        except ValueError:
            return await self._page(request, session, 422, error="Choose at least one scope.")
        if name is not None and len(name) > MAX_NAME:
            error = f"The label has at most {MAX_NAME} characters."
            return await self._page(request, session, 422, error=error)
        expires_at = None
        if day := form.get("expires", "").strip():
            try:
                expires_at = times.parse_rfc3339(day + "T00:00:00Z")
            except ValueError:
                expires_at = 0
            if expires_at <= now:
                error = "The expiry is a future date (YYYY-MM-DD), or empty for never."
                return await self._page(request, session, 422, error=error)
        key = await keys.create_key(
            self.guard.store,
            self.guard.services.secret,
            session.person.tenant_id,
            scopes,
            name,
            now,
            expires_at,
        )
        return await self._page(request, session, created=key)

    async def rotate(self, request: Request, session: Session) -> Response:
        old = await self._own(request, session)
        form = await read_form(request, self.guard.services.settings.max_body_bytes)
        grace = form.get("grace", str(keys.ROTATION_GRACE))
        if grace not in GRACES:
            return await self._page(
                request, session, 422, error="Choose how long the old key works."
            )
        now = times.now()
        if old.state(now) != "active":
            error = f"Key {old.prefix} is {old.state(now)}; create a new one instead."
            return await self._page(request, session, 422, error=error)
        store, secret = self.guard.store, self.guard.services.secret
        key = await keys.rotate_key(store, secret, old, int(grace), now)
        note = f"Key {old.prefix} keeps working for {GRACES[grace]}." if grace != "0" else ""
        return await self._page(request, session, created=key, note=note)

    async def revoke(self, request: Request, session: Session) -> Response:
        """The first post shows what revoking means; the second, with `confirm`, revokes."""
        listing = await self._own(request, session)
        form = await read_form(request, self.guard.services.settings.max_body_bytes)
        if form.get("confirm") != "yes":
            return render.page(
                request,
                "confirm.html",
                title=f"Revoke key {listing.prefix}?",
                message=f"Every request with key {listing.prefix} ({listing.name or 'unnamed'}) "
                "is refused from then on, in every server process. This cannot be undone.",
                action=f"/app/keys/{listing.prefix}/revoke",
                button="Revoke key",
                back="/app/keys",
                csrf=session.csrf,
            )
        revoked = await self.guard.store.revoke_api_key(listing.prefix, times.now())
        note = f"Key {listing.prefix} is revoked." if revoked else "It was already revoked."
        return await self._page(request, session, note=note)

    async def _own(self, request: Request, session: Session) -> KeyListing:
        """The key named in the path, if this tenant's: another tenant's is as missing as none."""
        prefix = request.path_params["prefix"]
        listing: KeyListing | None = None
        if keys.PREFIX.fullmatch(prefix):
            listing = await self.guard.store.find_key_listing(prefix)
        if listing is None or listing.tenant_id != session.person.tenant_id:
            raise NotFound(prefix)
        return listing
