"""Registration commands. Every write is a pure decision the store applies under the event's lock."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from msgspec.structs import replace

from turnout.core import ids, times
from turnout.core.changes import KEEP, Keep, given_fields
from turnout.core.errors import FieldError, NotFound, RegistrationCancelled, ValidationFailed
from turnout.core.etags import Precondition
from turnout.core.metadata import email_key
from turnout.core.model import Event, Metadata, Registration, RegistrationStatus
from turnout.core.ports import RegistrationStore, RegistrationWrite, WriteResult
from turnout.core.seats import counter_delta, refusal, seats_held


@dataclasses.dataclass(frozen=True)
class RegistrationChanges:
    status: RegistrationStatus | Keep = KEEP
    guest_count: int | Keep = KEEP
    metadata: Metadata | Keep | None = KEEP
    notes: str | Keep | None = KEEP
    checked_in_count: int | Keep = KEEP


# Whether a write may go ahead on a cancelled event, given the registration before and after.
CancelRule = Callable[[Registration | None, Registration], bool]


def takes_no_more_seats(old: Registration | None, new: Registration) -> bool:
    """/v1's rule: anything that does not take more seats, so organizers can wind an event down."""
    return seats_held(new) <= seats_held(old)


def releases_or_holds_none(old: Registration | None, new: Registration) -> bool:
    """/api/v1's stricter rule: only writes that release seats or leave none held."""
    return seats_held(new) < seats_held(old) or seats_held(new) == 0


def apply_changes(
    registration_id: str, old: Registration | None, changes: RegistrationChanges, now: int
) -> Registration:
    """The registration after `changes`. A new one starts pending, with no guests and `{}` metadata."""
    base = old or Registration(
        id=registration_id,
        status="pending",
        guest_count=0,
        metadata={},
        notes=None,
        checked_in_count=0,
        checked_in_at=None,
        created_at=now,
        updated_at=now,
    )
    given = given_fields(changes)
    new = replace(base, **given, updated_at=now)
    if new.checked_in_count > base.checked_in_count:
        new = replace(new, checked_in_at=now)
    elif new.checked_in_count == 0:
        new = replace(new, checked_in_at=None)
    if new.checked_in_count > new.party_size:
        raise ValidationFailed(
            [
                FieldError(
                    "guest_count",
                    "out_of_range",
                    f"{new.checked_in_count} people are checked in; the party cannot be smaller",
                )
            ]
        )
    return new


async def write_registration(
    store: RegistrationStore,
    tenant_id: int,
    event_id: str,
    registration_id: str,
    changes: RegistrationChanges | Callable[[Registration | None], RegistrationChanges],
    *,
    include_drafts: bool,
    cancel_rule: CancelRule,
    must_exist: bool = False,
    unique_email: bool = False,
    first_page: int = 0,
    precondition: Precondition | None = None,
) -> WriteResult:
    """Create or change one registration, holding the seat, cancelled-event and email rules.

    `changes` may be a function of the current registration, for commands whose meaning depends on
    it (a status that keeps `tentative` when asked for "pending", say). It is called under the lock.
    A `precondition` is checked against the registration as it is then, unless the write would
    change nothing.
    """
    if not (ids.could_exist(event_id) and ids.could_exist(registration_id)):
        raise NotFound(event_id)  # bodies' ids are checked by the surfaces; these came in a path
    now = times.now()
    if precondition is not None:
        precondition.require()

    def decide(event: Event, old: Registration | None) -> RegistrationWrite | None:
        if event.status == "draft" and not include_drafts:
            raise NotFound(event_id)
        if old is None and must_exist:
            raise NotFound(registration_id)
        wanted = changes(old) if callable(changes) else changes
        new = apply_changes(registration_id, old, wanted, now)
        cancel_ok = cancel_rule(old, new)
        if old is not None and new.same_content(old):
            # Nothing to write, but a surface that refuses this write on a cancelled event still says so.
            if problem := refusal(event, 0, cancel_ok):
                raise problem
            return None
        if precondition is not None:
            precondition.check(old)
        check_email = unique_email and seats_held(new) > 0 and _email_matters(old, new)
        old_version = old.version if old else 0
        key = email_key(new.metadata)
        return RegistrationWrite(
            registration=replace(new, version=old_version + 1),
            old_version=old_version,
            delta=counter_delta(old, new),
            email_key=key,
            cancel_ok=cancel_ok,
            unique_email=key if check_email else None,
            record_history=_status_changed(old, new),
        )

    if not ids.could_exist(event_id):
        raise NotFound(event_id)
    if not ids.could_exist(registration_id):  # surfaces check new ids; this is a path's
        raise NotFound(registration_id)
    return await store.write_registration(tenant_id, event_id, registration_id, decide, first_page)


def _status_changed(old: Registration | None, new: Registration) -> bool:
    """The status history records every status and every check-in count a registration takes."""
    return old is None or (old.status, old.checked_in_count) != (new.status, new.checked_in_count)


def _email_matters(old: Registration | None, new: Registration) -> bool:
    """A new active registration, a reactivated one, or a changed email must be unique."""
    if old is None or seats_held(old) == 0:
        return True
    return email_key(old.metadata) != email_key(new.metadata)


async def find_registration(
    store: RegistrationStore, event: Event, registration_id: str
) -> Registration:
    registration = None
    if ids.could_exist(registration_id):
        registration = await store.get_registration(event.pk, registration_id)
    if registration is None:
        raise NotFound(registration_id)
    return registration


def check_in(count: int | None, old: Registration | None) -> RegistrationChanges:
    """`count` people of the party are present (None: all of them). Absolute, so retries are safe.

    Checking in a pending or tentative registration accepts it; a declined or removed one cannot be
    checked in.
    """
    if old is None:
        raise NotFound("registration")
    present = old.party_size if count is None else count
    if present > old.party_size:
        raise ValidationFailed(
            [FieldError("count", "out_of_range", f"the party has {old.party_size} people")]
        )
    if old.status in ("declined", "removed"):
        raise RegistrationCancelled(old.id)
    if present > 0 and old.status in ("pending", "tentative"):
        return RegistrationChanges(status="accepted", checked_in_count=present)
    return RegistrationChanges(checked_in_count=present)
