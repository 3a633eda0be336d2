"""The /v1 notification-hub management operations (surfaces/cronofy/hubs.py), for admin keys."""

from __future__ import annotations

from typing import Any

import msgspec

from turnout.config import Settings
from turnout.openapi.build import Schema, error, ok, path_param, ref, request_body, too_large
from turnout.openapi.cronofy.operations import _field_error, _invalid, _v1
from turnout.surfaces.cronofy.hubs import BODIES

TAG = "Notification hubs"
_NAME = {"type": "string", "pattern": "^[A-Za-z0-9]([A-Za-z0-9._-]{0,62}[A-Za-z0-9])?$"}
_RULE = {"type": "string", "pattern": "^[A-Za-z0-9._-]{1,256}$"}
_RIGHTS = {"type": "array", "items": {"enum": ["listen", "send", "manage"]}, "minItems": 1}
_COUNT_OR_NULL = {"type": ["integer", "null"], "minimum": 0}


def paths(settings: Settings) -> dict[str, Any]:
    limit = settings.max_body_bytes
    return {
        "/v1/hubs": {"get": _list_hubs(), "post": _create_hub(limit)},
        "/v1/hubs/{name}": {
            "get": _read_hub(),
            "post": _change_hub(limit),
            "delete": _delete_hub(),
        },
        "/v1/hub_rules": {"get": _list_rules(), "post": _create_rule(limit)},
        "/v1/hub_rules/{name}/rotate": {"post": _rotate_rule()},
        "/v1/hub_rules/{name}": {"delete": _delete_rule()},
    }


def schemas() -> dict[str, Schema]:
    hub = {
        "type": "object",
        "required": [
            "name",
            "registration_quota",
            "registration_ttl_seconds",
            "device_count",
            "requests_per_second",
        ],
        "properties": {
            "name": _NAME,
            "registration_quota": _COUNT_OR_NULL,
            "registration_ttl_seconds": {"type": ["integer", "null"], "minimum": 1},
            "device_count": {"type": "integer", "minimum": 0},
            "requests_per_second": {"type": ["integer", "null"], "minimum": 1},
        },
    }
    rule = {
        "type": "object",
        "required": ["name", "hub", "rights"],
        "properties": {"name": _RULE, "hub": {"type": ["string", "null"]}, "rights": _RIGHTS},
    }
    connection = {
        "type": "string",
        "description": "Endpoint=sb://{authority}/;SharedAccessKeyName={rule};SharedAccessKey={key} "
        "(http:// when turnout is served over http): what the SDKs take.",
    }
    return {
        "Hub": hub,
        "HubRule": rule,
        "HubList": _object({"hubs": {"type": "array", "items": ref("Hub")}}),
        "HubOne": _object({"hub": ref("Hub")}),
        "HubCreated": _object(
            {
                "hub": ref("Hub"),
                "connection_strings": _object({"listen": connection, "full": connection}),
            }
        ),
        "HubRuleList": _object({"hub_rules": {"type": "array", "items": ref("HubRule")}}),
        "HubRuleCreated": _object({"hub_rule": ref("HubRule"), "connection_string": connection}),
        "HubConnection": _object({"connection_string": connection}),
        **_declared(),
    }


def _declared() -> dict[str, Schema]:
    """The request bodies' schemas, derived from their declarations (surfaces/cronofy/hubs.py)."""
    _, components = msgspec.json.schema_components(
        BODIES, ref_template="#/components/schemas/{name}"
    )
    return components


def _object(properties: dict[str, Schema]) -> Schema:
    return {"type": "object", "required": list(properties), "properties": properties}


_ADMIN = " Needs a key with the admin scope (403 otherwise)."
_NAME_PARAM = path_param("name", "The hub's name, in any case.", _NAME)
_RULE_PARAM = path_param("name", "The rule's (key's) name.", _RULE)


def _not_found(what: str) -> dict[str, Any]:
    return {"404": error(f"No {what} of this tenant has this name.")}


def _refused() -> dict[str, Any]:
    """422 for a refused body; writes.annotate adds the Idempotency-Key answers (400, 409, 422)."""
    return {
        "422": _invalid(
            "The body is refused: a bad or reserved name, a name in use, bad rights or settings.",
            _field_error(
                "name", "hub_refused", "hub name 'admin' is reserved for turnout's own paths"
            ),
        ),
    }


def _list_hubs() -> dict[str, Any]:
    return _v1(
        "listHubs",
        TAG,
        "List the tenant's notification hubs",
        "Hubs with their counts." + _ADMIN,
        ok("The hubs.", ref("HubList")),
        {},
    )


def _create_hub(limit: int) -> dict[str, Any]:
    return _v1(
        "createHub",
        TAG,
        "Create a notification hub",
        "Creates the hub and its rules {name}-listen and {name}-full, and answers their "
        "connection strings (shown only here)." + _ADMIN,
        ok("The hub and its two connection strings.", ref("HubCreated")),
        {**_refused(), **too_large(limit)},
        body=request_body("HubCreate", {"name": "myhub", "registration_quota": 1000}),
    )


def _read_hub() -> dict[str, Any]:
    return _v1(
        "readHub",
        TAG,
        "Read a notification hub",
        "One hub." + _ADMIN,
        ok("The hub.", ref("HubOne")),
        _not_found("hub"),
        parameters=[_NAME_PARAM],
    )


def _change_hub(limit: int) -> dict[str, Any]:
    return _v1(
        "changeHub",
        TAG,
        "Change a hub's quota or registration TTL",
        "Absent keys are kept; null means unlimited or never. Lowering the quota below the count "
        "evicts nothing; creates are refused until below." + _ADMIN,
        ok("The hub as changed.", ref("HubOne")),
        {**_not_found("hub"), **_refused(), **too_large(limit)},
        parameters=[_NAME_PARAM],
        body=request_body("HubChange", {"registration_quota": None}),
    )


def _delete_hub() -> dict[str, Any]:
    return _v1(
        "deleteHub",
        TAG,
        "Delete a notification hub",
        "Deletes the hub with its rules, registrations and installations." + _ADMIN,
        ok("Deleted.", ref("Empty")),
        _not_found("hub"),
        parameters=[_NAME_PARAM],
    )


def _list_rules() -> dict[str, Any]:
    return _v1(
        "listHubRules",
        TAG,
        "List the tenant's SAS rules",
        "Rules, without their keys." + _ADMIN,
        ok("The rules.", ref("HubRuleList")),
        {},
    )


def _create_rule(limit: int) -> dict[str, Any]:
    return _v1(
        "createHubRule",
        TAG,
        "Create a SAS rule",
        "For one hub (`hub`) or every hub of the tenant; names are unique on the server. The "
        "connection string is shown only here." + _ADMIN,
        ok("The rule and its connection string.", ref("HubRuleCreated")),
        {**_refused(), **too_large(limit)},
        body=request_body(
            "HubRuleCreate", {"name": "backend", "hub": "myhub", "rights": ["listen"]}
        ),
    )


def _rotate_rule() -> dict[str, Any]:
    return _v1(
        "rotateHubRule",
        TAG,
        "Rotate a SAS rule's key",
        "A new primary key; the old primary stays valid as the secondary until the next rotation."
        + _ADMIN,
        ok("The new connection string.", ref("HubConnection")),
        _not_found("rule"),
        parameters=[_RULE_PARAM],
    )


def _delete_rule() -> dict[str, Any]:
    return _v1(
        "deleteHubRule",
        TAG,
        "Delete a SAS rule",
        "Its keys stop working at once." + _ADMIN,
        ok("Deleted.", ref("Empty")),
        _not_found("rule"),
        parameters=[_RULE_PARAM],
    )
