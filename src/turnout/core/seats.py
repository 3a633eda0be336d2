"""The seat rule: a registration holds 1 + guest_count seats while pending, tentative or accepted.

The store applies `CounterDelta`s inside the write transaction, guarded so that seats_taken never
passes capacity; `refusal` says which error a refused write gets.
"""

from __future__ import annotations

import dataclasses

from turnout.core.errors import (
    CapacityReached,
    DuplicateRegistration,
    EventCancelled,
    TurnoutError,
)
from turnout.core.model import HOLDING_STATUSES, Event, Registration


def seats_held(registration: Registration | None) -> int:
    if registration is None or registration.status not in HOLDING_STATUSES:
        return 0
    return registration.party_size


@dataclasses.dataclass(frozen=True, slots=True)
class CounterDelta:
    """What one registration write changes in its event's counters."""

    pending: int = 0
    tentative: int = 0
    accepted: int = 0
    declined: int = 0
    removed: int = 0
    attended: int = 0
    seats: int = 0
    checked_in: int = 0


def counter_delta(old: Registration | None, new: Registration) -> CounterDelta:
    counts = dict.fromkeys(
        ("pending", "tentative", "accepted", "declined", "removed", "attended"), 0
    )
    if old is not None:
        counts[old.status] -= 1
        counts["attended"] -= _attended(old)
    counts[new.status] += 1
    counts["attended"] += _attended(new)
    return CounterDelta(
        **counts,
        seats=seats_held(new) - seats_held(old),
        checked_in=new.checked_in_count - (old.checked_in_count if old else 0),
    )


def _attended(registration: Registration) -> int:
    return int(registration.status == "accepted" and registration.checked_in_count > 0)


def refusal(
    event: Event, seat_delta: int, cancel_ok: bool, email_taken: bool = False
) -> TurnoutError | None:
    """Why this write may not go ahead on `event` (as it is under the lock), if it may not.

    In order: the event is cancelled and the write is not allowed there (`cancel_ok`, decided by each
    surface from the write itself); another active registration holds the email; the write would take
    `seat_delta` seats that are not free. The PostgreSQL write function checks the same conditions in
    the same order (store/postgres/functions.sql).
    """
    if event.status == "cancelled" and not cancel_ok:
        return EventCancelled("the event is cancelled")
    if email_taken:
        return DuplicateRegistration("another active registration has this email")
    if seat_delta > 0 and event.capacity is not None:
        available = max(0, event.capacity - event.seats_taken)
        if seat_delta > available:
            return CapacityReached(seat_delta, available)
    return None
