"""What the core needs from storage, declared in the core; the store implements it.

A store owns its transactions; the core never commits. Registration writes follow one pattern on
both databases: the store reads the event and the old registration, asks the core's `decide` for the
new state, and applies it with guards — the seat rule, the cancelled-event rule, the duplicate-email
rule and the registration's version — that the database checks under the event's lock. Everything a
write changes (the new row with its version, the counters' deltas, the email key) and the error a
refused guard raises are decided here, in the core; the store only runs SQL. A write made while a
request holds an idempotency claim (core/claims.py) records the claim first, in the same transaction.

The protocols are narrow so that a command names only what it uses; `Store` is their union, which
each backend implements.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Protocol

from turnout.core.claims import Claim, Found, StoredResponse
from turnout.core.errors import TurnoutError
from turnout.core.model import Event, EventStatus, Registration, RegistrationStatus, Tenant
from turnout.core.seats import CounterDelta, refusal


@dataclasses.dataclass(frozen=True, slots=True)
class EventFields:
    """An event's own fields: everything but its counters and bookkeeping."""

    start_at: int
    end_at: int
    timezone: str
    status: EventStatus
    capacity: int | None
    title: str | None = None
    description: str | None = None
    location: str | None = None
    cost_cents: int | None = None
    start_date: str = ""  # the local date of start_at in `timezone`; derived by the core


@dataclasses.dataclass(frozen=True, slots=True)
class RegistrationWrite:
    """The core's decision for one registration write: what to store and what it changes."""

    registration: Registration  # the new state, with its new version; the store assigns seq
    old_version: int  # the version the row must still have (0: the registration is new)
    delta: CounterDelta  # what the write changes in the event's counters
    email_key: str | None  # the key stored with the row (core/metadata.py)
    cancel_ok: bool  # may this write go ahead if the event is cancelled?
    unique_email: str | None = None  # refuse if another active registration has this email key
    record_history: bool = True  # append a status-history row

    def refusal(self, event: Event, email_taken: bool = False) -> TurnoutError | None:
        """Why this write may not go ahead on `event` as it is under the lock (core/seats.py)."""
        return refusal(event, self.delta.seats, self.cancel_ok, email_taken)


@dataclasses.dataclass(frozen=True, slots=True)
class WriteResult:
    event: Event  # as it is after the write
    registration: Registration
    created: bool
    changed: bool
    # The event's first `first_page + 1` registrations as the write left them, when asked for and the
    # store can read them with the write for less than a read after it (PostgreSQL: a round trip).
    # None: the caller reads them.
    page: list[Registration] | None = None


# decide(event, old) -> the write, or None when nothing would change. It may raise core errors; it is
# pure, so a store may call it again after a lost optimistic race.
DecideRegistration = Callable[[Event, Registration | None], RegistrationWrite | None]
DecideEvent = Callable[[Event | None], EventFields | None]


@dataclasses.dataclass(frozen=True, slots=True)
class EventQuery:
    """Which of a tenant's events to list; None means no condition. Lists are ordered by start."""

    statuses: tuple[EventStatus, ...] | None = None
    ends_after: int | None = None  # end_at > this
    ends_by: int | None = None  # end_at <= this
    start_date_from: str | None = None  # local start date, inclusive
    start_date_to: str | None = None
    starts_from: int | None = None  # start instant, inclusive
    starts_to: int | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class RegistrationFilter:
    """Registrations in `statuses`; with `checked_in` set, only those with (or without) a check-in."""

    statuses: tuple[RegistrationStatus, ...]
    checked_in: bool | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class ApiKeyRecord:
    tenant_id: int
    tenant_name: str
    key_hash: bytes
    scopes: frozenset[str]
    revoked: bool
    require_precondition: bool = False  # the tenant's setting
    expires_at: int | None = None
    last_used_at: int | None = None
    cors_origins: tuple[str, ...] = ()  # the tenant's setting


@dataclasses.dataclass(frozen=True, slots=True)
class KeyListing:
    """What `turnout key list` and GET /v1/keys show of a key: never its hash."""

    prefix: str
    tenant_name: str
    name: str | None
    scopes: str
    created_at: int
    last_used_at: int | None
    expires_at: int | None
    revoked_at: int | None
    tenant_id: int

    def state(self, now: int) -> str:
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= now:
            return "expired"
        return "active"


@dataclasses.dataclass(frozen=True, slots=True)
class TenantListing:
    name: str
    created_at: int
    usable_keys: int  # neither revoked nor expired
    require_precondition: bool
    cors_origins: tuple[str, ...]


class TenantExists(Exception):
    pass


class EventStore(Protocol):
    async def get_event(self, tenant_id: int, event_id: str) -> Event | None: ...
    async def get_events(self, tenant_id: int, event_ids: Sequence[str]) -> list[Event]: ...
    async def list_events(
        self, tenant_id: int, after_pk: int, limit: int, include_drafts: bool
    ) -> list[Event]: ...
    async def count_events(self, tenant_id: int, include_drafts: bool) -> int: ...
    async def find_events(
        self, tenant_id: int, query: EventQuery, limit: int, offset: int
    ) -> tuple[list[Event], int]: ...
    async def write_event(
        self, tenant_id: int, event_id: str, decide: DecideEvent, now: int
    ) -> tuple[Event, bool]: ...


class RegistrationStore(Protocol):
    async def get_registration(
        self, event_pk: int, registration_id: str
    ) -> Registration | None: ...
    # A page's (seq, version) pairs, without the rows: a reader that keeps rendered rows by version
    # (surfaces/cronofy/pages.RenderedRows) reads only the rows it has not rendered, with
    # `registrations_through` (after_seq < seq <= last_seq).
    async def registration_versions(
        self, event_pk: int, after_seq: int, limit: int
    ) -> Sequence[Sequence[int]]: ...  # rows of (seq, version)
    async def registrations_through(
        self, event_pk: int, after_seq: int, last_seq: int
    ) -> list[Registration]: ...
    async def registrations_at(
        self, event_pk: int, only: RegistrationFilter | None, offset: int, limit: int
    ) -> list[Registration]: ...
    async def write_registration(
        self,
        tenant_id: int,
        event_id: str,
        registration_id: str,
        decide: DecideRegistration,
        first_page: int = 0,
    ) -> WriteResult: ...


class KeyStore(Protocol):
    async def create_tenant(self, name: str, now: int) -> Tenant: ...
    async def find_tenant(self, name: str) -> Tenant | None: ...
    async def count_tenants(self) -> int: ...
    # Keys, tenants' settings and the secret's fingerprint: store/keys.py, shared by both stores.
    async def add_api_key(
        self,
        tenant_id: int,
        prefix: str,
        key_hash: bytes,
        scopes: str,
        name: str | None,
        now: int,
        expires_at: int | None = None,
    ) -> None: ...
    async def find_api_key(self, prefix: str) -> ApiKeyRecord | None: ...
    async def touch_api_key(self, prefix: str, now: int, every: int) -> None: ...
    async def list_api_keys(self, tenant_id: int) -> list[KeyListing]: ...
    async def find_key_listing(self, prefix: str) -> KeyListing | None: ...
    async def revoke_api_key(self, prefix: str, now: int) -> bool: ...
    async def expire_api_key(self, prefix: str, at: int) -> None: ...
    async def count_usable_keys(self, now: int) -> int: ...
    async def revoke_every_key(self, now: int) -> int: ...
    async def list_tenants(self, now: int) -> list[TenantListing]: ...
    async def set_require_precondition(self, name: str, required: bool) -> bool: ...
    async def set_cors_origins(self, name: str, origins: Sequence[str]) -> bool: ...
    async def cors_origin_known(self, origin: str) -> bool: ...
    async def secret_fingerprint(self) -> str | None: ...
    async def record_secret_fingerprint(self, fingerprint: str, now: int) -> None: ...


class ClaimStore(Protocol):
    """Idempotency keys (core/claims.py). Writes record the request's claim in their transaction."""

    async def find_claim(self, scope: str, key: str, expired_before: int) -> Found | None: ...
    async def finish_claim(self, claim: Claim, response: StoredResponse | None) -> None: ...
    async def purge_claims(self, before: int) -> int: ...


class Store(EventStore, RegistrationStore, KeyStore, ClaimStore, Protocol):
    """Everything a backend offers: the protocols above, and its own lifecycle."""

    dialect: str

    async def migrate(self) -> list[int]: ...
    async def close(self) -> None: ...
    async def ping(self) -> None: ...
    async def durability_warnings(self) -> list[str]: ...
