"""Notification-hub management as /v1 extensions (docs/NOTIFICATION_HUBS.md), for `admin` keys:
what `turnout hub …` does, in the /v1 error shapes. The rules are core/hub_admin.py's."""

from __future__ import annotations

from typing import Annotated, Any, Literal, TypeVar

from msgspec import UNSET, Meta, Struct, UnsetType
from starlette.requests import Request
from starlette.responses import Response

from turnout.auth.keys import Principal
from turnout.core import hub_admin, times
from turnout.core.errors import FieldError, NotFound, ValidationFailed
from turnout.core.hub_ports import KEEP, HubStore
from turnout.core.hubs import (
    Hub,
    HubRefused,
    Rule,
    connection_string,
    parse_rights,
    plausible_hub_name,
    plausible_rule_name,
    rights_text,
)
from turnout.core.limits import MAX_HUB_NAME, MAX_HUB_RULE_NAME
from turnout.services import Services
from turnout.surfaces.fields import Body, Words, read
from turnout.surfaces.http import json_response, path_name
from turnout.surfaces.operation import Documented, route


def routes(services: Services) -> list[Documented]:
    from turnout.surfaces.cronofy import extensions  # it documents the bodies declared below

    handlers = HubAdmin(services)
    return [
        route("/hubs", handlers.list_hubs, extensions.LIST_HUBS, "GET"),
        route("/hubs", handlers.create_hub, extensions.CREATE_HUB, "POST"),
        route("/hubs/{name}", handlers.read_hub, extensions.READ_HUB, "GET"),
        route("/hubs/{name}", handlers.change_hub, extensions.CHANGE_HUB, "POST"),
        route("/hubs/{name}", handlers.delete_hub, extensions.DELETE_HUB, "DELETE"),
        route("/hub_rules", handlers.list_rules, extensions.LIST_RULES, "GET"),
        route("/hub_rules", handlers.create_rule, extensions.CREATE_RULE, "POST"),
        route("/hub_rules/{name}/rotate", handlers.rotate_rule, extensions.ROTATE_RULE, "POST"),
        route("/hub_rules/{name}", handlers.delete_rule, extensions.DELETE_RULE, "DELETE"),
    ]


def hub_json(hub: Hub) -> dict[str, Any]:
    return {
        "name": hub.name,
        "registration_quota": hub.registration_quota,
        "registration_ttl_seconds": hub.registration_ttl,
        "device_count": hub.device_count,
        "requests_per_second": hub.requests_per_second,
    }


def rule_json(rule: Rule) -> dict[str, Any]:
    return {"name": rule.name, "hub": rule.hub_name, "rights": rights_text(rule.rights).split(",")}


def refused(field: str, exc: HubRefused) -> ValidationFailed:
    return ValidationFailed([FieldError(field, exc.code, str(exc))])


# The bodies, declared once: decoded against these, and documented from them (extensions.py).
# Names are checked by the core (core/hubs.py), which says why a name is refused.
HubName = Annotated[str, Meta(min_length=1, max_length=MAX_HUB_NAME)]
Quota = Annotated[int, Meta(ge=0)] | None | UnsetType
Seconds = Annotated[int, Meta(ge=1)] | None | UnsetType


class HubCreate(Struct):
    name: HubName
    registration_quota: Quota = UNSET
    registration_ttl_seconds: Seconds = UNSET


class HubChange(Struct):
    registration_quota: Quota = UNSET
    registration_ttl_seconds: Seconds = UNSET
    requests_per_second: Seconds = UNSET


class HubRuleCreate(Struct):
    name: Annotated[str, Meta(min_length=1, max_length=MAX_HUB_RULE_NAME)]
    rights: Annotated[list[Literal["listen", "send", "manage"]], Meta(min_length=1)]
    hub: HubName | UnsetType = UNSET


BODIES = (HubCreate, HubChange, HubRuleCreate)
T = TypeVar("T", HubCreate, HubChange, HubRuleCreate)

_NAME = {
    "missing": ("required", "{field} is required"),
    "null": ("required", "{field} is required"),
    "*": ("invalid", "{field} must be a string"),
    "min_length": ("invalid", "{field} must not be empty"),
    "max_length": ("too_long", "{field} is at most {bound} characters"),
}
_COUNT = ("invalid", "{field} must be a whole number, {bound} or more, or null")
WORDS: Words = {
    "name": _NAME,
    "hub": _NAME,
    "registration_quota": {
        "*": ("invalid", "{field} must be a whole number or null"),
        "ge": _COUNT,
    },
    "registration_ttl_seconds": {
        "*": ("invalid", "{field} must be a whole number or null"),
        "ge": _COUNT,
    },
    "requests_per_second": {
        "*": ("invalid", "{field} must be a whole number or null"),
        "ge": _COUNT,
    },
    "rights": {"*": ("invalid", 'rights must be a non-empty list of "listen", "send", "manage"')},
}
DECLARED = {kind: Body(kind, WORDS) for kind in BODIES}


def _kept(value: Any) -> Any:
    return KEEP if value is UNSET else value


class HubAdmin:
    def __init__(self, services: Services) -> None:
        self.services = services

    def _admin(self, request: Request) -> tuple[Principal, HubStore]:
        principal: Principal = request.state.principal  # an admin: the route's record requires it
        return principal, self.services.hubs

    async def _body(self, request: Request, kind: type[T]) -> T:
        declared: Body[T] = DECLARED[kind]  # type: ignore[assignment]
        body, errors = await read(request, declared, self.services.settings.max_body_bytes)
        declared.fail(errors)
        return body

    def _connection(self, rule_name: str, key: str) -> str:
        return connection_string(self.services.settings.base_url, rule_name, key)

    async def list_hubs(self, request: Request) -> Response:
        principal, hubs = self._admin(request)
        found = await hubs.list_hubs(principal.tenant_id)
        return json_response({"hubs": [hub_json(h) for h in found]})

    async def create_hub(self, request: Request) -> Response:
        principal, hubs = self._admin(request)
        body = await self._body(request, HubCreate)
        quota = None if body.registration_quota is UNSET else body.registration_quota
        ttl = None if body.registration_ttl_seconds is UNSET else body.registration_ttl_seconds
        try:
            hub, rules = await hub_admin.create_hub(
                hubs, principal.tenant_id, body.name, quota, ttl, times.now()
            )
        except HubRefused as exc:
            raise refused("name", exc) from exc
        strings = [self._connection(rule, key) for rule, key in rules]
        connections = {"listen": strings[0], "full": strings[1]}
        return json_response({"hub": hub_json(hub), "connection_strings": connections})

    async def read_hub(self, request: Request) -> Response:
        principal, hubs = self._admin(request)
        hub = await hubs.find_hub(principal.tenant_id, _hub_name(request))
        if hub is None:
            raise NotFound("no such hub")
        return json_response({"hub": hub_json(hub)})

    async def change_hub(self, request: Request) -> Response:
        principal, hubs = self._admin(request)
        body = await self._body(request, HubChange)
        quota, ttl = _kept(body.registration_quota), _kept(body.registration_ttl_seconds)
        rate = _kept(body.requests_per_second)
        if await hubs.find_hub(principal.tenant_id, _hub_name(request)) is None:
            raise NotFound("no such hub")
        try:
            hub = await hub_admin.set_hub(
                hubs, principal.tenant_id, _hub_name(request), quota, ttl, rate
            )
        except HubRefused as exc:
            raise refused("registration_quota", exc) from exc
        return json_response({"hub": hub_json(hub)})

    async def delete_hub(self, request: Request) -> Response:
        principal, hubs = self._admin(request)
        if not await hubs.delete_hub(principal.tenant_id, _hub_name(request)):
            raise NotFound("no such hub")
        return json_response({})

    async def list_rules(self, request: Request) -> Response:
        principal, hubs = self._admin(request)
        found = await hubs.list_rules(principal.tenant_id)
        return json_response({"hub_rules": [rule_json(r) for r in found]})

    async def create_rule(self, request: Request) -> Response:
        principal, hubs = self._admin(request)
        body = await self._body(request, HubRuleCreate)
        name, hub = body.name, None if body.hub is UNSET else body.hub
        try:
            granted = parse_rights(",".join(body.rights))
            key = await hub_admin.create_rule(
                hubs, principal.tenant_id, hub, name, granted, times.now()
            )
        except HubRefused as exc:
            raise refused("name", exc) from exc
        rule = {"name": name, "hub": hub, "rights": rights_text(granted).split(",")}
        return json_response({"hub_rule": rule, "connection_string": self._connection(name, key)})

    async def rotate_rule(self, request: Request) -> Response:
        principal, hubs = self._admin(request)
        name = _rule_name(request)
        try:
            key = await hub_admin.rotate_rule(hubs, principal.tenant_id, name)
        except HubRefused as exc:
            raise NotFound(str(exc)) from exc
        return json_response({"connection_string": self._connection(name, key)})

    async def delete_rule(self, request: Request) -> Response:
        principal, hubs = self._admin(request)
        try:
            await hub_admin.delete_rule(hubs, principal.tenant_id, _rule_name(request))
        except HubRefused as exc:
            raise NotFound(str(exc)) from exc
        return json_response({})


def _hub_name(request: Request) -> str:
    return path_name(request, "name", plausible_hub_name, "hub")


def _rule_name(request: Request) -> str:
    return path_name(request, "name", plausible_rule_name, "rule")
