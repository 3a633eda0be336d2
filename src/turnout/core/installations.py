"""Installations (spec notification-hubs §7): the PUT rules, declared once, and JSON-Patch.

An installation is kept as its canonical JSON object, keys in the real service's order. A PUT body
and a patched installation are both checked by `canonical`: converted against `InstallationPut`
(msgspec), then the steps no type says, field by field in the declared order. The surface answers
one error, the first: when the whole conversion fails, each field is converted alone (`_fields`),
so the first field in that order that fails is the one refused, whatever order the body has.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

import msgspec
from msgspec import UNSET, Meta, Struct, UnsetType

from turnout.core.devices import CONTROL, DeviceInputError, check_tags
from turnout.core.hub_writes import Decide, Device, DeviceWrite, expiry
from turnout.core.limits import MAX_INSTALLATION_ID, MAX_PUSH_CHANNEL, MAX_TEMPLATE_NAME, whole

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
_NAME = r"[A-Za-z0-9_@#.:=-]"  # an installation ID's or userId's characters (they fit $UserId:{…})
_ID = re.compile(f"{_NAME}{{1,{MAX_INSTALLATION_ID}}}\\Z")
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

# The declarations. Patterns: msgspec searches, so they are anchored; `\Z`, not `$`.
Printable = Annotated[str, Meta(pattern=whole(r"[^\x00-\x1f\x7f]+"))]


class BrowserChannel(Struct):
    """A browser's Web Push subscription, the pushChannel of platform `browser`; other keys are
    dropped."""

    endpoint: Printable
    p256dh: Printable
    auth: Printable


class InstallationTemplate(Struct):
    body: str
    headers: dict[str, str] | UnsetType = UNSET
    tags: list[str] | UnsetType = UNSET
    expiry: Annotated[Any, Meta(description="Kept as text, whatever JSON value it is.")] = UNSET


class InstallationPut(Struct):
    """What PUT takes, and what a patched installation must be. installationId may be left out:
    the path names it, and a body's is ignored."""

    platform: Annotated[
        str,
        Meta(
            description="One of " + ", ".join(PLATFORMS) + " (any case; stored lower-case).",
            examples=["apns", "fcmv1", "wns", "browser"],
        ),
    ]
    pushChannel: (
        Annotated[str, Meta(max_length=MAX_PUSH_CHANNEL, description="Not blank; printable.")]
        | BrowserChannel
    )
    tags: list[str] | UnsetType = UNSET
    userId: Annotated[str, Meta(pattern=whole(f"{_NAME}+"))] | UnsetType = UNSET
    pushVariables: dict[str, str] | UnsetType = UNSET
    templates: (
        dict[
            Annotated[str, Meta(max_length=MAX_TEMPLATE_NAME)],
            InstallationTemplate
            | Annotated[str, Meta(description="A template as a JSON string (its SDKs' form).")],
        ]
        | UnsetType
    ) = UNSET
    secondaryTiles: Annotated[Any, Meta(description="Stored verbatim.")] = UNSET
    installationId: str | UnsetType = UNSET


# What the service takes as if absent, before the conversion: these keys when empty (or any
# falsy JSON value), these when null, and a body's installationId (the path's wins).
_EMPTY_IS_ABSENT = ("tags", "templates")
_NULL_IS_ABSENT = ("userId", "pushVariables", "secondaryTiles")
_IGNORED = ("installationId",)


class _Failed:
    def __repr__(self) -> str:
        return "FAILED"


FAILED: Any = _Failed()  # a field that did not pass its declaration
S = TypeVar("S", bound=Struct)
_TYPES: dict[type[Struct], dict[str, tuple[Any, bool]]] = {
    kind: {f.name: (f.type, f.required) for f in msgspec.structs.fields(kind)}
    for kind in (InstallationPut, InstallationTemplate)
}


def _fields(value: Any, kind: type[S]) -> Callable[[str], Any]:
    """`value`'s fields as `kind` declares them: from the whole conversion when it passes (the
    usual path), else each converted alone; FAILED where a field does not pass (or `value` is not
    an object), UNSET where an optional one is absent."""
    if isinstance(value, kind):
        return lambda name: getattr(value, name)
    if not isinstance(value, dict):
        return lambda _name: FAILED
    try:
        whole = msgspec.convert(value, kind)
    except msgspec.ValidationError:
        pass
    else:
        return lambda name: getattr(whole, name)
    types = _TYPES[kind]

    def alone(name: str) -> Any:
        kind_of, required = types[name]
        if name not in value:
            return FAILED if required else UNSET
        try:
            return msgspec.convert(value[name], kind_of)
        except msgspec.ValidationError:
            return FAILED

    return alone


def invalid(message: str) -> DeviceInputError:
    return DeviceInputError("InvalidRequestBody", message)


def plausible_id(installation_id: str) -> bool:
    """Whether an installation could have this ID: others are missing without a look-up."""
    return bool(_ID.match(installation_id))


def usable_id(installation_id: str) -> str:
    if not _ID.match(installation_id):
        raise invalid("The installation ID is not valid.")
    return installation_id


def canonical(installation_id: str, body: Any) -> dict[str, Any]:
    """The valid, canonical installation of a PUT body or a patched one; the path ID wins. The
    steps run in the declared order, each refusing its field with its own message."""
    if not isinstance(body, dict):
        raise invalid("An installation is a JSON object.")
    given = {
        key: value
        for key, value in body.items()
        if key not in _IGNORED
        and not (key in _EMPTY_IS_ABSENT and not value)
        and not (key in _NULL_IS_ABSENT and value is None)
    }
    field = _fields(given, InstallationPut)
    platform = field("platform")
    if platform is FAILED or platform.lower() not in PLATFORMS:
        raise invalid("platform must be one of " + ", ".join(PLATFORMS) + ".")
    platform = platform.lower()
    channel = field("pushChannel")
    if platform == "browser":
        if not isinstance(channel, BrowserChannel):
            raise invalid("a browser pushChannel has endpoint, p256dh and auth.")
        channel = {"endpoint": channel.endpoint, "p256dh": channel.p256dh, "auth": channel.auth}
    elif not isinstance(channel, str) or not channel.strip() or CONTROL.search(channel.strip()):
        raise invalid(f"pushChannel is a string of 1-{MAX_PUSH_CHANNEL} printable characters.")
    result: dict[str, Any] = {
        "installationId": installation_id,
        "pushChannel": channel,
        "platform": platform,
    }
    if (tags := field("tags")) is not UNSET:
        if tags is FAILED:
            raise DeviceInputError("InvalidTag", "tags must be a list of strings.")
        result["tags"] = list(check_tags([t.strip() for t in tags]))
    if (user := field("userId")) is not UNSET:
        if user is FAILED:
            raise invalid("userId is not valid.")
        result["userId"] = user
    if (variables := field("pushVariables")) is not UNSET:
        if variables is FAILED:
            raise invalid("pushVariables must be an object of strings.")
        result["pushVariables"] = variables
    if (templates := field("templates")) is not UNSET:
        if templates is FAILED:
            templates = given["templates"]  # each template is refused in its own words below
            if not isinstance(templates, dict):
                raise invalid("templates must be an object.")
        result["templates"] = {name: _template(name, t) for name, t in templates.items()}
    if (tiles := field("secondaryTiles")) is not UNSET:
        result["secondaryTiles"] = tiles
    return result


def _template(name: str, value: Any) -> dict[str, Any]:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise invalid(f"template {name!r} is not a JSON object.") from None
    field = _fields(value, InstallationTemplate)
    body = field("body")
    if len(name) > MAX_TEMPLATE_NAME or body is FAILED:
        raise invalid(f"template {name!r} needs a string body.")
    kept: dict[str, Any] = {"body": body}
    if (headers := field("headers")) is not UNSET:
        if headers is FAILED:
            raise invalid("template headers must be an object of strings.")
        kept["headers"] = headers
    if (tags := field("tags")) is not UNSET:
        if tags is FAILED:
            raise invalid("template tags must be a list of strings.")
        kept["tags"] = list(check_tags(tags))
    if (when := field("expiry")) is not UNSET:
        kept["expiry"] = str(when)
    return kept


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
        if not isinstance(tiles, dict):  # stored verbatim by a PUT: it may be any JSON value
            raise DeviceInputError(
                "InvalidPatch", "secondaryTiles is not an object: it has no members to patch."
            )
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
            templates[name] = _json_string(value, f"/templates/{name}")
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
        if part in ("headers", "tags"):
            parsed = _json_string(value, f"/templates/{name}/{part}")
        template[part] = parsed


def _json_string(value: Any, path: str) -> Any:
    """A patch value may be a string holding JSON (spec §7, the [V] form): read it, or refuse it
    as the patch's fault (it was an unhandled JSONDecodeError, a 500)."""
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except (ValueError, RecursionError):  # RecursionError: a string nesting thousands deep
        raise DeviceInputError(
            "InvalidPatch", f"The value for {path} is a string but not the JSON it must hold."
        ) from None


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
