"""turnout's own /v1 extension: an `admin` key manages its tenant's keys (docs/API.md "Managing keys").

Only an admin key reaches these routes (admin_routes.py), so only the CLI or an admin key can make
an admin key. A key of another tenant is a 404, as every other tenant's object is. Errors are /v1's: 403 {}, 404 {},
422 {"errors": {...}}.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from turnout.auth import keys
from turnout.auth.keys import MAX_GRACE, Principal
from turnout.core import times
from turnout.core.errors import FieldError, NotFound, ValidationFailed
from turnout.core.ports import KeyListing
from turnout.services import Services
from turnout.surfaces.cronofy.admin_routes import admin_routes, path_name
from turnout.surfaces.decoding import read_object
from turnout.surfaces.http import json_response

MAX_NAME = 200


def routes(services: Services) -> list[Route]:
    admin = KeyAdmin(services)
    return admin_routes(
        ("GET", "/keys", admin.list_keys),
        ("POST", "/keys", admin.create_key),
        ("GET", "/keys/{prefix}", admin.read_key),
        ("DELETE", "/keys/{prefix}", admin.revoke_key),
        ("POST", "/keys/{prefix}/rotate", admin.rotate_key),
        ("GET", "/tenant", admin.read_tenant),
    )


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

    async def _body(self, request: Request) -> dict[str, Any]:
        return await read_object(request, self.services.settings.max_body_bytes)

    async def _key_in_path(self, request: Request, principal: Principal) -> KeyListing:
        prefix = path_name(request, "prefix", _is_prefix, "key")
        return await self._own_key(principal, prefix)

    async def _own_key(self, principal: Principal, prefix: str) -> KeyListing:
        listing = await self.services.store.find_key_listing(prefix)
        if listing is None or listing.tenant_id != principal.tenant_id:
            raise NotFound(f"no key {prefix} in this tenant")
        return listing

    async def list_keys(self, request: Request, principal: Principal) -> Response:
        listed = await self.services.store.list_api_keys(principal.tenant_id)
        now = times.now()
        return json_response({"keys": [key_view(k, now) for k in listed]})

    async def read_key(self, request: Request, principal: Principal) -> Response:
        listing = await self._key_in_path(request, principal)
        return json_response({"key": key_view(listing, times.now())})

    async def create_key(self, request: Request, principal: Principal) -> Response:
        body = await self._body(request)
        now = times.now()
        scopes, name, expires_at = _key_fields(body, now)
        store, secret = self.services.store, self.services.secret
        key = await keys.create_key(
            store, secret, principal.tenant_id, scopes, name, now, expires_at
        )
        listing = await self._own_key(principal, key[:15])
        return json_response({"key": key_view(listing, now), "api_key": key})

    async def revoke_key(self, request: Request, principal: Principal) -> Response:
        listing = await self._key_in_path(request, principal)
        now = times.now()
        await self.services.store.revoke_api_key(listing.prefix, now)  # again: no change
        listing = await self._own_key(principal, listing.prefix)
        return json_response({"key": key_view(listing, now)})

    async def rotate_key(self, request: Request, principal: Principal) -> Response:
        old = await self._key_in_path(request, principal)
        grace = _grace(await self._body(request))
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

    async def read_tenant(self, _: Request, principal: Principal) -> Response:
        tenant = {
            "name": principal.tenant_name,
            "require_precondition": principal.require_precondition,
            "cors_origins": list(principal.cors_origins),
        }
        return json_response({"tenant": tenant})


def _is_prefix(text: str) -> bool:
    return keys.PREFIX.match(text) is not None


def _key_fields(body: dict[str, Any], now: int) -> tuple[str, str | None, int | None]:
    """(scopes, name, expires_at) from a POST /v1/keys body, or every field's error at once."""
    errors: list[FieldError] = []
    scopes = "write"
    scope = body.get("scope", "write")
    try:
        scopes = keys.parse_scopes(scope if isinstance(scope, str) else "")
    except ValueError as exc:
        errors.append(FieldError("scope", "invalid", f"{exc}; scopes are {', '.join(keys.SCOPES)}"))
    name = body.get("name")
    if name is not None and (not isinstance(name, str) or len(name) > MAX_NAME):
        errors.append(FieldError("name", "invalid", f"name is a string of at most {MAX_NAME}"))
    expires_at = None
    if body.get("expires_at") is not None:
        expires_at = _expiry(body["expires_at"], now, errors)
    if errors:
        raise ValidationFailed(errors)
    return scopes, name, expires_at


def _expiry(value: Any, now: int, errors: list[FieldError]) -> int | None:
    try:
        at = times.parse_rfc3339(value) if isinstance(value, str) else None
    except ValueError:
        at = None
    if at is None or at <= now:
        errors.append(
            FieldError("expires_at", "invalid", "expires_at is a future time, YYYY-MM-DDTHH:MM:SSZ")
        )
    return at


def _grace(body: dict[str, Any]) -> int:
    grace = body.get("grace_seconds", keys.ROTATION_GRACE)
    if isinstance(grace, bool) or not isinstance(grace, int) or not 0 <= grace <= MAX_GRACE:
        raise ValidationFailed(
            [
                FieldError(
                    "grace_seconds",
                    "out_of_range",
                    f"grace_seconds is a whole number from 0 to {MAX_GRACE}",
                )
            ]
        )
    return grace
