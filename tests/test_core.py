"""Core rules without HTTP or SQL: times, page tokens, seats, metadata, registration changes."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from turnout.core import times
from turnout.core.errors import CapacityReached, EventCancelled, ValidationFailed
from turnout.core.metadata import email_key
from turnout.core.model import Event, Registration, StatusCounts
from turnout.core.paging import PageKind, PageToken, PageTokens, page_total
from turnout.core.registrations import RegistrationChanges, apply_changes
from turnout.core.seats import counter_delta, refusal, seats_held


def test_rfc3339_offsets_normalise_to_utc() -> None:
    assert times.parse_rfc3339("2025-01-24T14:30:00+02:00") == times.parse_rfc3339(
        "2025-01-24T12:30:00Z"
    )
    assert (
        times.format_utc(times.parse_rfc3339("2025-01-24T12:30:00.000Z")) == "2025-01-24T12:30:00Z"
    )


def test_rfc3339_fractional_seconds_are_dropped() -> None:
    """What JavaScript's toISOString() sends; instants are whole seconds (issue 12)."""
    for text in ("2025-01-24T12:30:00.5Z", "2025-01-24T12:30:00.999999+00:00"):
        assert times.format_utc(times.parse_rfc3339(text)) == "2025-01-24T12:30:00Z"


@pytest.mark.parametrize(
    "text",
    [
        "2025-01-24T12:30:00.Z",
        "2025-01-24T12:30:00",
        "2025-13-01T00:00:00Z",
        "2025-01-24T12:30:00+24:00",
        "2025-01-24t12:30:00Z",
        "",
    ],
)
def test_rfc3339_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        times.parse_rfc3339(text)


tokens = PageTokens(b"s" * 32)


@given(
    st.integers(1, 2**40),
    st.integers(0, 2**40),
    st.integers(1, 2**20),
    st.integers(1, 1000),
    st.integers(0, 2**50),
)
def test_page_tokens_round_trip(tenant: int, event: int, page: int, size: int, after: int) -> None:
    token = PageToken(PageKind.EVENT_REGISTRATIONS, tenant, event, page, size, after)
    text = tokens.encode(token)
    assert text.replace("-", "").replace("_", "").isalnum()
    assert tokens.decode(text, PageKind.EVENT_REGISTRATIONS, tenant, event) == token
    assert tokens.decode(text, PageKind.REGISTRATION_LIST, tenant, event) is None
    assert tokens.decode(text, PageKind.EVENT_REGISTRATIONS, tenant + 1, event) is None
    assert PageTokens(b"t" * 32).decode(text, PageKind.EVENT_REGISTRATIONS, tenant, event) is None


@given(st.integers(1, 50), st.booleans(), st.integers(0, 10_000), st.integers(1, 100))
def test_page_total_promises_a_next_page_exactly_when_there_is_one(
    current: int, more: bool, count: int, size: int
) -> None:
    assert (current < page_total(current, more, count, size)) == more


def reg(status: str = "accepted", guests: int = 0, checked_in: int = 0) -> Registration:
    return Registration("r", status, guests, {}, None, checked_in, None, 0, 0)  # type: ignore[arg-type]


def event(status: str = "confirmed", capacity: int | None = 2, taken: int = 0) -> Event:
    return Event(1, 1, "e", 0, 1, "UTC", status, capacity, StatusCounts(), taken, 0, 1, 0, 0)  # type: ignore[arg-type]


def test_seats_held_by_status() -> None:
    assert [
        seats_held(reg(s, 2)) for s in ("pending", "tentative", "accepted", "declined", "removed")
    ] == [3, 3, 3, 0, 0]
    assert seats_held(None) == 0


def test_counter_delta_of_a_move() -> None:
    d = counter_delta(reg("pending", 1), reg("accepted", 1, checked_in=2))
    assert (d.pending, d.accepted, d.attended, d.seats, d.checked_in) == (-1, 1, 1, 0, 2)


def test_refusal_order_cancelled_then_capacity() -> None:
    assert isinstance(refusal(event("cancelled", 1, 1), 1, cancel_ok=False), EventCancelled)
    assert isinstance(refusal(event("confirmed", 2, 1), 2, cancel_ok=False), CapacityReached)
    assert refusal(event("confirmed", 2, 5), 0, cancel_ok=False) is None
    assert refusal(event("confirmed", None, 5), 9, cancel_ok=False) is None


def test_check_in_time_follows_the_count() -> None:
    checked = apply_changes("r", reg(guests=2), RegistrationChanges(checked_in_count=2), now=100)
    assert checked.checked_in_at == 100
    undone = apply_changes("r", checked, RegistrationChanges(checked_in_count=0), now=200)
    assert undone.checked_in_at is None


def test_party_cannot_shrink_below_those_checked_in() -> None:
    with pytest.raises(ValidationFailed):
        apply_changes("r", reg(guests=2, checked_in=3), RegistrationChanges(guest_count=1), now=1)


def test_metadata_type_change_is_a_change() -> None:
    a = apply_changes("r", reg(), RegistrationChanges(metadata={"n": 1}), 0)
    b = apply_changes("r", a, RegistrationChanges(metadata={"n": 1.0}), 0)
    assert not a.same_content(b)


def test_email_key_trims_and_lowers() -> None:
    assert email_key({"email": "  Bob@Example.COM "}) == "bob@example.com"
    assert email_key({"email": ""}) is None and email_key(None) is None
