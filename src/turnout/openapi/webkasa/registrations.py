"""The /api/v1 registration operations (W5–W10): what routes.py's handlers accept and answer."""

from __future__ import annotations

from typing import Any

from turnout.auth.keys import REGISTRATIONS_READ, REGISTRATIONS_WRITE
from turnout.openapi.build import spellings
from turnout.openapi.webkasa.bodies import SPEC_REGISTRATION
from turnout.openapi.webkasa.responses import (
    DUPLICATE_REGISTRATION,
    EVENT_CANCELLED,
    EVENT_FULL,
    REGISTRATION_CANCELLED,
    Responses,
    body,
    event_id_param,
    pagination,
    query,
    registration_id_param,
)
from turnout.surfaces.webkasa.mapping import READINGS

SEATS = (
    "A registration holds 1 + guest_count seats while it reads PENDING, CONFIRMED or ATTENDED, "
    "and none while CANCELLED."
)
STATUSES = (
    "Statuses: pending and tentative read PENDING; accepted reads CONFIRMED, or ATTENDED once "
    "someone is checked in; declined and removed read CANCELLED."
)


def list_registrations(r: Responses) -> dict[str, Any]:
    return r.operation(
        "webkasaListRegistrations",
        REGISTRATIONS_READ,
        "List an event's registrations",
        "Every registration of the event in creation order (oldest first), or those with "
        f"one reading. {STATUSES} meta.total comes from the event's counters.",
        ("200", r.ok("A page of registrations.", "WebkasaRegistrationList")),
        {
            "404": r.not_found("unknown event"),
            "422": r.invalid(
                "A bad status, limit or offset.",
                "status",
                "invalid",
                "status must be one of " + ", ".join(READINGS),
            ),
        },
        parameters=[
            event_id_param(),
            query(
                "status",
                f"Only registrations reading this: {', '.join(READINGS)} "
                "(case-insensitive); anything else is a 422.",
                spellings(list(READINGS)),
            ),
            *pagination(),
        ],
    )


def _write_conflicts(r: Responses, extra: str) -> dict[str, Any]:
    return {
        "409": r.error(
            "EVENT_CANCELLED: the event is cancelled and the registration would hold seats "
            "without releasing any (checked first); DUPLICATE_REGISTRATION: another active "
            "registration of the event has this email (compared trimmed and "
            "case-insensitively); EVENT_FULL: not enough seats, nothing stored. " + extra,
            {
                "EVENT_CANCELLED": EVENT_CANCELLED,
                "DUPLICATE_REGISTRATION": DUPLICATE_REGISTRATION,
                "EVENT_FULL": EVENT_FULL,
            },
        )
    }


def create_registration(r: Responses) -> dict[str, Any]:
    return r.operation(
        "webkasaCreateRegistration",
        REGISTRATIONS_WRITE,
        "Register someone for an event",
        "Creates a registration with a generated id (reg_ + 20 random characters). "
        f"{SEATS} Writing ATTENDED checks the whole party in; creating with CANCELLED "
        "succeeds even on a full or cancelled event. Order: event (404), validation (422), "
        "EVENT_CANCELLED, DUPLICATE_REGISTRATION, EVENT_FULL (409). Registrations on draft "
        "events are allowed.",
        (
            "201",
            r.created(
                "The registration.",
                "WebkasaRegistrationEnvelope",
                "/events/{event_id}/registrations/{id}",
            ),
        ),
        {
            "404": r.not_found("unknown event"),
            "413": r.too_large(),
            "422": r.invalid(
                "Missing attendee_email or attendee_name, a bad field (email bad, "
                'guest_count -1, 1.5 or "2", status WAITLIST), more than 10 metadata pairs, '
                "or malformed JSON (field body).",
                "attendee_email",
                "required",
                "attendee_email is required",
            ),
            **_write_conflicts(
                r,
                "A CANCELLED registration never blocks an email: re-registering creates a new id.",
            ),
        },
        parameters=[event_id_param()],
        body=body("WebkasaRegistrationCreate", SPEC_REGISTRATION),
    )


def read_registration(r: Responses) -> dict[str, Any]:
    return r.operation(
        "webkasaReadRegistration",
        REGISTRATIONS_READ,
        "Read a registration",
        f"A turnout extension. One registration of the event, in any status. {STATUSES}",
        ("200", r.ok("The registration.", "WebkasaRegistrationEnvelope")),
        {"404": r.not_found("unknown event, or a registration not in that event")},
        parameters=[event_id_param(), registration_id_param()],
    )


def update_registration(r: Responses) -> dict[str, Any]:
    return r.operation(
        "webkasaUpdateRegistration",
        REGISTRATIONS_WRITE,
        "Update a registration",
        "A turnout extension. Changes the fields given (W6's, all optional): attendee_phone "
        "null and notes null clear them; attendee_email or attendee_name null is a 422. "
        "Writing ATTENDED checks the whole party in, CONFIRMED undoes a check-in, CANCELLED "
        f"releases the seats. {SEATS} The duplicate-email rule applies when the email "
        "changes or a CANCELLED registration becomes active again.",
        ("200", r.ok("The registration after the change.", "WebkasaRegistrationEnvelope")),
        {
            "404": r.not_found("unknown event, or a registration not in that event"),
            "413": r.too_large(),
            "422": r.invalid(
                "A bad field, a guest_count below checked_in_count − 1, or malformed JSON "
                "(field body).",
                "guest_count",
                "out_of_range",
                "3 people are checked in; the party cannot be smaller",
            ),
            **_write_conflicts(
                r,
                "On a cancelled event only writes that release seats or leave none held "
                "succeed, so a notes-only edit of an active registration is refused. Writes "
                "that take no more seats never get EVENT_FULL; a write that changes nothing is "
                "still refused on a cancelled event when a change would be.",
            ),
        },
        parameters=[event_id_param(), registration_id_param()],
        body=body("WebkasaRegistrationUpdate", {"guest_count": 1, "notes": None}, required=False),
    )


def cancel_registration(r: Responses) -> dict[str, Any]:
    return r.operation(
        "webkasaCancelRegistration",
        REGISTRATIONS_WRITE,
        "Cancel a registration",
        "A turnout extension. The registration reads CANCELLED (core removed) and releases "
        "its seats; unlike /v1 DELETE it keeps the attendee fields, metadata and check-in "
        "data. Idempotent (a repeat is 200) and allowed on cancelled events, so it never "
        "conflicts. Any request body is ignored.",
        ("200", r.ok("The cancelled registration.", "WebkasaRegistrationEnvelope")),
        {"404": r.not_found("unknown event, or a registration not in that event")},
        parameters=[event_id_param(), registration_id_param()],
    )


def check_in(r: Responses) -> dict[str, Any]:
    return r.operation(
        "webkasaCheckIn",
        REGISTRATIONS_WRITE,
        "Check a registration in",
        "A turnout extension. Sets how many people of the party are present: count is "
        "absolute, not an increment, so a retry changes nothing. No count (or an empty "
        "body) checks in the whole party, 1 + guest_count; 0 undoes the check-in (CONFIRMED "
        "again). Checking in a PENDING registration makes it accepted (ATTENDED); seats do "
        "not change. checked_in_at is set when the count rises, null when it is 0.",
        (
            "200",
            r.ok("The registration after the check-in.", "WebkasaRegistrationEnvelope"),
        ),
        {
            "404": r.not_found("unknown event, or a registration not in that event"),
            "413": r.too_large(),
            "422": r.invalid(
                "count is not an integer from 0 to 1 + guest_count, or malformed JSON "
                "(field body).",
                "count",
                "out_of_range",
                "the party has 4 people",
            ),
            "409": r.error(
                "REGISTRATION_CANCELLED: the registration reads CANCELLED; EVENT_CANCELLED: "
                "the event is cancelled (checked after REGISTRATION_CANCELLED), even when the "
                "check-in would change nothing.",
                {
                    "REGISTRATION_CANCELLED": REGISTRATION_CANCELLED,
                    "EVENT_CANCELLED": EVENT_CANCELLED,
                },
            ),
        },
        parameters=[event_id_param(), registration_id_param()],
        body=body("WebkasaCheckIn", {"count": 2}, required=False),
    )
