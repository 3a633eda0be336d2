"""Every /v1 response body (the webhook extensions' are in webhooks/shapes.py), declared once:
render.py, admin.py and hubs.py write these shapes, the OpenAPI document derives its schemas from
them, and tests/test_openapi_live.py decodes real answers strictly against them."""

from __future__ import annotations

from typing import Annotated, Literal

from msgspec import UNSET, Meta, UnsetType

from turnout.auth.keys import PREFIX, SCOPES
from turnout.core.hubs import HUB_NAME_PATTERN, RULE_NAME_PATTERN
from turnout.core.limits import MAX_CAPACITY, MAX_GUESTS, MAX_NOTES, whole
from turnout.core.model import RegistrationStatus
from turnout.surfaces.cronofy.errors import ERROR_KEYS
from turnout.surfaces.cronofy.parse import MetadataObject
from turnout.surfaces.shapes import ClientId, Shape, count, utc

Capacity = Annotated[
    Annotated[int, Meta(ge=1, le=MAX_CAPACITY)] | None, Meta(description="Seats; null = unlimited.")
]
EventStatus = Literal["confirmed", "cancelled"]


class Registration(Shape):
    """A registration."""

    registration_id: Annotated[ClientId, Meta(description="Client-chosen id.")]
    status: RegistrationStatus
    metadata: Annotated[
        MetadataObject | None,
        Meta(
            description="{} when created without metadata; null after DELETE or an explicit null."
        ),
    ]
    guest_count: Annotated[int, count("Extra people; seats held = 1 + guest_count.", MAX_GUESTS)]
    notes: Annotated[str, Meta(max_length=MAX_NOTES)] | None
    checked_in_count: Annotated[
        int, count("People checked in, 0 to 1 + guest_count.", MAX_GUESTS + 1)
    ]
    checked_in_at: Annotated[
        Annotated[str, utc("When someone was last checked in.")] | None,
        Meta(description="null if nobody is checked in."),
    ]
    created_at: Annotated[str, utc("When the registration was created.")]
    updated_at: Annotated[str, utc("When it last changed.")]
    ticket_code: Annotated[
        str,
        Meta(
            description="turnout extension: the registration's ticket code, signed with the "
            "server secret and bound to tenant, event and registration; the door page "
            "(/app/door/{event}) reads it typed, scanned or from a QR code (docs/DASHBOARD.md).",
        ),
    ]


class Pages(Shape):
    """Paging state. current < total exactly when next_page is present."""

    current: Annotated[int, Meta(ge=1)]
    total: Annotated[int, Meta(ge=1)]
    next_page: (
        Annotated[
            str,
            Meta(
                description="Absolute URL of the next page, built from the public base URL; absent "
                "on the last page."
            ),
        ]
        | UnsetType
    ) = UNSET


class EventCounts(Shape):
    """An event's capacity and counters."""

    capacity: Capacity
    registered_count: Annotated[int, count("Registrations in pending, tentative or accepted.")]
    total_count: Annotated[int, count("All registrations, declined and removed included.")]
    seats_taken: Annotated[
        int, count("Seats held: the sum of 1 + guest_count over the registered ones.")
    ]


class EventRegistration(Shape):
    """Capacity, counters and one page of registrations."""

    capacity: Capacity
    registered_count: Annotated[int, count("Registrations in pending, tentative or accepted.")]
    total_count: Annotated[int, count("All registrations, declined and removed included.")]
    seats_taken: Annotated[
        int, count("Seats held: the sum of 1 + guest_count over the registered ones.")
    ]
    registrations: Annotated[
        list[Registration],
        Meta(description="One page of registrations, every status, creation order."),
    ]
    pages: (
        Annotated[Pages, Meta(description="Present only when there is more than one page.")]
        | UnsetType
    ) = UNSET


class Event(Shape):
    """An event with one page of its registrations."""

    bookable_event_id: Annotated[ClientId, Meta(description="Client-chosen id.")]
    start: Annotated[str, utc("Start, UTC.")]
    end: Annotated[str, utc("End, UTC.")]
    status: EventStatus
    timezone: Annotated[str, Meta(description="IANA name; UTC for events created here.")]
    registration: EventRegistration


class EventSummary(Shape):
    """An event in a list: counters, no registrations."""

    bookable_event_id: Annotated[ClientId, Meta(description="Client-chosen id.")]
    start: Annotated[str, utc("Start, UTC.")]
    end: Annotated[str, utc("End, UTC.")]
    status: EventStatus
    timezone: Annotated[str, Meta(description="IANA name; UTC for events created here.")]
    registration: EventCounts


class EventList(Shape):
    """A page of events, with the paging state."""

    bookable_events: list[EventSummary]
    pages: Pages


class RegistrationList(Shape):
    """A page of an event's registrations, with the paging state."""

    registrations: list[Registration]
    pages: Pages


class RegistrationEnvelope(Shape):
    """One registration, under the key registration (a turnout extension)."""

    registration: Registration


class AvailableCounts(Shape):
    capacity: Capacity
    registered_count: Annotated[int, count("Registrations in pending, tentative or accepted.")]
    seats_taken: Annotated[
        int, count("Seats held: the sum of 1 + guest_count over the registered ones.")
    ]


class AvailableEvent(Shape):
    """An event that can take registrations."""

    bookable_event_id: Annotated[ClientId, Meta(description="Client-chosen id.")]
    start: Annotated[str, utc("Start, UTC.")]
    end: Annotated[str, utc("End, UTC.")]
    registration: AvailableCounts


class AvailabilityResponse(Shape):
    """The events asked about that can take registrations, in request order."""

    available_bookable_events: list[AvailableEvent]


# Errors


class Explanation(Shape):
    """turnout's explanation of a /v1 error, in every /v1 error body. Cronofy's SDKs ignore it."""

    code: Annotated[str, Meta(description="Stable, snake_case.")]
    problem: Annotated[str, Meta(description="What went wrong, for humans.")]
    fix: Annotated[str, Meta(description="What to do next.")]
    limit: Annotated[str, Meta(description="On a 429: the limit that refused.")] | UnsetType = UNSET


class ErrorDetail(Shape):
    key: Annotated[
        str,
        Meta(
            pattern=whole(r"errors\.[a-z_]+"),
            description="For programs: " + ", ".join(f"errors.{k}" for k in ERROR_KEYS) + ".",
        ),
    ]
    description: Annotated[str, Meta(description="For humans.")]


class ErrorObject(Shape):
    """A /v1 error that names its causes: every field error found, grouped by field (422, and
    turnout's 400, 409, 412 and 428)."""

    errors: Annotated[
        dict[str, Annotated[list[ErrorDetail], Meta(min_length=1)]],
        Meta(
            description="Field name (dotted when nested: registration.capacity, metadata.email; `body` for "
            "malformed JSON) → its errors. Clients read errors[field][0].key."
        ),
    ]
    turnout_error: Explanation | UnsetType = UNSET


class Empty(Shape):
    """The body of most /v1 errors: Cronofy's {}, with turnout's turnout_error member beside it."""

    turnout_error: Explanation | UnsetType = UNSET


# Keys (admin.py)


class ApiKey(Shape):
    """A key as turnout shows it: never the key itself, which only its creation answers."""

    prefix: Annotated[str, Meta(pattern=whole(PREFIX.pattern.removesuffix("\\Z")))]
    name: str | None
    scopes: list[Literal[SCOPES]]  # type: ignore[valid-type]
    created_at: Annotated[str, utc("When the key was made.")]
    last_used_at: Annotated[
        Annotated[str, utc("Its last use, to the minute.")] | None, Meta(description="null: never.")
    ]
    expires_at: Annotated[
        Annotated[str, utc("When it stops working.")] | None, Meta(description="null: never.")
    ]
    revoked_at: Annotated[
        Annotated[str, utc("When it was revoked.")] | None, Meta(description="null: it was not.")
    ]
    state: Literal["active", "expired", "revoked"]


class NewApiKey(Shape):
    """A new key. After a rotation, `replaces` is the old key with its new expires_at."""

    key: ApiKey
    api_key: Annotated[
        str,
        Meta(
            description="The key, shown this once; only its HMAC is stored.",
        ),
    ]
    replaces: ApiKey | UnsetType = UNSET


class KeyEnvelope(Shape):
    """One key."""

    key: ApiKey


class KeyList(Shape):
    """The tenant's keys, oldest first."""

    keys: list[ApiKey]


class TenantSettings(Shape):
    name: str
    require_precondition: bool
    cors_origins: list[str]


class TenantEnvelope(Shape):
    """The tenant's name and settings."""

    tenant: TenantSettings


# Notification-hub management (hubs.py)

HubName = Annotated[str, Meta(pattern=whole(HUB_NAME_PATTERN))]
Connection = Annotated[
    str,
    Meta(
        description="Endpoint=sb://{authority}/;SharedAccessKeyName={rule};SharedAccessKey={key} (http:// "
        "when turnout is served over http): what the SDKs take."
    ),
]


class Hub(Shape):
    name: HubName
    registration_quota: Annotated[int, Meta(ge=0)] | None
    registration_ttl_seconds: Annotated[int, Meta(ge=1)] | None
    device_count: Annotated[int, Meta(ge=0)]
    requests_per_second: Annotated[int, Meta(ge=1)] | None


class HubRule(Shape):
    name: Annotated[str, Meta(pattern=whole(RULE_NAME_PATTERN))]
    hub: str | None
    rights: Annotated[list[Literal["listen", "send", "manage"]], Meta(min_length=1)]


class HubList(Shape):
    """The tenant's hubs."""

    hubs: list[Hub]


class HubOne(Shape):
    """One hub."""

    hub: Hub


class ConnectionStrings(Shape):
    listen: Connection
    full: Connection


class HubCreated(Shape):
    """The new hub and its two rules' connection strings, shown only here."""

    hub: Hub
    connection_strings: ConnectionStrings


class HubRuleList(Shape):
    """The tenant's SAS rules, without their keys."""

    hub_rules: list[HubRule]


class HubRuleCreated(Shape):
    """The new rule and its connection string, shown only here."""

    hub_rule: HubRule
    connection_string: Connection


class HubConnection(Shape):
    """The rule's new connection string."""

    connection_string: Connection
