"""Listing a hub's registrations (spec notification-hubs §4.7–4.8): page sizes, signed
continuation tokens, and the `$filter` grammar of by-channel lists."""

from __future__ import annotations

import dataclasses
import enum
import hashlib
import re
from urllib.parse import unquote

from turnout.core.devices import CONTROL, Description, DeviceInputError
from turnout.core.hub_writes import Device
from turnout.core.hubs import Hub
from turnout.core.paging import PageToken, PageTokens

DEFAULT_TOP = MAX_TOP = 100
MAX_SKIP = 10_000

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
    """Stored handles a by-channel list looks up (Apple tokens are stored upper-case). A value with
    a control character matches no stored handle, so it is not looked up (PostgreSQL cannot even
    compare one with NUL)."""
    first = next(c for c in clauses if FIELDS[c.field][1] == "handle")
    values = (v for value in first.values for v in (value, value.upper()))
    return list(dict.fromkeys(v for v in values if not CONTROL.search(v)))


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


class HubPageKind(enum.IntEnum):
    """The hub surface's lists, in the page-token kinds a new surface takes (16 and up)."""

    ALL = 16
    BY_TAG = 17
    BY_CHANNEL = 18


class ListTokens:
    """Continuation tokens: the shared page tokens (core/paging.py), bound to the hub (parent),
    its tenant and the list kind; where calendar lists keep a page number, these keep a 32-bit
    fingerprint of the normalised tag or filter, so a token only continues the query it came from."""

    def __init__(self, tokens: PageTokens) -> None:
        self._tokens = tokens

    @staticmethod
    def _fingerprint(query: str) -> int:
        return int.from_bytes(hashlib.sha256(query.encode()).digest()[:4], "big")

    def encode(self, hub: Hub, kind: HubPageKind, query: str, size: int, after: int) -> str:
        token = PageToken(kind, hub.tenant_id, hub.id, self._fingerprint(query), size, after)
        return self._tokens.encode(token)

    def decode(self, text: str, hub: Hub, kind: HubPageKind, query: str) -> int:
        """The row id to continue after; 400 InvalidContinuationToken unless genuine and issued
        for exactly this hub, list and query. Some clients encode tokens twice."""
        text = unquote(unquote(text.strip()))
        if not re.fullmatch(r"[A-Za-z0-9_-]+", text):
            raise invalid_token()
        token = self._tokens.decode(text, kind, hub.tenant_id, hub.id)
        if token is None or token.page != self._fingerprint(query):
            raise invalid_token()
        return token.after
