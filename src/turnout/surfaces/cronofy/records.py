"""The route records of /v1's bookable events, registrations and availability (routes.py attaches
them): what each operation takes, answers and needs. The OpenAPI document is derived from these."""

from __future__ import annotations

from typing import Annotated

from msgspec import UNSET, Meta, Struct, UnsetType

from turnout.auth.keys import EVENTS_READ, EVENTS_WRITE, REGISTRATIONS_READ, REGISTRATIONS_WRITE
from turnout.core.errors import (
    EventCancelled,
    NotFound,
    PayloadTooLarge,
)
from turnout.core.limits import ID_PATTERN, MAX_ID_LENGTH, whole
from turnout.surfaces.cronofy import shapes
from turnout.surfaces.cronofy.parse import AvailabilityQuery, EventUpsert, RegistrationUpsert
from turnout.surfaces.operation import Link, Operation, capacity_refused, invalid

EVENTS, REGISTRATIONS, AVAILABILITY = "Bookable events", "Registrations", "Availability"
OPAQUE = whole("[A-Za-z0-9_-]+")

EventId = Annotated[
    str,
    Meta(
        pattern=whole(ID_PATTERN),
        max_length=MAX_ID_LENGTH,
        description="The bookable_event_id. Unknown ids, other tenants' events and drafts are 404.",
    ),
]
RegistrationId = Annotated[
    str,
    Meta(
        pattern=whole(ID_PATTERN),
        max_length=MAX_ID_LENGTH,
        description="The registration_id, within the event.",
    ),
]
PageToken = Annotated[
    str,
    Meta(
        pattern=OPAQUE,
        description="Opaque token for a later page, taken from pages.next_page. Omit it for page "
        "1. An invalid, altered or foreign token is 404.",
    ),
]


class Paged(Struct):
    page_token: PageToken | UnsetType = UNSET


# Runtime expressions (OpenAPI 3.1 §4.8.20.4) the links use.
EVENT_ID = "$response.body#/bookable_event_id"
EVENT_IN_PATH = "$request.path.event_id"
REGISTRATION_IN_BODY = "$request.body#/registration_id"

MISSING_EVENT = NotFound("bookable event")
MISSING_REGISTRATION = NotFound("registration")
PAGE_ONE = (
    " The answer is the event with page 1 of its registrations (creation order); "
    "registration.pages is present only when there is more than one page."
)


UPSERT_EVENT = Operation(
    id="upsertBookableEvent",
    summary="Create or update a bookable event",
    description="Upsert by the client-chosen bookable_event_id. An unknown id creates the event "
    "with timezone UTC and every counter at 0. An existing id (in any status, drafts from "
    "/api/v1 included) is updated: start, end and status are replaced; registration.capacity is "
    "replaced when present (null = unlimited) and kept when registration or capacity is omitted, "
    "so an update never silently lifts a limit. Registrations and counters are kept. Lowering "
    "capacity below seats_taken is allowed: nobody is evicted, new seats are refused until usage "
    "falls below it. Cancel an event with status cancelled (there is no DELETE); re-confirm it by "
    "posting status confirmed. Start and end are RFC 3339 with Z or ±HH:MM, normalised to UTC "
    "(fractional seconds dropped); end after start. Unknown keys (bearer_token) are ignored."
    + PAGE_ONE,
    tag=EVENTS,
    ok=shapes.Event,
    body=EventUpsert,
    example={
        "bookable_event_id": "83hi8qhfiaif",
        "start": "2025-01-24T12:30:00Z",
        "end": "2025-01-24T13:30:00Z",
        "status": "confirmed",
        "registration": {"capacity": 10},
    },
    errors=(
        PayloadTooLarge(),
        invalid("end", "invalid", "end must be after start"),
        invalid("body", "invalid_json", "the body is not a JSON object"),
    ),
    scopes=(EVENTS_WRITE,),
    etag=True,
    preconditions=True,
    idempotent=True,
    links=(
        Link("ReadEvent", "readBookableEvent", {"event_id": EVENT_ID}),
        Link(
            "UpdateEvent",
            "upsertBookableEvent",
            body={"bookable_event_id": EVENT_ID},
            description="Upsert the same event again (an update).",
        ),
        Link("ListRegistrations", "listRegistrations", {"event_id": EVENT_ID}),
        Link("CreateRegistration", "upsertRegistration", {"event_id": EVENT_ID}),
        Link(
            "Availability",
            "availability",
            body={"bookable_events": [{"bookable_event_id": EVENT_ID}]},
            description="Ask whether this event can take registrations.",
        ),
        Link(
            "ReadEventOnApiV1",
            "webkasaReadEvent",
            {"event_id": EVENT_ID},
            description="The same event through /api/v1.",
        ),
    ),
)

LIST_EVENTS = Operation(
    id="listBookableEvents",
    summary="List bookable events",
    description="One page of the tenant's events, confirmed and cancelled (drafts are excluded), "
    "in creation order. Items carry the event fields and counters but no registrations. pages is "
    "always present; follow pages.next_page until it is absent. A turnout extension.",
    tag=EVENTS,
    ok=shapes.EventList,
    query=Paged,
    errors=(NotFound("page token"),),
    scopes=(EVENTS_READ,),
)

READ_EVENT = Operation(
    id="readBookableEvent",
    summary="Read a bookable event",
    description="The event and page 1 of its registrations, in every status, in creation order. "
    "When there is more than one page, registration.pages.next_page is the absolute URL of the "
    "next page (GET /v1/bookable_events/{event_id}/registrations/pages/{token}).",
    tag=EVENTS,
    ok=shapes.Event,
    path={"event_id": EventId},
    errors=(MISSING_EVENT,),
    scopes=(EVENTS_READ, REGISTRATIONS_READ),
    etag=True,
)

READ_EVENT_PAGE = Operation(
    id="readBookableEventPage",
    summary="Read a later page of an event's registrations",
    description="Follows registration.pages.next_page from readBookableEvent. The body has the "
    "same shape as readBookableEvent, with registration.pages.current = n; next_page is left out "
    "on the last page. The event fields show its state at the time of this request.",
    tag=EVENTS,
    ok=shapes.Event,
    path={
        "event_id": EventId,
        "token": Annotated[
            str,
            Meta(
                pattern=OPAQUE,
                description="Opaque page token from registration.pages.next_page.",
            ),
        ],
    },
    errors=(MISSING_EVENT,),
    scopes=(EVENTS_READ, REGISTRATIONS_READ),
    etag=True,
)

UPSERT_REGISTRATION = Operation(
    id="upsertRegistration",
    summary="Create or update a registration",
    description="Upsert by registration_id within the event. An unknown id creates the "
    "registration (guest_count 0, metadata {} unless given). A known id is updated: status is "
    "replaced (any status may move to any other); metadata is replaced when present, kept when "
    "omitted and cleared when null; guest_count and notes are replaced when present and kept "
    "when omitted. A registration in pending, tentative or accepted holds 1 + guest_count seats. "
    "A write that takes more seats is refused with 422 errors.event_cancelled on a cancelled "
    "event, and with 422 errors.capacity_reached when seats_taken would exceed capacity. Writes "
    "that take no more seats (re-sends, metadata or notes edits, declines) always succeed. A "
    "bookable_event_id in the body is ignored: the path wins. The ETag is the registration's."
    + PAGE_ONE,
    tag=REGISTRATIONS,
    ok=shapes.Event,
    body=RegistrationUpsert,
    example={
        "registration_id": "87326",
        "status": "accepted",
        "metadata": {"email": "a@company.com", "name": "Bill the One", "locale": "en-US"},
        "guest_count": 1,
    },
    path={"event_id": EventId},
    errors=(
        MISSING_EVENT,
        PayloadTooLarge(),
        invalid("guest_count", "out_of_range", "guest_count is from 0 to 9999"),
        capacity_refused(2, 1, "status"),
        EventCancelled(),
    ),
    scopes=(REGISTRATIONS_WRITE,),
    etag=True,
    preconditions=True,
    idempotent=True,
    links=(
        Link(
            "ReadRegistration",
            "readRegistration",
            {"event_id": EVENT_IN_PATH, "registration_id": REGISTRATION_IN_BODY},
        ),
        Link(
            "UpdateRegistration",
            "upsertRegistration",
            {"event_id": EVENT_IN_PATH},
            body={"registration_id": REGISTRATION_IN_BODY},
        ),
        Link(
            "DeleteRegistration",
            "deleteRegistration",
            {"event_id": EVENT_IN_PATH, "registration_id": REGISTRATION_IN_BODY},
        ),
    ),
)

DELETE_REGISTRATION = Operation(
    id="deleteRegistration",
    summary="Remove a registration",
    description="Sets the registration's status to removed and its metadata to null, releasing "
    "its seats. It stays listed and still counts in total_count; check-in data is kept. "
    "Idempotent, and allowed on cancelled events. Any request body is ignored." + PAGE_ONE,
    tag=REGISTRATIONS,
    ok=shapes.Event,
    path={"event_id": EventId, "registration_id": RegistrationId},
    errors=(MISSING_REGISTRATION,),
    scopes=(REGISTRATIONS_WRITE,),
    etag=True,
    preconditions=True,
    idempotent=True,
    links=(
        Link(
            "ReadRegistration",
            "readRegistration",
            {"event_id": EVENT_IN_PATH, "registration_id": "$request.path.registration_id"},
        ),
    ),
)

LIST_REGISTRATIONS = Operation(
    id="listRegistrations",
    summary="List an event's registrations",
    description="One page of the event's registrations, every status, creation order, with pages "
    "at the top level. pages is always present, even for a single page; follow pages.next_page "
    "until it is absent (current < total exactly when next_page is present).",
    tag=REGISTRATIONS,
    ok=shapes.RegistrationList,
    path={"event_id": EventId},
    query=Paged,
    errors=(MISSING_EVENT,),
    scopes=(REGISTRATIONS_READ,),
)

READ_REGISTRATION = Operation(
    id="readRegistration",
    summary="Read one registration",
    description="One registration of the event, wrapped under the key registration (a turnout "
    "extension).",
    tag=REGISTRATIONS,
    ok=shapes.RegistrationEnvelope,
    path={"event_id": EventId, "registration_id": RegistrationId},
    errors=(MISSING_REGISTRATION,),
    scopes=(REGISTRATIONS_READ,),
    etag=True,
)

AVAILABILITY_QUERY = Operation(
    id="availability",
    summary="Which of these events can take registrations",
    description="The bookable-events form of Cronofy's availability query. Returns, in request "
    "order and once each, the events that are confirmed, have not ended (end > now) and have "
    "seats left (capacity null or seats_taken < capacity). Unknown, other-tenant, draft, "
    "cancelled, full and ended ids are silently left out; an empty result is 200 with []. Other "
    "Cronofy availability parameters are ignored.",
    tag=AVAILABILITY,
    ok=shapes.AvailabilityResponse,
    body=AvailabilityQuery,
    example={"bookable_events": [{"bookable_event_id": "83hi8qhfiaif"}]},
    errors=(
        PayloadTooLarge(),
        invalid("bookable_events", "required", "bookable_events is required"),
    ),
    scopes=(EVENTS_READ,),
    idempotent=True,  # every write takes an Idempotency-Key
)
