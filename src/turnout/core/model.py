"""The core's records. The store builds them from rows; surfaces render them; rules live beside them.

Records are frozen msgspec Structs: a page builds fifty of them, and Structs are an order of magnitude
cheaper to construct than frozen dataclasses.
"""

from __future__ import annotations

from typing import Any, Final, Literal

import msgspec

EventStatus = Literal["draft", "confirmed", "cancelled"]
RegistrationStatus = Literal["pending", "tentative", "accepted", "declined", "removed"]

EVENT_STATUSES: Final = ("draft", "confirmed", "cancelled")
REGISTRATION_STATUSES: Final = ("pending", "tentative", "accepted", "declined", "removed")
HOLDING_STATUSES: Final = frozenset({"pending", "tentative", "accepted"})

Metadata = dict[str, Any]


class Tenant(msgspec.Struct, frozen=True):
    id: int
    name: str


class StatusCounts(msgspec.Struct, frozen=True):
    """How many registrations of an event are in each state. `attended` is the subset of `accepted`
    with someone checked in. Kept by every write transaction, so no read ever counts rows."""

    pending: int = 0
    tentative: int = 0
    accepted: int = 0
    declined: int = 0
    removed: int = 0
    attended: int = 0

    @property
    def registered(self) -> int:
        return self.pending + self.tentative + self.accepted

    @property
    def total(self) -> int:
        return self.registered + self.declined + self.removed


class Event(msgspec.Struct, frozen=True):
    pk: int
    tenant_id: int
    id: str
    start_at: int
    end_at: int
    timezone: str
    status: EventStatus
    capacity: int | None
    counts: StatusCounts
    seats_taken: int
    checked_in: int  # persons
    version: int
    created_at: int
    updated_at: int
    title: str | None = None
    description: str | None = None
    location: str | None = None
    cost_cents: int | None = None

    @property
    def seats_available(self) -> int | None:
        return None if self.capacity is None else max(0, self.capacity - self.seats_taken)


class Registration(msgspec.Struct, frozen=True):
    id: str
    status: RegistrationStatus
    guest_count: int
    metadata: Metadata | None
    notes: str | None
    checked_in_count: int
    checked_in_at: int | None
    created_at: int
    updated_at: int
    version: int = 0  # 0 until stored
    seq: int = 0  # creation order within the event, assigned by the store

    @property
    def party_size(self) -> int:
        return 1 + self.guest_count

    def same_content(self, other: Registration) -> bool:
        """True when `other` differs only in bookkeeping (timestamps, version, sequence)."""
        return (
            self.status == other.status
            and self.guest_count == other.guest_count
            and self.metadata == other.metadata
            and _same_metadata_types(self.metadata, other.metadata)
            and self.notes == other.notes
            and self.checked_in_count == other.checked_in_count
        )


def _same_metadata_types(a: Metadata | None, b: Metadata | None) -> bool:
    # 1 == 1.0 in Python, but they render differently, so a change of type is a change.
    if a is None or b is None:
        return a is b
    return all(type(a[k]) is type(b.get(k)) for k in a)
