"""The hand-written installation checks that core/installations.py's declaration replaces, kept
only for tests/test_installations_oracle.py (a copy of canonical() and its helpers at 228889e)."""

from __future__ import annotations

import json
import re
from typing import Any

from turnout.core.devices import CONTROL, DeviceInputError, check_tags

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
_USER = re.compile(r"[A-Za-z0-9_@#.:=-]+\Z")


def invalid(message: str) -> DeviceInputError:
    return DeviceInputError("InvalidRequestBody", message)


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
