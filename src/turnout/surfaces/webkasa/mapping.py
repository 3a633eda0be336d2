"""How Webkasa's vocabulary maps onto the core — the one table per surface DESIGN.md asks for.

Reading loses information (tentative reads as PENDING, declined and removed as CANCELLED); writing a
status that matches the current reading keeps the core status as it is.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Final, Literal

from turnout.core.changes import KEEP
from turnout.core.errors import FieldError, ValidationFailed
from turnout.core.limits import MAX_METADATA_PAIRS
from turnout.core.metadata import EMAIL, NAME, PHONE
from turnout.core.model import Event, EventStatus, Registration
from turnout.core.ports import RegistrationFilter
from turnout.core.registrations import RegistrationChanges

Reading = Literal["PENDING", "CONFIRMED", "ATTENDED", "CANCELLED"]
READINGS: Final = ("PENDING", "CONFIRMED", "ATTENDED", "CANCELLED")

EVENT_STATUS_OUT: Final[dict[str, str]] = {
    "confirmed": "published",
    "draft": "draft",
    "cancelled": "cancelled",
}
EVENT_STATUS_IN: Final[dict[str, EventStatus]] = {
    "published": "confirmed",
    "draft": "draft",
    "cancelled": "cancelled",
}

# The registrations each reading lists (W5 `status=`), in core terms.
FILTERS: Final[dict[str, RegistrationFilter]] = {
    "PENDING": RegistrationFilter(("pending", "tentative")),
    "CONFIRMED": RegistrationFilter(("accepted",), checked_in=False),
    "ATTENDED": RegistrationFilter(("accepted",), checked_in=True),
    "CANCELLED": RegistrationFilter(("declined", "removed")),
}


def reading(r: Registration) -> Reading:
    if r.status in ("pending", "tentative"):
        return "PENDING"
    if r.status == "accepted":
        return "ATTENDED" if r.checked_in_count > 0 else "CONFIRMED"
    return "CANCELLED"


def status_changes(
    wanted: Reading, old: Registration | None, party_size: int
) -> RegistrationChanges:
    """The core changes that writing `wanted` makes to `old` (None: a new registration).

    `party_size` is 1 + the guest count the registration will have after this write.
    """
    if wanted == "ATTENDED":  # always checks in the whole party
        return RegistrationChanges(status="accepted", checked_in_count=party_size)
    if old is not None and reading(old) == wanted:
        return RegistrationChanges()
    if wanted == "PENDING":
        return RegistrationChanges(status="pending", checked_in_count=0)
    if wanted == "CONFIRMED":
        return RegistrationChanges(status="accepted", checked_in_count=0)
    return RegistrationChanges(status="removed", checked_in_count=KEEP)


ATTENDEE_KEYS: Final = {"attendee_email": EMAIL, "attendee_name": NAME, "attendee_phone": PHONE}


def registration_changes(fields: dict[str, Any], old: Registration | None) -> RegistrationChanges:
    """The core changes for W6/W8 `fields` (validated by parse.registration_fields) on `old`.

    Attendee fields are metadata under the OpenID claim names; other metadata keys are kept.
    """
    metadata: Any = KEEP
    if any(name in fields for name in ATTENDEE_KEYS):
        merged = dict((old.metadata if old else None) or {})
        for name, key in ATTENDEE_KEYS.items():
            if name in fields:
                if fields[name] is None:
                    merged.pop(key, None)
                else:
                    merged[key] = fields[name]
        if len(merged) > MAX_METADATA_PAIRS:
            raise ValidationFailed(
                [
                    FieldError(
                        "metadata",
                        "out_of_range",
                        f"a registration holds at most {MAX_METADATA_PAIRS} metadata pairs",
                    )
                ]
            )
        metadata = merged
    guest_count = fields.get("guest_count", old.guest_count if old else 0)
    wanted = fields.get("status")
    status = status_changes(wanted, old, 1 + guest_count) if wanted else RegistrationChanges()
    return dataclasses.replace(
        status,
        metadata=metadata,
        guest_count=fields.get("guest_count", KEEP),
        notes=fields.get("notes", KEEP),
    )


def count(event: Event, wanted: str | None) -> int:
    """How many of the event's registrations read as `wanted` (all, for None), from its counters."""
    c = event.counts
    totals = {
        None: c.total,
        "PENDING": c.pending + c.tentative,
        "CONFIRMED": c.accepted - c.attended,
        "ATTENDED": c.attended,
        "CANCELLED": c.declined + c.removed,
    }
    return totals[wanted]
