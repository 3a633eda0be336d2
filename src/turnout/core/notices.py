"""Which webhook messages a change produces, decided once from the state before and after it.

Every surface's writes go through the store's two write paths, and both call these functions on the
states they wrote, so the same change made through `/v1` or `/api/v1` produces the same messages.
They are pure: a store may call them again after deciding again. A notification hub's device
writes have their own store path and their own decisions (core/hub_notices.py), in these types.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final, Literal

import msgspec

from turnout.core.model import Event, Registration

if TYPE_CHECKING:
    from turnout.core.hub_notices import DeviceState

NoticeType = Literal[
    "event.created",
    "event.updated",
    "event.cancelled",
    "event.full",
    "registration.created",
    "registration.updated",
    "registration.cancelled",
    "registration.checked_in",
    # Devices of a notification hub (core/hub_notices.py decides and renders these).
    "hub.registration.created",
    "hub.registration.updated",
    "hub.registration.deleted",
    "hub.installation.created",
    "hub.installation.updated",
    "hub.installation.deleted",
]
NOTICE_TYPES: Final[tuple[str, ...]] = NoticeType.__args__  # type: ignore[attr-defined]
_RELEASED: Final = frozenset({"declined", "removed"})  # /api/v1 reads both as CANCELLED


class Notice(msgspec.Struct, frozen=True):
    """One message to send: `subject` is rendered as the /v1 surface renders it (a hub's device,
    which /v1 does not show, as core/hub_notices.py does)."""

    type: NoticeType
    at: int  # when the change was made: the payload's timestamp
    ordering_key: str  # messages with one key reach an endpoint in commit order
    subject: Event | Registration | DeviceState
    event_id: str  # a registration's bookable_event_id ("" for a device)
    previous_status: str | None = None  # registration.updated only


def event_changed(old: Event | None, new: Event) -> list[Notice]:
    """event.created, event.cancelled (on the change to cancelled) or event.updated."""
    if old is None:
        kind: NoticeType = "event.created"
    elif new.status == "cancelled" and old.status != "cancelled":
        kind = "event.cancelled"
    else:
        kind = "event.updated"
    return [Notice(kind, new.updated_at, _event_key(new), new, new.id)]


def registration_changed(
    event_id: str, old: Registration | None, new: Registration
) -> list[Notice]:
    """Exactly one registration.* message per change: created, cancelled (to declined or removed),
    checked_in (more people checked in), or updated with the previous status."""
    key = f"registration:{event_id}:{new.id}"
    if old is None:
        return [Notice("registration.created", new.updated_at, key, new, event_id)]
    if new.status in _RELEASED and old.status not in _RELEASED:
        return [Notice("registration.cancelled", new.updated_at, key, new, event_id)]
    if new.checked_in_count > old.checked_in_count:
        return [Notice("registration.checked_in", new.updated_at, key, new, event_id)]
    return [Notice("registration.updated", new.updated_at, key, new, event_id, old.status)]


def may_fill(seats: int) -> bool:
    """Whether a write taking `seats` more seats could take an event's last one. (PostgreSQL's write
    function then checks `event_filled`'s condition on the locked event: functions.sql.)"""
    return seats > 0


def event_filled(before: Event, after: Event, at: int) -> list[Notice]:
    """event.full when this change took the last seat."""
    if after.capacity is None or after.seats_taken < after.capacity:
        return []
    if before.capacity is not None and before.seats_taken >= before.capacity:
        return []
    return [Notice("event.full", at, _event_key(after), after, after.id)]


def _event_key(event: Event) -> str:
    return f"event:{event.id}"
