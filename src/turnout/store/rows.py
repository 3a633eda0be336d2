"""Column lists and row → record mapping, shared by both backends (the tables are the same)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgspec

from turnout.core.model import Event, Metadata, Registration, StatusCounts

EVENT_COLUMNS = (
    "pk, tenant_id, id, start_at, end_at, timezone, status, capacity, count_pending, "
    "count_tentative, count_accepted, count_declined, count_removed, count_attended, seats_taken, "
    "checked_in, version, created_at, updated_at, title, description, location, cost_cents"
)

REGISTRATION_COLUMNS = (
    "id, status, guest_count, metadata, notes, checked_in_count, checked_in_at, created_at, "
    "updated_at, version, seq"
)


def event_from_row(r: Sequence[Any]) -> Event:
    return Event(
        pk=r[0],
        tenant_id=r[1],
        id=r[2],
        start_at=r[3],
        end_at=r[4],
        timezone=r[5],
        status=r[6],
        capacity=r[7],
        counts=StatusCounts(r[8], r[9], r[10], r[11], r[12], r[13]),
        seats_taken=r[14],
        checked_in=r[15],
        version=r[16],
        created_at=r[17],
        updated_at=r[18],
        title=r[19],
        description=r[20],
        location=r[21],
        cost_cents=r[22],
    )


def registration_from_row(r: Sequence[Any]) -> Registration:
    return Registration(
        id=r[0],
        status=r[1],
        guest_count=r[2],
        metadata=None if r[3] is None else msgspec.json.decode(r[3]),
        notes=r[4],
        checked_in_count=r[5],
        checked_in_at=r[6],
        created_at=r[7],
        updated_at=r[8],
        version=r[9],
        seq=r[10],
    )


def metadata_text(metadata: Metadata | None) -> str | None:
    return None if metadata is None else msgspec.json.encode(metadata).decode()
