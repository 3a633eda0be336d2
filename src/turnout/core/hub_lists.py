"""Listing a hub's registrations (spec notification-hubs §4.7–4.8): page sizes, signed
continuation tokens, and the `$filter` grammar of by-channel lists."""

from __future__ import annotations

import base64
import binascii
import dataclasses
import hashlib
import hmac
import re
import struct
from urllib.parse import unquote

from turnout.core.devices import Description, DeviceInputError
from turnout.core.hub_writes import Device

DEFAULT_TOP = MAX_TOP = 100
MAX_SKIP = 10_000
_LAYOUT = struct.Struct(">QQ")  # hub id, last row id returned
_TAG_BYTES = 16
_BINDING_BYTES = 8

# $filter field → the platforms it matches (None: any) and whether it is the handle.
FIELDS: dict[str, tuple[frozenset[str] | None, str]] = {
    "channeluri": (None, "handle"),
    "devicetoken": (frozenset({"Apple"}), "handle"),
    "gcmregistrationid": (frozenset({"Gcm"}), "handle"),
    "fcmv1registrationid": (frozenset({"FcmV1"}), "handle"),
    "admregistrationid": (frozenset({"Adm"}), "handle"),
    "xiaomiregistrationid": (frozenset({"Xiaomi"}), "handle"),
    "baiduchannelid": (frozenset({"Baidu"}), "handle"),
    "endpoint": (frozenset({"Browser"}), "handle"),
    "baiduuserid": (frozenset({"Baidu"}), "BaiduUserId"),
    "p256dh": (frozenset({"Browser"}), "P256DH"),
    "auth": (frozenset({"Browser"}), "Auth"),
}
_CLAUSE = re.compile(r"(\w+) +eq +'?((?:[^']|'')*)'", re.IGNORECASE)


def unsupported() -> DeviceInputError:
    return DeviceInputError("UnsupportedQuery", "Notification hubs do not support this query.")


def invalid_token() -> DeviceInputError:
    return DeviceInputError("InvalidContinuationToken", "Invalid continuation token.")


def page_size(raw: str | None) -> int:
    if raw is None or raw.strip() == "":
        return DEFAULT_TOP
    if not raw.strip().isdigit() or not raw.strip().isascii():
        raise DeviceInputError("InvalidQuery", "$top must be a whole number.")
    top = int(raw)
    return DEFAULT_TOP if top == 0 else min(top, MAX_TOP)


def skip_count(raw: str | None) -> int:
    if raw is None or raw.strip() == "":
        return 0
    if not raw.strip().isdigit() or not raw.strip().isascii() or int(raw) > MAX_SKIP:
        raise DeviceInputError("InvalidQuery", f"$skip must be a whole number up to {MAX_SKIP}.")
    return int(raw)


@dataclasses.dataclass(frozen=True, slots=True)
class Clause:
    field: str  # a key of FIELDS
    values: tuple[str, ...]  # as sent, and percent-decoded once more


def parse_filter(text: str) -> list[Clause]:
    clauses, rest = [], text.strip()
    while True:
        match = _CLAUSE.match(rest)
        if match is None or match.group(1).lower() not in FIELDS:
            raise unsupported()
        value = match.group(2).replace("''", "'")
        clauses.append(
            Clause(match.group(1).lower(), tuple(dict.fromkeys((value, unquote(value)))))
        )
        rest = rest[match.end() :]
        if not rest:
            break
        joined = re.match(r" +and +", rest, re.IGNORECASE)
        if joined is None:
            raise unsupported()
        rest = rest[joined.end() :]
    if not any(FIELDS[c.field][1] == "handle" for c in clauses):
        raise unsupported()  # turnout finds by the indexed handle; see docs/NOTIFICATION_HUBS.md
    return clauses


def handle_candidates(clauses: list[Clause]) -> list[str]:
    """Stored handles a by-channel list looks up (Apple tokens are stored upper-case)."""
    first = next(c for c in clauses if FIELDS[c.field][1] == "handle")
    return list(dict.fromkeys(v for value in first.values for v in (value, value.upper())))


def matches(device: Device, clauses: list[Clause]) -> bool:
    description = Description.from_json(device.body)
    for clause in clauses:
        platforms, member = FIELDS[clause.field]
        if platforms is not None and description.platform not in platforms:
            return False
        stored = device.handle if member == "handle" else description.member(member) or ""
        fold = description.platform == "Apple" and member == "handle"
        if not any((stored.upper() == v.upper()) if fold else stored == v for v in clause.values):
            return False
    return True


class ListTokens:
    """`[A-Za-z0-9_-]+` tokens, HMAC-signed with the server secret, binding hub, list kind and the
    normalised tag or filter to the last row returned."""

    def __init__(self, secret: bytes) -> None:
        self._key = hashlib.sha256(b"turnout hub list tokens\x00" + secret).digest()

    def _binding(self, query: str) -> bytes:
        return hashlib.sha256(query.encode()).digest()[:_BINDING_BYTES]

    def encode(self, hub_id: int, query: str, after: int) -> str:
        body = _LAYOUT.pack(hub_id, after) + self._binding(query)
        tag = hmac.new(self._key, body, hashlib.sha256).digest()[:_TAG_BYTES]
        return base64.urlsafe_b64encode(body + tag).rstrip(b"=").decode()

    def decode(self, text: str, hub_id: int, query: str) -> int:
        """The row id to continue after; 400 InvalidContinuationToken unless genuine and bound to
        exactly this hub and query."""
        text = unquote(unquote(text.strip()))  # some clients encode tokens twice
        if len(text) > 128 or not re.fullmatch(r"[A-Za-z0-9_-]+", text):
            raise invalid_token()
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        except (binascii.Error, ValueError):
            raise invalid_token() from None
        size = _LAYOUT.size + _BINDING_BYTES
        # Only the canonical spelling: base64 ignores the unused low bits of the last character.
        canonical = base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
        if len(raw) != size + _TAG_BYTES or canonical != text:
            raise invalid_token()
        expected = hmac.new(self._key, raw[:size], hashlib.sha256).digest()[:_TAG_BYTES]
        if not hmac.compare_digest(raw[size:], expected) or raw[
            _LAYOUT.size : size
        ] != self._binding(query):
            raise invalid_token()
        bound_hub, after = _LAYOUT.unpack(raw[: _LAYOUT.size])
        if bound_hub != hub_id:
            raise invalid_token()
        return int(after)
