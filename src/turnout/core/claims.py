"""Idempotency claims: the value types, and the claim the current request holds.

How a write and its Idempotency-Key commit together is the store's part (store/claims.py). The
claim travels in a ContextVar rather than as a parameter: the store owns the write's transaction
and must record the claim first inside it, while the commands between the HTTP layer and the store
(core/events.py, core/registrations.py) have no use for it. Threading it through every handler and
command would add a parameter to each for a value only two places read: the store's transaction
(which sets `recorded`/`taken` on it) and `surfaces/idempotency.id_seed` (docs/ARCHITECTURE.md).
"""

from __future__ import annotations

import dataclasses
from contextvars import ContextVar

from turnout.core.errors import IdempotencyInProgress


@dataclasses.dataclass
class Claim:
    scope: str  # the credential: keys never match across API keys
    key: str
    fingerprint: bytes
    now: int
    lease: int  # seconds after which a claim without a response may be taken over
    retention: int  # seconds a key is kept
    recorded: bool = False  # set by the store once the claim is in a write transaction
    taken: bool = False  # set by the store when another request holds the key (ClaimTaken)

    @property
    def expired_before(self) -> int:
        return self.now - self.retention

    @property
    def abandoned_before(self) -> int:
        return self.now - self.lease


@dataclasses.dataclass(frozen=True)
class StoredResponse:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


@dataclasses.dataclass(frozen=True)
class Found:
    fingerprint: bytes
    created_at: int
    response: StoredResponse | None  # None: in flight (or abandoned; see `Claim.lease`)


class ClaimTaken(IdempotencyInProgress):
    """Another request with the same key committed first; this one's work was rolled back."""


current: ContextVar[Claim | None] = ContextVar("turnout_idempotency_claim", default=None)
