"""API keys: `tk_<12-char public prefix>_<32-char secret>`, shown once, stored as HMAC-SHA256.

The store holds the public prefix (to find the row) and the HMAC of the whole key under the server
secret; a stolen database alone does not yield usable keys. Comparison is constant-time.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import re
import secrets
import string
import time

from turnout.core.errors import Forbidden, Unauthenticated
from turnout.core.ports import KeyStore

_ALPHABET = string.ascii_letters + string.digits
_KEY = re.compile(r"(tk_[A-Za-z0-9]{12})_[A-Za-z0-9]{32}\Z")

# What each scope grants: the four permissions endpoints ask for. `read`/`write` are the /v1 names and
# Webkasa's `*:read`/`*` their equivalents; /v1 writes answer with the event, so `write` includes reading.
# A Webkasa write scope does not imply its read scope.
EVENTS_READ, EVENTS_WRITE = "events:read", "events:write"
REGISTRATIONS_READ, REGISTRATIONS_WRITE = "registrations:read", "registrations:write"
# Managing the tenant itself (keys, hubs, webhook endpoints): only an `admin` key, which can also do
# everything `write` can. Only the CLI or another admin key can make one.
ADMIN = "admin"
_READS = frozenset({EVENTS_READ, REGISTRATIONS_READ})
_ALL = _READS | {EVENTS_WRITE, REGISTRATIONS_WRITE}
GRANTS: dict[str, frozenset[str]] = {
    "read": _READS,
    "write": _ALL,
    "admin": _ALL | {ADMIN},
    "*:read": _READS,
    "*": _ALL,
    EVENTS_READ: frozenset({EVENTS_READ}),
    EVENTS_WRITE: frozenset({EVENTS_WRITE}),
    REGISTRATIONS_READ: frozenset({REGISTRATIONS_READ}),
    REGISTRATIONS_WRITE: frozenset({REGISTRATIONS_WRITE}),
}
SCOPES = tuple(GRANTS)


def _random(n: int) -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(n))


def new_key() -> tuple[str, str]:
    """A fresh key and its public prefix."""
    prefix = "tk_" + _random(12)
    return f"{prefix}_{_random(32)}", prefix


def hash_key(secret: bytes, key: str) -> bytes:
    return hmac.new(secret, key.encode(), hashlib.sha256).digest()


def parse_scopes(text: str) -> str:
    """Normalise a space- or comma-separated scope list; ValueError names an unknown scope."""
    scopes = sorted(set(text.replace(",", " ").split()))
    unknown = [s for s in scopes if s not in GRANTS]  # Webkasa's other scopes grant nothing here
    if unknown or not scopes:
        raise ValueError(f"unknown scope {unknown[0]!r}" if unknown else "no scope given")
    return " ".join(scopes)


@dataclasses.dataclass(frozen=True)
class Principal:
    tenant_id: int
    tenant_name: str
    scopes: frozenset[str]
    key_prefix: str
    require_precondition: bool = False  # the tenant's setting: writes need If-Match/If-None-Match

    def require(self, *needed: str) -> None:
        """Raise Forbidden naming the first permission in `needed` that no scope of the key grants."""
        for permission in needed:
            if not any(permission in GRANTS.get(scope, ()) for scope in self.scopes):
                raise Forbidden(permission)


async def create_key(
    store: KeyStore, secret: bytes, tenant_id: int, scopes: str, name: str | None, now: int
) -> str:
    key, prefix = new_key()
    await store.add_api_key(tenant_id, prefix, hash_key(secret, key), scopes, name, now)
    return key


class Authenticator:
    """Turns a presented key into a Principal. Lookups are cached for `ttl` seconds, so a revoked
    key stops working within that time in every process."""

    def __init__(self, store: KeyStore, secret: bytes, ttl: float = 1.0) -> None:
        self._store = store
        self._secret = secret
        self._ttl = ttl
        self._cache: dict[str, tuple[float, Principal | None, bytes]] = {}

    async def authenticate(self, key: str | None) -> Principal:
        if not key:
            raise Unauthenticated("no API key")
        match = _KEY.match(key)
        if match is None:
            raise Unauthenticated("malformed API key")
        prefix = match.group(1)
        now = time.monotonic()
        cached = self._cache.get(prefix)
        if cached is None or now - cached[0] > self._ttl:
            record = await self._store.find_api_key(prefix)
            if record is None or record.revoked:
                cached = (now, None, b"")
            else:
                found = Principal(
                    record.tenant_id,
                    record.tenant_name,
                    record.scopes,
                    prefix,
                    record.require_precondition,
                )
                cached = (now, found, record.key_hash)
            if len(self._cache) > 10_000:
                self._cache.clear()
            self._cache[prefix] = cached
        _, principal, stored_hash = cached
        if principal is None or not hmac.compare_digest(hash_key(self._secret, key), stored_hash):
            raise Unauthenticated("unknown API key")
        return principal
