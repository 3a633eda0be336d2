"""Device registrations of a notification hub: their descriptions and the rules they must meet
(spec notification-hubs §4.1, §5.3, §6).

A description is a platform (Apple, Windows, …), whether it is a template, its tags, its push
variables and its members in DataContract order. Its canonical form decides the no-op rule: a write
of an equal description changes nothing.
"""

from __future__ import annotations

import dataclasses
import json
import re
import secrets
from collections.abc import Mapping
from urllib.parse import urlsplit

from turnout.core.errors import TurnoutError

Headers = tuple[tuple[str, str], ...]
Member = tuple[str, str | Headers]

# Platform → (its members, its template members), in DataContract order; `*` marks required ones.
PLATFORMS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "Windows": (
        ("ChannelUri*", "SecondaryTileName"),
        ("BodyTemplate*", "WnsHeaders", "TemplateName"),
    ),
    "Apple": (
        ("DeviceToken*",),
        ("BodyTemplate*", "Expiry", "TemplateName", "Priority", "ApnsHeaders"),
    ),
    "Gcm": (("GcmRegistrationId*",), ("BodyTemplate*", "TemplateName")),
    "FcmV1": (("FcmV1RegistrationId*",), ("BodyTemplate*", "TemplateName")),
    "Adm": (("AdmRegistrationId*",), ("BodyTemplate*", "TemplateName")),
    "Baidu": (
        ("BaiduUserId*", "BaiduChannelId*"),
        ("BodyTemplate*", "TemplateName", "MessageType"),
    ),
    "Browser": (("Endpoint*", "P256DH*", "Auth*"), ("BodyTemplate*", "TemplateName")),
    "Xiaomi": (("XiaomiRegistrationId*",), ("BodyTemplate*", "TemplateName")),
    "Mpns": (("ChannelUri*",), ("BodyTemplate*", "MpnsHeaders", "TemplateName")),
}
# The member holding each platform's PNS handle.
HANDLE_MEMBER = {
    "Windows": "ChannelUri",
    "Apple": "DeviceToken",
    "Gcm": "GcmRegistrationId",
    "FcmV1": "FcmV1RegistrationId",
    "Adm": "AdmRegistrationId",
    "Baidu": "BaiduChannelId",
    "Browser": "Endpoint",
    "Xiaomi": "XiaomiRegistrationId",
    "Mpns": "ChannelUri",
}
HEADER_LISTS = {"WnsHeaders": "WnsHeader", "ApnsHeaders": "ApnsHeader", "MpnsHeaders": "MpnsHeader"}
# Legacy FCM names the real service answers as Gcm (spec §5.4).
TYPE_ALIASES = {"Fcm": "Gcm"}
MEMBER_ALIASES = {"FcmRegistrationId": "GcmRegistrationId"}

NEVER_EXPIRES = None
MAX_TAGS = 60
_TAG = re.compile(r"[A-Za-z0-9_@#.:-]{1,120}\Z")
_SPECIAL_TAG = re.compile(r"\$(InstallationId|UserId):\{[A-Za-z0-9_@#.:=-]+\}\Z", re.IGNORECASE)
_HEX = re.compile(r"(?:[0-9A-Fa-f]{2}){1,100}\Z")
_REGISTRATION_ID = re.compile(r"[A-Za-z0-9_-]{1,64}\Z")
CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class DeviceInputError(TurnoutError):
    """Input the hub surface refuses with 400; `reason` is its stable x-ms-error-code (spec §2.4
    row 8), which says which rule the input broke."""

    code = "invalid_device"

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


class QuotaExceeded(TurnoutError):
    """The hub's registration quota is reached (spec §8.1): the seats analog."""

    code = "quota_exceeded"


class RegistrationGone(TurnoutError):
    """The registration ID cannot be used: malformed, or deleted within the retention period."""

    code = "registration_gone"


class DeviceMissing(TurnoutError):
    code = "device_not_found"


class VersionMismatch(TurnoutError):
    """An If-Match that names another version (spec §4.6)."""

    code = "precondition_failed"


@dataclasses.dataclass(frozen=True, slots=True)
class Description:
    platform: str  # a key of PLATFORMS
    template: bool
    tags: tuple[str, ...]
    push_variables: str | None  # compact JSON object of strings
    members: tuple[Member, ...]  # platform then template members, DataContract order, present only

    @property
    def type_name(self) -> str:
        kind = "TemplateRegistrationDescription" if self.template else "RegistrationDescription"
        return self.platform + kind

    def member(self, name: str) -> str | None:
        for member_name, value in self.members:
            if member_name == name and isinstance(value, str):
                return value
        return None

    @property
    def handle(self) -> str:
        return self.member(HANDLE_MEMBER[self.platform]) or ""

    def to_json(self) -> str:
        members = [[k, v if isinstance(v, str) else [list(h) for h in v]] for k, v in self.members]
        return json.dumps([self.platform, self.template, self.tags, self.push_variables, members])

    @classmethod
    def from_json(cls, text: str) -> Description:
        platform, template, tags, push_variables, members = json.loads(text)
        return cls(
            platform,
            template,
            tuple(tags),
            push_variables,
            tuple(
                (k, v if isinstance(v, str) else tuple((h[0], h[1]) for h in v)) for k, v in members
            ),
        )


def type_of(type_name: str) -> tuple[str, bool]:
    """(platform, template) of a description element name, or 400 InvalidDescription."""
    for suffix, template in (
        ("TemplateRegistrationDescription", True),
        ("RegistrationDescription", False),
    ):
        if type_name.endswith(suffix):
            platform = type_name.removesuffix(suffix)
            platform = TYPE_ALIASES.get(platform, platform)
            if platform in PLATFORMS:
                return platform, template
    raise DeviceInputError("InvalidDescription", "The specified resource description is invalid.")


def describe(type_name: str, fields: Mapping[str, str | Headers]) -> Description:
    """The valid description of a parsed body: `fields` by local name, empty ones already dropped."""
    platform, template = type_of(type_name)
    fields = {MEMBER_ALIASES.get(k, k): v for k, v in fields.items()}
    own, template_members = PLATFORMS[platform]
    members: list[Member] = []
    for spec in own + (template_members if template else ()):
        name = spec.rstrip("*")
        value = fields.get(name)
        if value is None:
            if spec.endswith("*"):
                raise DeviceInputError("InvalidDescription", f"{name} is required.")
            continue
        members.append((name, _checked_member(name, value)))
    if platform == "Windows" and template:
        _require_wns_type(dict(members).get("WnsHeaders"))
    tags = parse_tags(_text(fields.get("Tags")) or "")
    push_variables = _push_variables(_text(fields.get("PushVariables")))
    return Description(platform, template, tags, push_variables, tuple(members))


def _text(value: str | Headers | None) -> str | None:
    return value if isinstance(value, str) or value is None else None


def _checked_member(name: str, value: str | Headers) -> str | Headers:
    if name in HEADER_LISTS:
        if isinstance(value, str):
            raise DeviceInputError("InvalidField", f"{name} must be a list of headers.")
        kept: dict[str, tuple[str, str]] = {}
        for header, header_value in value:
            if not header.strip():
                raise DeviceInputError("InvalidField", f"{name}: a Header is empty.")
            kept[header.strip().lower()] = (header.strip(), header_value)  # the last one wins
        return tuple(kept.values())
    if not isinstance(value, str):
        raise DeviceInputError("InvalidField", f"{name} must be text.")
    if name == "BodyTemplate":
        if not value:
            raise DeviceInputError("InvalidField", "BodyTemplate must not be empty.")
        return value  # verbatim: never parsed as JSON or XML
    return _checked_scalar(name, value.strip())


def _checked_scalar(name: str, value: str) -> str:
    if name == "DeviceToken":
        if not _HEX.match(value):
            raise DeviceInputError("InvalidField", "DeviceToken must be 2-200 hexadecimal digits.")
        return value.upper()
    if name in ("ChannelUri", "Endpoint"):
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc or len(value) > 2048:
            raise DeviceInputError("InvalidField", f"{name} must be an absolute http(s) URI.")
        return value
    limit = 200 if name == "TemplateName" else 256 if name in _VERBATIM else 2048
    if not value or len(value) > limit or CONTROL.search(value):
        raise DeviceInputError("InvalidField", f"{name} must be 1-{limit} printable characters.")
    return value


_VERBATIM = {"Expiry", "Priority", "MessageType", "SecondaryTileName"}


def _require_wns_type(headers: str | Headers | None) -> None:
    if not isinstance(headers, tuple) or not any(h.lower() == "x-wns-type" for h, _ in headers):
        raise DeviceInputError("InvalidField", "WnsHeaders must include X-WNS-Type.")


def _push_variables(text: str | None) -> str | None:
    if text is None:
        return None
    try:
        value = json.loads(text)
    except ValueError:
        value = None
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise DeviceInputError("InvalidField", "PushVariables must be a JSON object of strings.")
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def parse_tags(text: str) -> tuple[str, ...]:
    """Tags from a comma-separated list: trimmed, empties dropped, first of duplicates kept."""
    return check_tags([part.strip() for part in text.split(",")])


def check_tags(tags: list[str]) -> tuple[str, ...]:
    kept: dict[str, None] = {}
    special: set[str] = set()
    for tag in tags:
        if not tag or tag in kept:
            continue
        check_tag(tag)
        if tag.startswith("$"):
            prefix = tag.split(":", 1)[0].lower()
            if prefix in special:
                raise _invalid_tag(tag)
            special.add(prefix)
        kept[tag] = None
    if len(kept) > MAX_TAGS:
        raise DeviceInputError("InvalidTag", f"A registration can have at most {MAX_TAGS} tags.")
    return tuple(kept)


def check_tag(tag: str) -> str:
    if len(tag) > 120 or not (_TAG.match(tag) or _SPECIAL_TAG.match(tag)):
        raise _invalid_tag(tag)
    return tag


def _invalid_tag(tag: str) -> DeviceInputError:
    return DeviceInputError(
        "InvalidTag",
        f"An invalid tag(s) '{tag}' was supplied. Valid tag characters are alphanumeric, _, @, -, ., : and #.",
    )


def new_registration_id() -> str:
    """`{a}-{b}-1`, a and b uniform in [0, 2^63): the shape the real service issues."""
    return f"{secrets.randbelow(2**63)}-{secrets.randbelow(2**63)}-1"


def usable_registration_id(registration_id: str) -> bool:
    return bool(_REGISTRATION_ID.match(registration_id))
