"""Installations (spec notification-hubs §7): the PUT rules and JSON-Patch.

An installation is kept as its canonical JSON object, keys in the real service's order; the core
validates every PUT and every patched result with the same rules.
"""

from __future__ import annotations

import copy
import json
import re
from typing import Any

from turnout.core.devices import CONTROL, DeviceInputError, check_tags
from turnout.core.hub_writes import Decide, Device, DeviceWrite, expiry

PLATFORMS = {
    "apns": "Apple",
    "wns": "Windows",
    "mpns": "Mpns",
    "gcm": "Gcm",
    "fcmv1": "FcmV1",
    "adm": "Adm",
    "baidu": "Baidu",
    "browser": "Browser",
    "xiaomi": "Xiaomi",
}
_ID = re.compile(r"[A-Za-z0-9_@#.:=-]{1,255}\Z")
_USER = re.compile(r"[A-Za-z0-9_@#.:=-]+\Z")
_ORDER = (
    "installationId",
    "pushChannel",
    "platform",
    "tags",
    "userId",
    "pushVariables",
    "templates",
    "secondaryTiles",
)


def invalid(message: str) -> DeviceInputError:
    return DeviceInputError("InvalidRequestBody", message)


def plausible_id(installation_id: str) -> bool:
    """Whether an installation could have this ID: others are missing without a look-up."""
    return bool(_ID.match(installation_id))


def usable_id(installation_id: str) -> str:
    if not _ID.match(installation_id):
        raise invalid("The installation ID is not valid.")
    return installation_id


def _strings(value: Any, what: str) -> dict[str, str]:
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise invalid(f"{what} must be an object of strings.")
    return value


def _template(name: str, value: Any) -> dict[str, Any]:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise invalid(f"template {name!r} is not a JSON object.") from None
    if len(name) > 200 or not isinstance(value, dict) or not isinstance(value.get("body"), str):
        raise invalid(f"template {name!r} needs a string body.")
    kept: dict[str, Any] = {"body": value["body"]}
    if "headers" in value:
        kept["headers"] = _strings(value["headers"], "template headers")
    if "tags" in value:
        if not isinstance(value["tags"], list) or not all(
            isinstance(t, str) for t in value["tags"]
        ):
            raise invalid("template tags must be a list of strings.")
        kept["tags"] = list(check_tags(value["tags"]))
    if "expiry" in value:
        kept["expiry"] = str(value["expiry"])
    return kept


def canonical(installation_id: str, body: Any) -> dict[str, Any]:
    """The valid, canonical installation of a PUT body or a patched one; the path ID wins."""
    if not isinstance(body, dict):
        raise invalid("An installation is a JSON object.")
    platform = str(body.get("platform", "")).lower()
    if platform not in PLATFORMS:
        raise invalid("platform must be one of " + ", ".join(PLATFORMS) + ".")
    channel = body.get("pushChannel")
    if platform == "browser":
        if not isinstance(channel, dict) or not all(
            isinstance(channel.get(k), str) and channel.get(k) and not CONTROL.search(channel[k])
            for k in ("endpoint", "p256dh", "auth")
        ):
            raise invalid("a browser pushChannel has endpoint, p256dh and auth.")
        channel = {k: channel[k] for k in ("endpoint", "p256dh", "auth")}
    elif (
        not isinstance(channel, str)
        or not channel.strip()
        or len(channel) > 2048
        or CONTROL.search(channel.strip())
    ):
        raise invalid("pushChannel is a string of 1-2048 printable characters.")
    result: dict[str, Any] = {
        "installationId": installation_id,
        "pushChannel": channel,
        "platform": platform,
    }
    if body.get("tags"):
        if not isinstance(body["tags"], list) or not all(isinstance(t, str) for t in body["tags"]):
            raise DeviceInputError("InvalidTag", "tags must be a list of strings.")
        result["tags"] = list(check_tags([t.strip() for t in body["tags"]]))
    if body.get("userId") is not None:
        if not isinstance(body["userId"], str) or not _USER.match(body["userId"]):
            raise invalid("userId is not valid.")
        result["userId"] = body["userId"]
    if body.get("pushVariables") is not None:
        result["pushVariables"] = _strings(body["pushVariables"], "pushVariables")
    if body.get("templates"):
        if not isinstance(body["templates"], dict):
            raise invalid("templates must be an object.")
        result["templates"] = {n: _template(n, t) for n, t in body["templates"].items()}
    if body.get("secondaryTiles") is not None:
        result["secondaryTiles"] = body["secondaryTiles"]
    return result


def handle_of(installation: dict[str, Any]) -> str:
    channel = installation["pushChannel"]
    handle = channel["endpoint"] if isinstance(channel, dict) else channel.strip()
    return str(handle).upper() if installation["platform"] == "apns" else str(handle)


def put(installation_id: str, body: Any, ttl: int | None) -> Decide:
    installation = canonical(installation_id, body)
    return _writing(lambda _old: installation, ttl, create=True)


def patch(installation_id: str, operations: Any, ttl: int | None) -> Decide:
    if not isinstance(operations, list):
        raise invalid("A JSON-Patch body is an array of operations.")

    def change(old: dict[str, Any]) -> dict[str, Any]:
        patched = copy.deepcopy(old)
        for operation in operations:
            apply_operation(patched, operation)
        return canonical(installation_id, patched)

    return _writing(change, ttl, create=False)


def _writing(change: Any, ttl: int | None, create: bool) -> Decide:
    def decide(old: Device | None, _tombstoned: bool, now: int) -> DeviceWrite | None:
        live = old if old is not None and old.live(now) else None
        if live is None and not create:
            from turnout.core.devices import DeviceMissing

            raise DeviceMissing("installation")
        current = json.loads(live.body) if live is not None else None
        installation = change(current)
        if installation == current:
            return None
        tags = tuple(installation.get("tags", ()))
        return DeviceWrite(
            platform=PLATFORMS[installation["platform"]],
            handle=handle_of(installation),
            body=json.dumps(installation, separators=(",", ":")),
            tags=tags,
            version=1 if live is None else live.version + 1,
            expires_at=expiry(ttl, now),
            fresh=live is None,
        )

    return decide


def _pointer(path: Any) -> list[str]:
    if not isinstance(path, str) or not path.startswith("/"):
        raise DeviceInputError("InvalidPatch", "A patch path is a JSON Pointer.")
    return [p.replace("~1", "/").replace("~0", "~") for p in path[1:].split("/")]


def apply_operation(installation: dict[str, Any], operation: Any) -> None:
    if not isinstance(operation, dict) or operation.get("op") not in ("add", "replace", "remove"):
        raise DeviceInputError(
            "InvalidPatch", "Only add, replace and remove operations are supported."
        )
    op, parts, value = operation["op"], _pointer(operation.get("path")), operation.get("value")
    head = parts[0].lower() if parts else ""
    if head in ("pushchannel", "userid", "user") and len(parts) == 1:
        field = "pushChannel" if head == "pushchannel" else "userId"
        if op == "remove":
            if field == "pushChannel":
                raise DeviceInputError("InvalidPatch", "pushChannel cannot be removed.")
            installation.pop(field, None)
        else:
            installation[field] = value
    elif head == "tags":
        _patch_tags(installation, op, parts[1:], value)
    elif head == "templates" and len(parts) >= 2:
        _patch_template(installation, op, parts[1], parts[2:], value)
    elif head == "secondarytiles":
        tiles = installation.setdefault("secondaryTiles", {})
        if op == "remove":
            tiles.pop("/".join(parts[1:]), None)
        else:
            tiles["/".join(parts[1:])] = value
    else:
        raise DeviceInputError(
            "InvalidPatch", f"The path {operation.get('path')!r} cannot be patched."
        )


def _patch_tags(installation: dict[str, Any], op: str, rest: list[str], value: Any) -> None:
    tags: list[str] = list(installation.get("tags", []))
    if rest:
        if op == "add":
            tags.append(rest[0])
        elif op == "remove":
            tags = [t for t in tags if t != rest[0]]
        else:
            raise DeviceInputError("InvalidPatch", "replace is not supported on a single tag.")
    elif op == "remove":
        tags = []
    else:
        added = [value] if isinstance(value, str) else value
        if not isinstance(added, list) or not all(isinstance(t, str) for t in added):
            raise DeviceInputError("InvalidTag", "tags are strings.")
        tags = added if op == "replace" else tags + added
    if tags:
        installation["tags"] = tags
    else:
        installation.pop("tags", None)


def _patch_template(
    installation: dict[str, Any], op: str, name: str, rest: list[str], value: Any
) -> None:
    templates = installation.setdefault("templates", {})
    if not rest:
        if op == "remove":
            templates.pop(name, None)
        else:
            templates[name] = json.loads(value) if isinstance(value, str) else value
        return
    part = rest[0]
    template = templates.get(name)
    if not isinstance(template, dict) or part not in ("body", "headers", "tags", "expiry"):
        raise DeviceInputError("InvalidPatch", f"No template part {name}/{part}.")
    if op == "remove":
        if part == "body":
            raise DeviceInputError("InvalidPatch", "A template's body cannot be removed.")
        template.pop(part, None)
    else:
        parsed = value
        if part in ("headers", "tags") and isinstance(value, str):
            parsed = json.loads(value)
        template[part] = parsed


def ordered(
    installation: dict[str, Any], expires_at: int | None, format_instant: Any
) -> dict[str, Any]:
    """The GET body: keys in the real service's order, pushChannelExpired and expirationTime added."""
    body: dict[str, Any] = {
        "installationId": installation["installationId"],
        "pushChannel": installation["pushChannel"],
        "pushChannelExpired": False,
        "platform": installation["platform"],
        "expirationTime": format_instant(expires_at),
    }
    for key in _ORDER[3:]:
        if key in installation:
            body[key] = installation[key]
    return body
