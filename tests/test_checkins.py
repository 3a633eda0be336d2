"""The door's check-in is a guarded write: two volunteers tapping the same party at once check it in
exactly once, on SQLite and PostgreSQL. The negative control turns the guard off and watches both
volunteers be told they did it."""

from __future__ import annotations

import asyncio
import secrets
from typing import Any

import pytest

from tests.live import LiveServer
from turnout.core import checkins, events, registrations, times
from turnout.core.errors import RegistrationCancelled
from turnout.core.events import EventChanges
from turnout.core.registrations import RegistrationChanges, takes_no_more_seats


async def party_of(store: Any, size: int, status: str = "accepted") -> tuple[int, str, str]:
    """A tenant with a confirmed event and one registration of `size` people: (tenant, event, reg)."""
    tenant = await store.create_tenant("t_" + secrets.token_hex(6), times.now())
    start = times.now() + 86400
    changes = EventChanges(start_at=start, end_at=start + 3600, status="confirmed", capacity=50)
    await events.put_event(store, tenant.id, "door_event", changes)
    await registrations.write_registration(
        store,
        tenant.id,
        "door_event",
        "party",
        RegistrationChanges(status=status, guest_count=size - 1),  # type: ignore[arg-type]
        include_drafts=True,
        cancel_rule=takes_no_more_seats,
    )
    return tenant.id, "door_event", "party"


async def two_doors_tap(store: Any, guarded: bool) -> list[object]:
    tenant_id, event_id, registration_id = await party_of(store, 3)

    async def tap() -> object:
        try:
            await checkins.check_in(
                store, tenant_id, event_id, registration_id, seen=0, present=3, guarded=guarded
            )
            return "checked in"
        except checkins.AlreadyCheckedIn as exc:
            assert exc.current is not None
            return exc.current.checked_in_count

    told = await asyncio.gather(*[tap() for _ in range(2)])
    event = await events.find_event(store, tenant_id, event_id, include_drafts=True)
    assert event.checked_in == 3  # the counters count the party once either way
    return sorted(told, key=str)


def test_two_doors_tapping_one_party_check_it_in_once(server: LiveServer) -> None:
    told = server.run(lambda store: two_doors_tap(store, guarded=True))
    assert told == [3, "checked in"]  # the slower door is told it is already 3 of 3


def test_negative_control_without_the_guard_both_doors_are_told_they_did_it(
    server: LiveServer,
) -> None:
    told = server.run(lambda store: two_doors_tap(store, guarded=False))
    assert told == ["checked in", "checked in"]


def test_undo_needs_the_count_the_screen_showed(server: LiveServer) -> None:
    async def go(store: Any) -> None:
        tenant_id, event_id, registration_id = await party_of(store, 2)
        await checkins.check_in(store, tenant_id, event_id, registration_id, 0, 2)
        with pytest.raises(checkins.AlreadyCheckedIn):
            await checkins.check_in(store, tenant_id, event_id, registration_id, 1, 0)
        result = await checkins.check_in(store, tenant_id, event_id, registration_id, 2, 0)
        assert result.registration.checked_in_count == 0 and result.event.checked_in == 0

    server.run(go)


def test_a_cancelled_registration_cannot_be_checked_in(server: LiveServer) -> None:
    async def go(store: Any) -> None:
        tenant_id, event_id, registration_id = await party_of(store, 1, status="removed")
        with pytest.raises(RegistrationCancelled):
            await checkins.check_in(store, tenant_id, event_id, registration_id, 0, 1)

    server.run(go)


def test_checking_in_a_pending_party_accepts_it(server: LiveServer) -> None:
    async def go(store: Any) -> None:
        tenant_id, event_id, registration_id = await party_of(store, 2, status="pending")
        result = await checkins.check_in(store, tenant_id, event_id, registration_id, 0, 1)
        assert result.registration.status == "accepted"
        assert result.registration.checked_in_count == 1

    server.run(go)
