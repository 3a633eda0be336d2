"""The route records of /api/v1 (routes.py attaches them): what each operation takes, answers and
needs. The OpenAPI document is derived from these; the scope each declares is checked by the route
before the handler runs (after the credential and the rate limit: surfaces/webkasa/guard.py)."""

from __future__ import annotations

from typing import Annotated

from msgspec import UNSET, Meta, Struct, UnsetType

from turnout.auth.keys import EVENTS_READ, EVENTS_WRITE, REGISTRATIONS_READ, REGISTRATIONS_WRITE
from turnout.core.errors import (
    DuplicateRegistration,
    EventCancelled,
    NotFound,
    PayloadTooLarge,
    RegistrationCancelled,
)
from turnout.core.limits import (
    DEFAULT_LIMIT,
    ID_PATTERN,
    MAX_ID_LENGTH,
    MAX_LIMIT,
    MAX_OFFSET,
    whole,
)
from turnout.surfaces.fields import Words
from turnout.surfaces.operation import Link, Operation, capacity_refused, invalid
from turnout.surfaces.webkasa import shapes
from turnout.surfaces.webkasa.contract import (
    EVENT_STATUS_PATTERN,
    READING_PATTERN,
    CheckIn,
    EventChange,
    EventCreate,
    RegistrationChange,
    RegistrationCreate,
)
from turnout.surfaces.webkasa.mapping import EVENT_STATUS_IN, READINGS

TAG = "Webkasa events and registrations"
STATUSES = (
    "Statuses: pending and tentative read PENDING; accepted reads CONFIRMED, or ATTENDED once "
    "someone is checked in; declined and removed read CANCELLED."
)
SEATS = (
    "A registration holds 1 + guest_count seats while it reads PENDING, CONFIRMED or ATTENDED, "
    "and none while CANCELLED."
)
EventId = Annotated[
    str,
    Meta(
        pattern=whole(ID_PATTERN),
        max_length=MAX_ID_LENGTH,
        description="The event's id (evt_… or a /v1 id). Unknown and other tenants' events are "
        "404; drafts are visible here.",
    ),
]
RegistrationId = Annotated[
    str,
    Meta(
        pattern=whole(ID_PATTERN),
        max_length=MAX_ID_LENGTH,
        description="The registration's id. One that belongs to another event is 404.",
    ),
]
ON_EVENT = {"event_id": EventId}
ON_REGISTRATION = {"event_id": EventId, "registration_id": RegistrationId}

# Query strings: parse.py reads each through its Struct (surfaces/query.py): a boolean or a number
# trimmed, a boolean in any case; a status is any case of its words, trimmed (contract.py's patterns);
# the dates are read leniently after, so they are text.
Boolean = Annotated[
    bool,
    Meta(
        description="true, false, 1 or 0, case-insensitive; anything else is a 422. Default false."
    ),
]
Limit = Annotated[
    int,
    Meta(
        ge=1,
        le=MAX_OFFSET,
        description=f"Page size; values above {MAX_LIMIT} are clamped to {MAX_LIMIT} (meta.limit "
        "reports the value used). 0, negatives and non-integers are a 422.",
    ),
]
Offset = Annotated[int, Meta(ge=0, le=MAX_OFFSET, description="Rows to skip. Negatives are a 422.")]
Date = Annotated[
    str,
    Meta(
        description="A local YYYY-MM-DD (inclusive) compared with the event's local start_date; "
        "a full RFC 3339 date-time is compared with the start instant instead.",
        examples=["2024-02-01"],
    ),
]


# How the query strings' refusals read (surfaces/query.py words them; parse.py reads with them).
_WHOLE = ("invalid", "{field} must be a whole number")
QUERY_WORDS: Words = {
    "limit": {"type": _WHOLE, "*": ("out_of_range", f"limit must be between 1 and {MAX_OFFSET}")},
    "offset": {"type": _WHOLE, "*": ("out_of_range", f"offset must be between 0 and {MAX_OFFSET}")},
    "EventQuery.status": {"*": ("invalid", "status must be published, draft or cancelled")},
    "RegistrationQuery.status": {"*": ("invalid", "status must be one of " + ", ".join(READINGS))},
    "*": {"*": ("invalid", "{field} must be true, false, 1 or 0")},  # the booleans
}


class EventQuery(Struct):
    status: (
        Annotated[
            str,
            Meta(
                pattern=EVENT_STATUS_PATTERN,
                description="published, draft or cancelled, in any case (ASCII letters); trimmed. "
                "Anything else is a 422. Omitted: every status.",
                examples=list(EVENT_STATUS_IN),
            ),
        ]
        | UnsetType
    ) = UNSET
    upcoming: Annotated[Boolean, Meta(description="Only events that have not ended.")] | (
        UnsetType
    ) = UNSET
    past: Annotated[
        Boolean, Meta(description="Only events that have ended; not with upcoming.")
    ] | (UnsetType) = UNSET
    start_date: Annotated[Date, Meta(description="Events starting on or after this.")] | (
        UnsetType
    ) = UNSET
    end_date: Annotated[Date, Meta(description="Events starting on or before this.")] | (
        UnsetType
    ) = UNSET
    include_counts: Annotated[Boolean, Meta(description="Add counts to each event.")] | (
        UnsetType
    ) = UNSET
    limit: Limit = DEFAULT_LIMIT
    offset: Offset = 0
    site_id: Annotated[str, Meta(description="Accepted and ignored (turnout has no sites).")] | (
        UnsetType
    ) = UNSET


class Counted(Struct):
    include_counts: Annotated[Boolean, Meta(description="Add counts.")] | UnsetType = UNSET


class RegistrationQuery(Struct):
    status: (
        Annotated[
            str,
            Meta(
                pattern=READING_PATTERN,
                description="Only registrations reading this: PENDING, CONFIRMED, ATTENDED or "
                "CANCELLED, in any case (ASCII letters); trimmed. Anything else is a 422.",
                examples=list(READINGS),
            ),
        ]
        | UnsetType
    ) = UNSET
    limit: Limit = DEFAULT_LIMIT
    offset: Offset = 0


# Runtime expressions the links use: ids are generated, and answered as data.id.
DATA_ID, DATA_EVENT = "$response.body#/data/id", "$response.body#/data/event_id"
TO_REGISTRATION = {"event_id": DATA_EVENT, "registration_id": DATA_ID}
NO_EVENT, NO_REGISTRATION = NotFound("event"), NotFound("registration")


LIST_EVENTS = Operation(
    id="webkasaListEvents",
    summary="List events",
    description="Every status unless status is given (drafts included), ordered by start "
    "instant, then id. meta.total is the exact number of matching events.",
    tag=TAG,
    ok=shapes.WebkasaEventList,
    query=EventQuery,
    errors=(invalid("limit", *QUERY_WORDS["limit"]["*"]),),
    scopes=(EVENTS_READ,),
)
CREATE_EVENT = Operation(
    id="webkasaCreateEvent",
    summary="Create an event",
    description="Creates an event with a generated id (evt_ + 20 random characters), so a "
    "retried POST creates another (send an Idempotency-Key). Local date and times are "
    "converted to UTC instants in timezone: a time that does not exist (a DST gap) is a 422, an "
    "ambiguous one means the earlier instant. Defaults: start_time 00:00, end start + 1 hour, "
    "timezone UTC, slots unlimited, status draft. Status published shows as confirmed on /v1; "
    "drafts are 404 there.",
    tag=TAG,
    ok=shapes.WebkasaEventEnvelope,
    status=201,
    body=EventCreate,
    example={
        "title": "Monthly Meditation",
        "start_date": "2024-02-15",
        "start_time": "19:00",
        "end_time": "21:00",
        "timezone": "America/Los_Angeles",
        "location": "Community Center",
        "cost": 25.00,
        "slots": 30,
        "status": "published",
    },
    errors=(PayloadTooLarge(), invalid("start_date", "required", "start_date is required")),
    scopes=(EVENTS_WRITE,),
    etag=True,
    idempotent=True,
    location=True,
    links=(
        Link("ReadEvent", "webkasaReadEvent", {"event_id": DATA_ID}),
        Link("UpdateEvent", "webkasaUpdateEvent", {"event_id": DATA_ID}),
        Link("ListRegistrations", "webkasaListRegistrations", {"event_id": DATA_ID}),
        Link("CreateRegistration", "webkasaCreateRegistration", {"event_id": DATA_ID}),
    ),
)
READ_EVENT = Operation(
    id="webkasaReadEvent",
    summary="Read an event",
    description="One event in any status, drafts included.",
    tag=TAG,
    ok=shapes.WebkasaEventEnvelope,
    path=ON_EVENT,
    query=Counted,
    errors=(
        NO_EVENT,
        invalid("include_counts", "invalid", "include_counts must be true, false, 1 or 0"),
    ),
    scopes=(EVENTS_READ,),
    etag=True,
)
UPDATE_EVENT = Operation(
    id="webkasaUpdateEvent",
    summary="Update an event",
    description="A turnout extension. Changes the fields given (W3's, all optional): null clears "
    "description, location and cost; slots null makes the event unlimited; end_time null means "
    "start + 1 hour; title null is a 422. Time fields are merged with the event's current local "
    "fields, then the instants are recomputed. Cancel an event with status cancelled (there is "
    "no DELETE); any status transition is allowed. Lowering slots below seats_taken is allowed: "
    "nobody is evicted, and new seats are refused until usage falls below it.",
    tag=TAG,
    ok=shapes.WebkasaEventEnvelope,
    body=EventChange,
    body_required=False,
    example={"location": "Community Center", "slots": None},
    path=ON_EVENT,
    errors=(NO_EVENT, PayloadTooLarge(), invalid("slots", "invalid", "slots must be an integer")),
    scopes=(EVENTS_WRITE,),
    etag=True,
    preconditions=True,
    idempotent=True,
)
LIST_REGISTRATIONS = Operation(
    id="webkasaListRegistrations",
    summary="List an event's registrations",
    description="Every registration of the event in creation order (oldest first), or those "
    f"with one reading. {STATUSES} meta.total comes from the event's counters.",
    tag=TAG,
    ok=shapes.WebkasaRegistrationList,
    path=ON_EVENT,
    query=RegistrationQuery,
    errors=(NO_EVENT, invalid("status", "invalid", "status must be one of PENDING, …")),
    scopes=(REGISTRATIONS_READ,),
)
CREATE_REGISTRATION = Operation(
    id="webkasaCreateRegistration",
    summary="Register someone for an event",
    description="Creates a registration with a generated id (reg_ + 20 random characters). "
    "attendee_email and attendee_name are required. "
    f"{SEATS} Writing ATTENDED checks the whole party in; creating with CANCELLED succeeds even "
    "on a full or cancelled event. Order: event (404), validation (422), EVENT_CANCELLED, "
    "DUPLICATE_REGISTRATION, EVENT_FULL (409). Registrations on draft events are allowed. Fields "
    "Webkasa's own objects carry (id, event_id, created_at, …) are accepted and ignored; any "
    "other unknown field is a 422.",
    tag=TAG,
    ok=shapes.WebkasaRegistrationEnvelope,
    status=201,
    body=RegistrationCreate,
    example={
        "attendee_email": "user@example.com",
        "attendee_name": "John Doe",
        "attendee_phone": "+1234567890",
        "status": "PENDING",
        "guest_count": 2,
        "notes": "Dietary restrictions: vegan",
    },
    path=ON_EVENT,
    errors=(
        NO_EVENT,
        PayloadTooLarge(),
        invalid("attendee_email", "required", "attendee_email is required"),
        EventCancelled(),
        DuplicateRegistration(),
        capacity_refused(3, 1, "guest_count"),
    ),
    scopes=(REGISTRATIONS_WRITE,),
    etag=True,
    idempotent=True,
    location=True,
    links=(
        Link("ReadRegistration", "webkasaReadRegistration", TO_REGISTRATION),
        Link("UpdateRegistration", "webkasaUpdateRegistration", TO_REGISTRATION),
        Link("CheckIn", "webkasaCheckIn", TO_REGISTRATION),
        Link("CancelRegistration", "webkasaCancelRegistration", TO_REGISTRATION),
    ),
)
READ_REGISTRATION = Operation(
    id="webkasaReadRegistration",
    summary="Read a registration",
    description=f"A turnout extension. One registration of the event, in any status. {STATUSES}",
    tag=TAG,
    ok=shapes.WebkasaRegistrationEnvelope,
    path=ON_REGISTRATION,
    errors=(NO_REGISTRATION,),
    scopes=(REGISTRATIONS_READ,),
    etag=True,
)
UPDATE_REGISTRATION = Operation(
    id="webkasaUpdateRegistration",
    summary="Update a registration",
    description="A turnout extension. Changes the fields given (W6's, all optional): "
    "attendee_phone null and notes null clear them; attendee_email or attendee_name null is a "
    "422. Writing ATTENDED checks the whole party in, CONFIRMED undoes a check-in, CANCELLED "
    f"releases the seats. {SEATS} The duplicate-email rule applies when the email changes or a "
    "CANCELLED registration becomes active again. On a cancelled event only writes that release "
    "seats or leave none held succeed.",
    tag=TAG,
    ok=shapes.WebkasaRegistrationEnvelope,
    body=RegistrationChange,
    body_required=False,
    example={"guest_count": 1, "notes": None},
    path=ON_REGISTRATION,
    errors=(
        NO_REGISTRATION,
        PayloadTooLarge(),
        invalid("guest_count", "out_of_range", "3 people are checked in; the party cannot shrink"),
        EventCancelled(),
        DuplicateRegistration(),
        capacity_refused(3, 1, "guest_count"),
    ),
    scopes=(REGISTRATIONS_WRITE,),
    etag=True,
    preconditions=True,
    idempotent=True,
)
CANCEL_REGISTRATION = Operation(
    id="webkasaCancelRegistration",
    summary="Cancel a registration",
    description="A turnout extension. The registration reads CANCELLED (core removed) and "
    "releases its seats; unlike /v1 DELETE it keeps the attendee fields, metadata and check-in "
    "data. Idempotent (a repeat is 200) and allowed on cancelled events. Any request body is "
    "ignored.",
    tag=TAG,
    ok=shapes.WebkasaRegistrationEnvelope,
    path=ON_REGISTRATION,
    errors=(NO_REGISTRATION,),
    scopes=(REGISTRATIONS_WRITE,),
    etag=True,
    preconditions=True,
    idempotent=True,
    links=(
        Link(
            "ReadRegistration",
            "webkasaReadRegistration",
            {"event_id": DATA_EVENT, "registration_id": DATA_ID},
        ),
    ),
)
CHECK_IN = Operation(
    id="webkasaCheckIn",
    summary="Check a registration in",
    description="A turnout extension. count is the absolute number of people present, 0 to "
    "1 + guest_count (not an increment, so a retry changes nothing). No "
    "count (or an empty body) checks in the whole party; 0 undoes the check-in (CONFIRMED "
    "again). Checking in a PENDING registration makes it accepted (ATTENDED); seats do not "
    "change. checked_in_at is set when the count rises, null when it is 0.",
    tag=TAG,
    ok=shapes.WebkasaRegistrationEnvelope,
    body=CheckIn,
    body_required=False,
    example={"count": 2},
    path=ON_REGISTRATION,
    errors=(
        NO_REGISTRATION,
        PayloadTooLarge(),
        invalid("count", "out_of_range", "the party has 4 people"),
        RegistrationCancelled("registration"),
        EventCancelled(),
    ),
    scopes=(REGISTRATIONS_WRITE,),
    etag=True,
    preconditions=True,
    idempotent=True,
)
