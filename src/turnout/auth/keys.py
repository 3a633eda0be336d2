"""API keys: `tk_<12-char public prefix>_<32-char secret>`, shown once, stored as HMAC-SHA256.

The store holds the public prefix (to find the row) and the HMAC of the whole key under the server
secret; a stolen database alone does not yield usable keys. Comparison is constant-time.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import hmac
import re

from turnout.core import ids, times
from turnout.core.errors import Forbidden, Unauthenticated, Unavailable
from turnout.core.ports import KeyListing, KeyStore

_KEY = re.compile(r"(tk_[A-Za-z0-9]{12})_[A-Za-z0-9]{32}\Z")
PREFIX = re.compile(r"tk_[A-Za-z0-9]{12}\Z")

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


def new_key() -> tuple[str, str]:
    """A fresh key and its public prefix."""
    prefix = "tk_" + ids.random_text(12)
    return f"{prefix}_{ids.random_text(32)}", prefix


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
    cors_origins: tuple[str, ...] = ()  # the tenant's setting: browser origins it allows

    def require(self, *needed: str) -> None:
        """Raise Forbidden naming the first permission in `needed` that no scope of the key grants."""
        for permission in needed:
            if not any(permission in GRANTS.get(scope, ()) for scope in self.scopes):
                raise Forbidden(permission)


async def create_key(
    store: KeyStore,
    secret: bytes,
    tenant_id: int,
    scopes: str,
    name: str | None,
    now: int,
    expires_at: int | None = None,
) -> str:
    key, prefix = new_key()
    await store.add_api_key(tenant_id, prefix, hash_key(secret, key), scopes, name, now, expires_at)
    return key


# How often a key's last use is written: a read of the key is per request, a write is not.
LAST_USED_EVERY = 60
# `turnout key rotate` and POST /v1/keys/{prefix}/rotate: how long the old key keeps working, by
# default. A day covers a daily deploy picking up the new key; --grace changes it.
ROTATION_GRACE = 24 * 3600
MAX_GRACE = 30 * 86400  # through the API, a rotated key lives at most a month more


class KeyRefused(Unauthenticated):
    """A credential turnout will not accept: `str()` names the problem, `fix` what to do."""

    def __init__(
        self,
        problem: str,
        fix: str = "send a valid key: Authorization: Bearer tk_...",
        *,
        presented: bool = True,
    ) -> None:
        super().__init__(problem)
        self.fix = fix
        self.presented = presented  # False: no credential at all (RFC 6750 §3.1: no error code)


def no_key() -> KeyRefused:
    return KeyRefused(
        "no API key was sent",
        "send the key in the Authorization header: Authorization: Bearer tk_...",
        presented=False,
    )


def malformed() -> KeyRefused:
    return KeyRefused(
        "the API key is not a turnout key (tk_ then 12 and 32 letters or digits)",
        "copy the whole key as `turnout key create` printed it, with nothing added or cut",
    )


def unknown() -> KeyRefused:
    return KeyRefused(
        "the API key is not known to this server",
        "check the key, or make one with: turnout key create --tenant NAME",
    )


def _expired(at: int) -> KeyRefused:
    return KeyRefused(
        f"the API key expired at {times.format_utc(at)}",
        "use the key that replaced it, or make one with: turnout key create --tenant NAME",
    )


def revoked() -> KeyRefused:
    return KeyRefused(
        "the API key was revoked",
        "make a new one with: turnout key create --tenant NAME (or POST /v1/keys with an admin key)",
    )


class Authenticator:
    """Turns a presented key into a Principal.

    Every request asks the store for the key's row: SQLite reads it; PostgreSQL answers from a cache
    that NOTIFY keeps right (store/postgres/keycache.py). So a revocation, an expiry or a tenant's
    new setting applies to the next request in every process (docs/API.md "Managing keys"; figures
    in docs/PERFORMANCE.md). The key's last use is written at most once a minute, so reads stay
    reads.
    """

    def __init__(self, store: KeyStore, secret: bytes) -> None:
        self._store = store
        self._secret = secret
        self._touched: dict[str, int] = {}  # prefix -> when this process last wrote its use

    async def authenticate(self, key: str | None) -> Principal:
        if not key:
            raise no_key()
        match = _KEY.match(key)
        if match is None:
            raise malformed()
        prefix = match.group(1)
        record = await self._store.find_api_key(prefix)
        if record is None or not hmac.compare_digest(hash_key(self._secret, key), record.key_hash):
            raise unknown()
        now = times.now()
        if record.revoked:
            raise revoked()
        if record.expires_at is not None and record.expires_at <= now:
            raise _expired(record.expires_at)
        await self._note_use(prefix, record.last_used_at, now)
        return Principal(
            record.tenant_id,
            record.tenant_name,
            record.scopes,
            prefix,
            record.require_precondition,
            record.cors_origins,
        )

    async def _note_use(self, prefix: str, last_used: int | None, now: int) -> None:
        recent = max(last_used or 0, self._touched.get(prefix, 0))
        if now - recent < LAST_USED_EVERY:
            return
        if len(self._touched) > 10_000:
            self._touched.clear()
        self._touched[prefix] = now
        with contextlib.suppress(Unavailable):  # a missed "last used" must not fail the request
            await self._store.touch_api_key(prefix, now, LAST_USED_EVERY)


async def rotate_key(
    store: KeyStore, secret: bytes, listing: KeyListing, grace: int, now: int
) -> str:
    """A new key with the old one's tenant, scopes, name and expiry; the old one stops working
    `grace` seconds from now (or sooner, if it already expires sooner)."""
    key = await create_key(
        store, secret, listing.tenant_id, listing.scopes, listing.name, now, listing.expires_at
    )
    await store.expire_api_key(listing.prefix, now + grace)
    return key


def fingerprint(secret: bytes) -> str:
    """Names the server secret without revealing it: stored, to notice a changed secret at start."""
    return hmac.new(secret, b"turnout server secret fingerprint", hashlib.sha256).hexdigest()[:16]


class SecretChanged(Exception):
    """The server secret is not the one this database's keys were made with."""


async def check_secret(store: KeyStore, secret: bytes, now: int) -> None:
    """Refuse a secret other than the one the usable keys were made with, since every one of them
    would then be refused; record the secret when no usable key depends on the recorded one."""
    mine, recorded = fingerprint(secret), await store.secret_fingerprint()
    if recorded == mine:
        return
    usable = await store.count_usable_keys(now)
    if recorded is None or usable == 0:
        await store.record_secret_fingerprint(mine, now)
        return
    raise SecretChanged(
        f"this server secret is not the one this database's {usable} API key(s) were made with, "
        "so every key would be refused. Restore the old secret (TURNOUT_SECRET or the file "
        "TURNOUT_SECRET_FILE names, default var/turnout.secret), or, to start again with new keys, "
        "run: turnout secret adopt (it revokes every key)"
    )
