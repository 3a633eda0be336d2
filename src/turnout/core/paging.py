"""Page tokens: opaque, unpadded base64url, HMAC-tagged so a client can neither forge nor move them.

A token carries its kind, tenant, the object whose pages it walks (an event, say; 0 for a tenant's
top-level list), the page number it points to, the page size and the keyset position (the last
sequence value of the previous page). Pages seek from that position; no OFFSET.

Tokens know nothing of what they page: a surface names its lists by kinds of its own (an IntEnum
whose values no other surface uses: `PageKind` holds 1–15 for the calendar surfaces; a new surface
takes 16 and up, docs/ARCHITECTURE.md), and a token only decodes for the kind, tenant and parent it
was issued for.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import enum
import hashlib
import hmac
import re
import struct

_LAYOUT = struct.Struct(">BBQQIHQ")
_VERSION = 1
_TAG_BYTES = 16  # 128 bits
# Exactly the characters `encode` writes. b64decode skips anything else without complaint, so a
# token with junk around it would otherwise still be read.
_TEXT = re.compile(r"[A-Za-z0-9_-]{1,128}\Z")


class PageKind(enum.IntEnum):
    """The calendar surfaces' lists (1–15)."""

    EVENT_REGISTRATIONS = 1  # E3: event + a page of its registrations
    REGISTRATION_LIST = 2  # E6: the registration list
    EVENT_LIST = 3  # E8: the event list


@dataclasses.dataclass(frozen=True)
class PageToken:
    kind: int  # a surface's page kind (see above)
    tenant_id: int
    parent: int  # the pk of the object whose pages these are (an event's); 0 for top-level lists
    page: int  # the page this token points to, from 1
    size: int
    after: int  # keyset position: the last sequence (or event pk) of the previous page


class PageTokens:
    def __init__(self, secret: bytes) -> None:
        self._key = hashlib.sha256(b"turnout page tokens\x00" + secret).digest()

    def encode(self, token: PageToken) -> str:
        body = _LAYOUT.pack(
            _VERSION,
            token.kind,
            token.tenant_id,
            token.parent,
            token.page,
            token.size,
            token.after,
        )
        tag = hmac.new(self._key, body, hashlib.sha256).digest()[:_TAG_BYTES]
        return base64.urlsafe_b64encode(body + tag).rstrip(b"=").decode()

    def decode(self, text: str, kind: int, tenant_id: int, parent: int = 0) -> PageToken | None:
        """The token, if it is genuine and was issued for exactly this kind, tenant and parent."""
        if not _TEXT.match(text):
            return None
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        except (binascii.Error, ValueError):
            return None
        if len(raw) != _LAYOUT.size + _TAG_BYTES:
            return None
        body, tag = raw[: _LAYOUT.size], raw[_LAYOUT.size :]
        expected = hmac.new(self._key, body, hashlib.sha256).digest()[:_TAG_BYTES]
        if not hmac.compare_digest(tag, expected):
            return None
        version, *fields = _LAYOUT.unpack(body)
        if version != _VERSION:
            return None
        token = PageToken(*fields)
        if (token.kind, token.tenant_id, token.parent) != (kind, tenant_id, parent):
            return None
        return token


def page_total(current: int, has_more: bool, count: int, size: int) -> int:
    """Pages in all, as promised to clients: `current < total` exactly when there is a next page."""
    if not has_more:
        return current
    return max(current + 1, -(-count // size))
