"""Notification hubs and their SAS rules (docs/NOTIFICATION_HUBS.md, spec notification-hubs §1, §3.1).

A hub belongs to one tenant (an Azure namespace). A SAS rule is a key name with a primary and an
optional secondary key, rights among listen/send/manage, and a scope: the whole tenant or one hub.
Rule keys are kept recoverably, sealed with AES-GCM under a key derived from the server secret,
because the server computes HMACs with them; this is the documented exception to hash-only storage.
"""

from __future__ import annotations

import base64
import dataclasses
import re
import secrets

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from turnout.core.errors import TurnoutError

LISTEN, SEND, MANAGE = "listen", "send", "manage"
RIGHTS = (LISTEN, SEND, MANAGE)

# The characters of hub and rule names (the OpenAPI document's patterns read these too).
HUB_NAME_PATTERN = r"[A-Za-z0-9]([A-Za-z0-9._-]{0,62}[A-Za-z0-9])?"
RULE_NAME_PATTERN = r"[A-Za-z0-9._-]{1,256}"
_HUB_NAME = re.compile(HUB_NAME_PATTERN + r"\Z")
# Names the first path segment of other routes takes, so no hub may have them (any case).
_RESERVED = {"v1", "api", "docs", "openapi.json", "metrics", "static", "admin", "readyz"}
_RULE_NAME = re.compile(RULE_NAME_PATTERN + r"\Z")


class HubRefused(TurnoutError):
    """A hub or rule management request that cannot be done; the message says why."""

    code = "hub_refused"


class HubExists(HubRefused):
    code = "hub_exists"


class RuleExists(HubRefused):
    code = "rule_exists"


@dataclasses.dataclass(frozen=True, slots=True)
class Hub:
    id: int
    tenant_id: int
    name: str
    registration_quota: int | None  # None: unlimited
    registration_ttl: int | None  # seconds; None: registrations never expire
    device_count: int
    requests_per_second: int | None = None  # this hub's rate; None: the server's setting


@dataclasses.dataclass(frozen=True, slots=True)
class Rule:
    id: int
    tenant_id: int
    hub_id: int | None  # None: every hub of the tenant
    hub_name: str | None
    name: str
    rights: frozenset[str]
    primary_key: str
    secondary_key: str | None

    def keys(self) -> list[str]:
        return [self.primary_key] + ([self.secondary_key] if self.secondary_key else [])

    def covers(self, hub: Hub) -> bool:
        return self.hub_id is None or self.hub_id == hub.id

    def grants(self, right: str) -> bool:
        # Manage implies Listen and Send (spec §3.1).
        return right in self.rights or MANAGE in self.rights


def plausible_hub_name(name: str) -> bool:
    """Whether a path's first segment could name a hub: others (NUL included, which PostgreSQL
    cannot even compare) are missing hubs without a look-up."""
    return bool(_HUB_NAME.match(name))


def plausible_rule_name(name: str) -> bool:
    return bool(_RULE_NAME.match(name))


def check_hub_name(name: str) -> str:
    if not _HUB_NAME.match(name):
        raise HubRefused(
            f"hub name {name!r} is not valid: 1-64 letters, digits, '.', '_' or '-', "
            "starting and ending with a letter or digit"
        )
    if is_reserved(name):
        raise HubRefused(f"hub name {name!r} is reserved for turnout's own paths")
    return name


def is_reserved(first_segment: str) -> bool:
    """Whether a first path segment belongs to turnout's own routes, never to a hub."""
    lowered = first_segment.lower()
    return lowered in _RESERVED or lowered.startswith(("health", "readyz"))


def check_rule_name(name: str) -> str:
    if not _RULE_NAME.match(name):
        raise HubRefused(f"rule name {name!r} is not valid: 1-256 letters, digits, '.', '_' or '-'")
    return name


def parse_rights(text: str) -> frozenset[str]:
    rights = frozenset(part.strip().lower() for part in text.split(",") if part.strip())
    if not rights or not rights <= set(RIGHTS):
        raise HubRefused(
            f"rights {text!r} are not valid: a comma-separated subset of listen,send,manage"
        )
    return rights


def rights_text(rights: frozenset[str]) -> str:
    return ",".join(r for r in RIGHTS if r in rights)


def new_key() -> str:
    """32 random bytes, base64: 44 characters, the shape of an Azure SAS key."""
    return base64.b64encode(secrets.token_bytes(32)).decode()


def default_rules(hub_name: str) -> list[tuple[str, frozenset[str]]]:
    """The two rules a new hub gets: Azure's fixed default names cannot repeat per hub (rule names are
    unique per instance), so they are named after the hub."""
    return [
        (f"{hub_name}-listen", frozenset({LISTEN})),
        (f"{hub_name}-full", frozenset(RIGHTS)),
    ]


def connection_string(base_url: str, rule_name: str, key: str) -> str:
    """`Endpoint=sb://{authority}/;…`, or `http://` when turnout is served over plain http, never
    with EntityPath (two of the SDKs break on it)."""
    scheme, _, rest = base_url.partition("://")
    authority = rest.split("/", 1)[0]
    endpoint = f"http://{authority}/" if scheme == "http" else f"sb://{authority}/"
    return f"Endpoint={endpoint};SharedAccessKeyName={rule_name};SharedAccessKey={key}"


class KeySeal:
    """Seals rule keys for storage: AES-256-GCM, key = HKDF-SHA256(server secret), random nonce."""

    def __init__(self, server_secret: bytes) -> None:
        derived = HKDF(
            algorithm=hashes.SHA256(), length=32, salt=None, info=b"turnout hub rule keys"
        ).derive(server_secret)
        self._aead = AESGCM(derived)

    def seal(self, key: str) -> bytes:
        nonce = secrets.token_bytes(12)
        return nonce + self._aead.encrypt(nonce, key.encode(), b"hub-rule")

    def open(self, sealed: bytes) -> str:
        return self._aead.decrypt(bytes(sealed[:12]), bytes(sealed[12:]), b"hub-rule").decode()
