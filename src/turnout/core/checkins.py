"""Checking a party in at the door: a guarded write, so two volunteers tapping the same party at
once check it in exactly once.

A volunteer acts on what their screen showed: "this party had `seen` people checked in; now
`present` are". The decision runs under the event's lock (core/ports.py), and refuses with
AlreadyCheckedIn when the count is no longer `seen` — someone else got there first — so the loser is
told, with the count as it now is, instead of being told they did it too.
"""

from __future__ import annotations

from turnout.core import registrations
from turnout.core.errors import NotFound, PreconditionFailed
from turnout.core.model import Registration
from turnout.core.ports import RegistrationStore, WriteResult


class AlreadyCheckedIn(PreconditionFailed):
    """The party's check-in count changed since the volunteer saw it: a precondition that failed,
    so the API surfaces (which never raise it) would answer it as their 412."""

    # Its code stays etag_mismatch: the same kind of refusal, in every surface's table.

    def __init__(self, message: str, current: Registration | None = None) -> None:
        super().__init__(message)
        self.current = current  # the registration as it is now


def check_in_changes(
    old: Registration | None, seen: int, present: int, guarded: bool = True
) -> registrations.RegistrationChanges:
    """The core's check-in rule (core/registrations.py), once the count is still `seen`."""
    if old is None:
        raise NotFound("registration")
    if guarded and old.checked_in_count != seen:
        counts = f"{old.checked_in_count} of {old.party_size} already checked in"
        raise AlreadyCheckedIn(counts, old)
    return registrations.check_in(present, old)


def _undo_only(old: Registration | None, new: Registration) -> bool:
    """At a cancelled event a check-in may be undone, never made."""
    return old is not None and new.checked_in_count <= old.checked_in_count


async def check_in(
    store: RegistrationStore,
    tenant_id: int,
    event_id: str,
    registration_id: str,
    seen: int,
    present: int,
    *,
    guarded: bool = True,
) -> WriteResult:
    """Set the party's checked-in count from `seen` to `present` (0 undoes a check-in).

    `guarded=False` is the negative control of the concurrency tests: it writes whatever the count
    was, so two volunteers are both told they checked the party in. Nothing else passes it.
    """
    return await registrations.write_registration(
        store,
        tenant_id,
        event_id,
        registration_id,
        lambda old: check_in_changes(old, seen, present, guarded),
        include_drafts=True,
        cancel_rule=_undo_only,
        must_exist=True,
    )
