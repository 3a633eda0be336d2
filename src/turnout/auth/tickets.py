"""Ticket codes: `T<tenant>-<event>-<number>-<signature>`, e.g. `T3-1234-56-K7Q2M9XH4W6RZP3D`.

The numbers are the tenant's id, the event's internal key and the registration's sequence number in
the event; the signature is the first 80 bits of HMAC-SHA256 over them under the server secret, in
Crockford's base32. So a code cannot be guessed or altered, and a server can tell offline — without
the database — whether a code is genuine and which tenant, event and registration it belongs to.
Codes are case-insensitive and short enough to type.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import hmac
import re

_CODE = re.compile(r"T(\d{1,19})-(\d{1,19})-(\d{1,19})-([0-9A-Z]{16})\Z")
_B32 = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", "0123456789ABCDEFGHJKMNPQRSTVWXYZ")
_TYPOS = str.maketrans("OIL", "011")  # Crockford: letters people type for digits


@dataclasses.dataclass(frozen=True, slots=True)
class Ticket:
    tenant_id: int
    event_pk: int
    seq: int


def _signature(secret: bytes, tenant_id: int, event_pk: int, seq: int) -> str:
    mac = hmac.new(secret, f"ticket:{tenant_id}:{event_pk}:{seq}".encode(), hashlib.sha256)
    return base64.b32encode(mac.digest()[:10]).decode().translate(_B32)


def ticket_code(secret: bytes, tenant_id: int, event_pk: int, seq: int) -> str:
    return f"T{tenant_id}-{event_pk}-{seq}-{_signature(secret, tenant_id, event_pk, seq)}"


def read_ticket(secret: bytes, text: str) -> Ticket | None:
    """The ticket a code names, if the code is genuine; None for anything else."""
    cleaned = text.strip().upper().replace(" ", "").translate(_TYPOS)
    match = _CODE.match(cleaned)
    if match is None:
        return None
    tenant_id, event_pk, seq = (int(match.group(i)) for i in (1, 2, 3))
    expected = _signature(secret, tenant_id, event_pk, seq)
    if not hmac.compare_digest(expected, match.group(4)):
        return None
    return Ticket(tenant_id, event_pk, seq)


def looks_like_ticket(text: str) -> bool:
    return text.strip().upper().startswith("T") and text.count("-") == 3
