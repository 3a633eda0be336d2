"""The /api/v1 event operations (W1–W4): what routes.py's event handlers accept and answer."""

from __future__ import annotations

from typing import Any

from turnout.auth.keys import EVENTS_READ, EVENTS_WRITE
from turnout.openapi.build import spellings
from turnout.openapi.webkasa.bodies import EVENT_STATUSES, SPEC_EVENT
from turnout.openapi.webkasa.responses import (
    Responses,
    body,
    boolean,
    event_id_param,
    pagination,
    query,
)


def list_events(r: Responses) -> dict[str, Any]:
    return r.operation(
        "webkasaListEvents",
        EVENTS_READ,
        "List events",
        "Every status unless status is given (drafts included), ordered by start instant, "
        "then id. meta.total is the exact number of matching events.",
        ("200", r.ok("A page of events.", "WebkasaEventList")),
        {
            "422": r.invalid(
                "A bad status, boolean, date, limit or offset, or upcoming and past both true.",
                "limit",
                "out_of_range",
                "limit must be at least 1",
            )
        },
        parameters=[
            query(
                "status",
                "published, draft or cancelled (read case-insensitively); anything else is "
                "a 422. Omitted: every status.",
                spellings(list(EVENT_STATUSES)),
            ),
            boolean("upcoming", "Only events that have not ended (end > now)."),
            boolean("past", "Only events that have ended (end ≤ now); with upcoming, a 422."),
            query(
                "start_date",
                "Events whose local start_date is on or after this YYYY-MM-DD (inclusive); a "
                "full RFC 3339 date-time is compared with the start instant instead.",
                {"type": "string", "examples": ["2024-02-01"]},
            ),
            query(
                "end_date",
                "Events whose local start_date is on or before this YYYY-MM-DD (inclusive); "
                "a full RFC 3339 date-time is compared with the start instant instead.",
                {"type": "string", "examples": ["2024-02-29"]},
            ),
            boolean("include_counts", "Add counts to each event."),
            *pagination(),
            query(
                "site_id",
                "Accepted and ignored (turnout has no sites).",
                {"type": "string"},
            ),
        ],
    )


def create_event(r: Responses) -> dict[str, Any]:
    return r.operation(
        "webkasaCreateEvent",
        EVENTS_WRITE,
        "Create an event",
        "Creates an event with a generated id (evt_ + 20 random characters), so a retried "
        "POST creates another. Local date and times are converted to UTC instants in "
        "timezone: a time that does not exist (a DST gap) is a 422, an ambiguous one means "
        "the earlier instant. Defaults: start_time 00:00, end start + 1 hour, timezone UTC, "
        "slots unlimited, status draft. Status published shows as confirmed on /v1; drafts "
        "are 404 there.",
        (
            "201",
            r.created("The event.", "WebkasaEventEnvelope", "/events/{id}"),
        ),
        {
            "413": r.too_large(),
            "422": r.invalid(
                "A missing title or start_date, a bad field (start_time 7pm, timezone "
                "Mars/Base, slots 0, status live, cost -1), end not after start, a local time "
                "in a DST gap, or malformed JSON (field body).",
                "start_date",
                "required",
                "start_date is required",
            ),
        },
        body=body("WebkasaEventCreate", SPEC_EVENT),
    )


def read_event(r: Responses) -> dict[str, Any]:
    return r.operation(
        "webkasaReadEvent",
        EVENTS_READ,
        "Read an event",
        "One event in any status, drafts included.",
        ("200", r.ok("The event.", "WebkasaEventEnvelope")),
        {
            "404": r.not_found("unknown event"),
            "422": r.invalid(
                "include_counts is not true, false, 1 or 0.",
                "include_counts",
                "invalid",
                "include_counts must be true, false, 1 or 0",
            ),
        },
        parameters=[event_id_param(), boolean("include_counts", "Add counts.")],
    )


def update_event(r: Responses) -> dict[str, Any]:
    return r.operation(
        "webkasaUpdateEvent",
        EVENTS_WRITE,
        "Update an event",
        "A turnout extension. Changes the fields given (W3's, all optional): null clears "
        "description, location and cost; slots null makes the event unlimited; end_time "
        "null means start + 1 hour; title null is a 422. Time fields are merged with the "
        "event's current local fields, then the instants are recomputed. Cancel an event "
        "with status cancelled (there is no DELETE); any status transition is allowed. "
        "Lowering slots below seats_taken is allowed: nobody is evicted, and new seats are "
        "refused until usage falls below it.",
        ("200", r.ok("The event after the change.", "WebkasaEventEnvelope")),
        {
            "404": r.not_found("unknown event (checked before the body)"),
            "413": r.too_large(),
            "422": r.invalid(
                "A bad field, title null, end not after start, a DST-gap time, or "
                "malformed JSON (field body).",
                "title",
                "invalid",
                "title is required (1–200 characters)",
            ),
        },
        parameters=[event_id_param()],
        body=body("WebkasaEventUpdate", {"slots": 40, "status": "cancelled"}, required=False),
    )


# Registrations
