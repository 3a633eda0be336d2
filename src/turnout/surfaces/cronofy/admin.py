"""turnout's own /v1 extension: an `admin` key manages its tenant's keys (docs/API.md "Managing keys").

Only an admin key reaches these routes, so only the CLI or an admin key can make an admin key. A
key of another tenant is a 404, as every other tenant's object is. Errors are /v1's: 403 {}, 404 {},
422 {"errors": {...}}.
"""

from __future__ import annotations

from typing import Annotated, Any

from msgspec import Meta, Struct
from starlette.requests import Request
from starlette.responses import Response

from turnout.auth import keys
from turnout.auth.keys import MAX_GRACE, Principal
from turnout.core import times
from turnout.core.errors import FieldError, NotFound, ValidationFailed
from turnout.core.limits import MAX_KEY_NAME
from turnout.core.ports import KeyListing
from turnout.services import Services
from turnout.surfaces.fields import FAILED, Body, Words, read
from turnout.surfaces.http import json_response, path_name
from turnout.surfaces.operation import Documented, route

MAX_NAME = MAX_KEY_NAME  # web/keys.py (on main) reads a key label's bound from here


# The bodies, declared once. A scope list and an expiry are read after the decode: scopes by
# keys.parse_scopes (which names an unknown one), expires_at as a future RFC 3339 time.
class KeyCreate(Struct):
    scope: Annotated[str, Meta(description="space- or comma-separated scopes")] = "write"
    name: Annotated[str, Meta(max_length=MAX_KEY_NAME)] | None = None
    expires_at: Annotated[str, Meta(description="a future RFC 3339 time")] | None = None


class KeyRotation(Struct):
    grace_seconds: Annotated[int, Meta(ge=0, le=MAX_GRACE)] = keys.ROTATION_GRACE


_SCOPES = "scopes are " + ", ".join(keys.SCOPES)
_EXPIRY = "expires_at is a future time, YYYY-MM-DDTHH:MM:SSZ"
WORDS: Words = {
    "scope": {"*": ("invalid", f"no scope given; {_SCOPES}")},
    "name": {"*": ("invalid", f"name is a string of at most {MAX_KEY_NAME}")},
    "expires_at": {"*": ("invalid", _EXPIRY)},
    "grace_seconds": {
        "*": ("out_of_range", f"grace_seconds is a whole number from 0 to {MAX_GRACE}")
    },
}
KEY_CREATE = Body(KeyCreate, WORDS)
KEY_ROTATION = Body(KeyRotation, WORDS)


def routes(services: Services) -> list[Documented]:
    from turnout.surfaces.cronofy import extensions  # it documents the bodies declared above

    admin = KeyAdmin(services)
    return [
        route("/keys", admin.list_keys, extensions.LIST_KEYS, "GET"),
        route("/keys", admin.create_key, extensions.CREATE_KEY, "POST"),
        route("/keys/{prefix}", admin.read_key, extensions.READ_KEY, "GET"),
        route("/keys/{prefix}", admin.revoke_key, extensions.REVOKE_KEY, "DELETE"),
        route("/keys/{prefix}/rotate", admin.rotate_key, extensions.ROTATE_KEY, "POST"),
        route("/tenant", admin.read_tenant, extensions.READ_TENANT, "GET"),
    ]


def key_view(listing: KeyListing, now: int) -> dict[str, Any]:
    """A key as the API shows it: never the key itself, which only its creation answers with."""
    return {
        "prefix": listing.prefix,
        "name": listing.name,
        "scopes": listing.scopes.split(),
        "created_at": times.format_utc(listing.created_at),
        "last_used_at": _utc(listing.last_used_at),
        "expires_at": _utc(listing.expires_at),
        "revoked_at": _utc(listing.revoked_at),
        "state": listing.state(now),
    }


def _utc(instant: int | None) -> str | None:
    return None if instant is None else times.format_utc(instant)


class KeyAdmin:
    def __init__(self, services: Services) -> None:
        self.services = services

    @staticmethod
    def _admin(request: Request) -> Principal:
        """The principal; the route's record (extensions.py) requires the admin scope."""
        principal: Principal = request.state.principal
        return principal

    async def _body(self, request: Request, declared: Body[Any]) -> tuple[Any, list[FieldError]]:
        return await read(request, declared, self.services.settings.max_body_bytes)

    async def _own_key(self, principal: Principal, prefix: str) -> KeyListing:
        listing = await self.services.store.find_key_listing(prefix)
        if listing is None or listing.tenant_id != principal.tenant_id:
            raise NotFound(f"no key {prefix} in this tenant")
        return listing

    async def list_keys(self, request: Request) -> Response:
        principal = self._admin(request)
        listed = await self.services.store.list_api_keys(principal.tenant_id)
        now = times.now()
        return json_response({"keys": [key_view(k, now) for k in listed]})

    async def read_key(self, request: Request) -> Response:
        principal = self._admin(request)
        listing = await self._own_key(principal, _prefix(request))
        return json_response({"key": key_view(listing, times.now())})

    async def create_key(self, request: Request) -> Response:
        principal = self._admin(request)
        body, errors = await self._body(request, KEY_CREATE)
        now = times.now()
        scopes, name, expires_at = _key_fields(body, errors, now)
        store, secret = self.services.store, self.services.secret
        key = await keys.create_key(
            store, secret, principal.tenant_id, scopes, name, now, expires_at
        )
        listing = await self._own_key(principal, key[:15])
        return json_response({"key": key_view(listing, now), "api_key": key})

    async def revoke_key(self, request: Request) -> Response:
        principal = self._admin(request)
        listing = await self._own_key(principal, _prefix(request))
        now = times.now()
        await self.services.store.revoke_api_key(listing.prefix, now)  # again: no change
        listing = await self._own_key(principal, listing.prefix)
        return json_response({"key": key_view(listing, now)})

    async def rotate_key(self, request: Request) -> Response:
        principal = self._admin(request)
        old = await self._own_key(principal, _prefix(request))
        rotation, errors = await self._body(request, KEY_ROTATION)
        KEY_ROTATION.fail(errors)
        grace: int = rotation.grace_seconds
        now = times.now()
        if old.state(now) != "active":
            raise ValidationFailed(
                [FieldError("prefix", "invalid", f"the key is {old.state(now)}; create a new one")]
            )
        store = self.services.store
        key = await keys.rotate_key(store, self.services.secret, old, grace, now)
        new = await self._own_key(principal, key[:15])
        old = await self._own_key(principal, old.prefix)
        body = {"key": key_view(new, now), "api_key": key, "replaces": key_view(old, now)}
        return json_response(body)

    async def read_tenant(self, request: Request) -> Response:
        principal = self._admin(request)
        tenant = {
            "name": principal.tenant_name,
            "require_precondition": principal.require_precondition,
            "cors_origins": list(principal.cors_origins),
        }
        return json_response({"tenant": tenant})


def _key_fields(
    body: KeyCreate, errors: list[FieldError], now: int
) -> tuple[str, str | None, int | None]:
    """(scopes, name, expires_at) from a POST /v1/keys body: the scope list read (an unknown scope
    named), the expiry a future RFC 3339 time; or every field's error at once."""
    scopes = "write"
    if body.scope is not FAILED:
        try:
            scopes = keys.parse_scopes(body.scope)
        except ValueError as exc:
            errors.append(FieldError("scope", "invalid", f"{exc}; {_SCOPES}"))
    expires_at = None
    if body.expires_at not in (None, FAILED):
        expires_at = _expiry(body.expires_at, now, errors)
    KEY_CREATE.fail(errors)
    return scopes, body.name, expires_at


def _expiry(value: str, now: int, errors: list[FieldError]) -> int | None:
    try:
        at: int | None = times.parse_rfc3339(value)
    except ValueError:
        at = None
    if at is None or at <= now:
        errors.append(FieldError("expires_at", "invalid", _EXPIRY))
    return at


def _prefix(request: Request) -> str:
    return path_name(request, "prefix", lambda text: keys.PREFIX.match(text) is not None, "key")
