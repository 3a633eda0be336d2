"""Event commands: create or change an event's own fields, and find events a caller may see."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from turnout.core import ids, localtime, times
from turnout.core.changes import KEEP, Keep
from turnout.core.errors import FieldError, NotFound, ValidationFailed
from turnout.core.etags import Precondition
from turnout.core.model import Event, EventStatus
from turnout.core.ports import EventFields, EventStore

T = TypeVar("T")


@dataclasses.dataclass(frozen=True)
class EventChanges:
    """Fields to set; KEEP leaves a field as it is (or at its default on create)."""

    start_at: int | Keep = KEEP
    end_at: int | Keep = KEEP
    timezone: str | Keep = KEEP
    status: EventStatus | Keep = KEEP
    capacity: int | Keep | None = KEEP
    title: str | Keep | None = KEEP
    description: str | Keep | None = KEEP
    location: str | Keep | None = KEEP
    cost_cents: int | Keep | None = KEEP


_DEFAULTS: dict[str, Any] = {
    "timezone": "UTC",
    "status": "draft",
    "capacity": None,
    "title": None,
    "description": None,
    "location": None,
    "cost_cents": None,
}


def apply_event_changes(old: Event | None, changes: EventChanges) -> EventFields | None:
    """The event's fields after `changes`, or None when nothing would change."""
    values: dict[str, Any] = {}
    for field in dataclasses.fields(EventFields):
        if field.name == "start_date":
            continue
        given = getattr(changes, field.name)
        if given is not KEEP:
            values[field.name] = given
        elif old is not None:
            values[field.name] = getattr(old, field.name)
        elif field.name in _DEFAULTS:
            values[field.name] = _DEFAULTS[field.name]
        else:
            raise ValidationFailed(
                [FieldError(field.name, "required", f"{field.name} is required")]
            )
    if values["end_at"] <= values["start_at"]:
        raise ValidationFailed([FieldError("end", "invalid", "end must be after start")])
    for name in ("start_at", "end_at"):  # surfaces refuse these first; this is the last guard
        if not times.in_range(values[name]):
            which = name.removesuffix("_at")
            message = "times must fall between the years 1 and 9999"
            raise ValidationFailed([FieldError(which, "invalid", message)])
    if old is None or values["timezone"] != old.timezone:
        try:
            localtime.zone(values["timezone"])
        except ValueError:
            raise ValidationFailed(
                [FieldError("timezone", "invalid", "unknown timezone")]
            ) from None
    start_date, _ = localtime.local_parts(values["start_at"], values["timezone"])
    if old is not None and all(getattr(old, k) == v for k, v in values.items()):
        return None
    return EventFields(**values, start_date=start_date)


async def put_event(
    store: EventStore,
    tenant_id: int,
    event_id: str,
    changes: EventChanges | Callable[[Event | None], EventChanges],
    precondition: Precondition | None = None,
    include_drafts: bool = True,
) -> tuple[Event, bool]:
    """Create the event, or change the fields given. Returns (event, created).

    `changes` may be a function of the current event (None if there is none), for commands whose
    meaning depends on it; it may raise NotFound to refuse creating one. A `precondition` is checked
    against the event as it is under the lock, unless the write would change nothing. Without
    `include_drafts`, a draft is NotFound before anything else is looked at — as `find_event`
    hides it — so neither its answer nor a precondition's says more than a read would.
    """
    if precondition is not None:
        precondition.require()

    def decide(old: Event | None) -> EventFields | None:
        if old is not None and old.status == "draft" and not include_drafts:
            raise NotFound(event_id)
        fields = apply_event_changes(old, changes(old) if callable(changes) else changes)
        if fields is not None and precondition is not None:
            precondition.check(old)
        return fields

    if not ids.could_exist(event_id):  # surfaces check new ids; this is an update's path
        raise NotFound(event_id)
    return await store.write_event(tenant_id, event_id, decide, times.now())


async def find_event(
    store: EventStore, tenant_id: int, event_id: str, include_drafts: bool
) -> Event:
    event = await store.get_event(tenant_id, event_id) if ids.could_exist(event_id) else None
    if event is None or (event.status == "draft" and not include_drafts):
        raise NotFound(event_id)
    return event


async def parse_for_event(
    store: EventStore,
    tenant_id: int,
    event_id: str,
    include_drafts: bool,
    parsing: Awaitable[T],
) -> T:
    """The parsed body of a request on one event's path; when the body is refused, an unknown event
    is a 404 first, before the 422. Writes find the event themselves, so it is looked up here only
    when the body is refused: a valid request costs no extra read."""
    try:
        return await parsing
    except ValidationFailed:
        await find_event(store, tenant_id, event_id, include_drafts)
        raise


def bookable(event: Event, now: int) -> bool:
    """Open for registrations: confirmed, not over, and with a seat free."""
    return (
        event.status == "confirmed"
        and event.end_at > now
        and (event.capacity is None or event.seats_taken < event.capacity)
    )


async def available(store: EventStore, tenant_id: int, event_ids: Sequence[str]) -> list[Event]:
    """The bookable ones of `event_ids`, in the order asked for; unknown ids are left out."""
    found = {e.id: e for e in await store.get_events(tenant_id, event_ids)}
    now = times.now()
    return [e for e in (found.get(i) for i in event_ids) if e is not None and bookable(e, now)]
