"""Every /api/v1 response body, declared once: render.py and errors.py write these shapes, the
OpenAPI document derives its schemas from them, and tests/test_openapi_live.py decodes real
answers strictly against them. Names start with Webkasa: /v1 has its own Event and Registration."""

from __future__ import annotations

from typing import Annotated, Literal

from msgspec import UNSET, Meta, UnsetType

from turnout.core.limits import MAX_CAPACITY, MAX_GUESTS, MAX_LIMIT, whole
from turnout.surfaces.shapes import Shape, count, utc
from turnout.surfaces.webkasa.errors import TABLE

DATE = whole(r"\d{4}-\d{2}-\d{2}")
TIME = whole(r"([01]\d|2[0-3]):[0-5]\d")
Text = Annotated[str | None, Meta(description="Free text, or null.")]


class WebkasaEventCounts(Shape):
    """The event's counters (a turnout extension)."""

    registrations: Annotated[int, count("Registrations reading PENDING, CONFIRMED or ATTENDED.")]
    seats_taken: Annotated[int, count("Seats held: the sum of 1 + guest_count over those.")]
    seats_available: Annotated[
        Annotated[int, Meta(ge=0)] | None,
        Meta(description="max(0, slots − seats_taken); null when slots is null."),
    ]
    checked_in: Annotated[int, count("People checked in, over every registration.")]


class WebkasaEvent(Shape):
    """An event. Local fields are in its timezone, without seconds."""

    id: Annotated[
        str,
        Meta(
            description="evt_ + 20 random letters and digits when created here; events created "
            "through /v1 keep their client-chosen id.",
            examples=["evt_Hq3Vb8XkT2nW9pLm4cRz"],
        ),
    ]
    title: Annotated[str | None, Meta(description="null for events created through /v1.")]
    description: Text
    start_date: Annotated[str, Meta(pattern=DATE, description="Local start date.")]
    start_time: Annotated[str, Meta(pattern=TIME, description="Local start time, HH:MM.")]
    end_time: Annotated[str, Meta(pattern=TIME, description="Local end time, HH:MM.")]
    end_date: Annotated[
        str,
        Meta(
            pattern=DATE,
            description="Local end date (a turnout extension); differs from start_date for "
            "events that cross midnight.",
        ),
    ]
    timezone: Annotated[str, Meta(description="IANA name; UTC for events created through /v1.")]
    location: Text
    cost: Annotated[
        Annotated[float, Meta(ge=0)] | None,
        Meta(description="Price in dollars (at most 2 decimals), or null."),
    ]
    slots: Annotated[
        Annotated[int, Meta(ge=1, le=MAX_CAPACITY)] | None,
        Meta(description="Seats (the core capacity); null = unlimited."),
    ]
    status: Annotated[
        Literal["published", "draft", "cancelled"],
        Meta(description="published ↔ /v1 confirmed, draft ↔ draft (404 on /v1), cancelled."),
    ]
    created_at: Annotated[str, utc("When the event was created (UTC).")]
    updated_at: Annotated[str, utc("When it last changed (UTC; a turnout extension).")]
    counts: (
        Annotated[WebkasaEventCounts, Meta(description="Present only with include_counts=true.")]
        | UnsetType
    ) = UNSET


class WebkasaRegistration(Shape):
    """A registration. checked_in_count, checked_in_at and updated_at are turnout extensions."""

    id: Annotated[
        str,
        Meta(
            description="reg_ + 20 random letters and digits when created here; registrations "
            "created through /v1 keep their id.",
            examples=["reg_7Qm2xK9pLw3NcV8b"],
        ),
    ]
    event_id: Annotated[str, Meta(description="The event's id.")]
    attendee_name: Annotated[str | None, Meta(description="From metadata.name; null if absent.")]
    attendee_email: Annotated[str | None, Meta(description="From metadata.email; null if absent.")]
    attendee_phone: Annotated[
        str | None, Meta(description="From metadata.phone_number; null if absent.")
    ]
    status: Annotated[
        Literal["PENDING", "CONFIRMED", "ATTENDED", "CANCELLED"],
        Meta(
            description="The reading of the core status: pending or tentative → PENDING; "
            "accepted with nobody checked in → CONFIRMED; accepted with a check-in → ATTENDED; "
            "declined or removed → CANCELLED."
        ),
    ]
    guest_count: Annotated[int, count("Extra people; the party is 1 + guest_count.", MAX_GUESTS)]
    notes: Text
    created_at: Annotated[str, utc("When the registration was created (UTC).")]
    checked_in_count: Annotated[
        int, count("People checked in, 0 to 1 + guest_count.", MAX_GUESTS + 1)
    ]
    checked_in_at: Annotated[
        Annotated[str, utc("When the check-in count last rose.")] | None,
        Meta(description="null when checked_in_count is 0."),
    ]
    updated_at: Annotated[str, utc("When it last changed (UTC).")]


class WebkasaListMeta(Shape):
    """Pagination state of a list."""

    total: Annotated[int, count("Rows matching the filters at request time.")]
    limit: Annotated[
        int,
        Meta(ge=1, le=MAX_LIMIT, description="The limit used (larger requests are clamped)."),
    ]
    offset: Annotated[int, count("The offset used.")]
    hasMore: Annotated[bool, Meta(description="offset + len(data) < total.")]


class WebkasaEventEnvelope(Shape):
    """One event."""

    data: WebkasaEvent


class WebkasaEventList(Shape):
    """A page of events."""

    data: list[WebkasaEvent]
    meta: WebkasaListMeta


class WebkasaRegistrationEnvelope(Shape):
    """One registration."""

    data: WebkasaRegistration


class WebkasaRegistrationList(Shape):
    """A page of registrations."""

    data: list[WebkasaRegistration]
    meta: WebkasaListMeta


class WebkasaErrorDetail(Shape):
    """One field error."""

    field: Annotated[
        str,
        Meta(description="The field at fault; body for malformed JSON."),
    ]
    code: Annotated[
        str,
        Meta(
            description="required, invalid, too_long, out_of_range, unknown_field, duplicate "
            "or capacity."
        ),
    ]
    message: str


_CODES = sorted({entry.code for entry in TABLE.values()} | {"METHOD_NOT_ALLOWED", "INTERNAL_ERROR"})


class WebkasaError(Shape):
    """Every /api/v1 error body except 429's. Never has data."""

    error: Annotated[str, Meta(description="For humans.")]
    code: Annotated[str, Meta(description="For programs: " + ", ".join(_CODES) + ".")]
    details: (
        Annotated[
            list[WebkasaErrorDetail],
            Meta(
                min_length=1,
                description="Present only when it carries something: every field error at once.",
            ),
        ]
        | UnsetType
    ) = UNSET


class WebkasaRateLimited(Shape):
    """The 429 body, as Webkasa documents it, with turnout's `limit`."""

    error: Literal["Rate limit exceeded"]
    code: Literal["RATE_LIMITED"]
    retry_after: Annotated[
        int, Meta(ge=1, description="Seconds to wait; equals the Retry-After header.")
    ]
    limit: (
        Annotated[
            str,
            Meta(
                description="turnout's: the limit that refused: per-key-reads or per-key-writes "
                "(this key's budget), or per-address-failed-auth (failed authentications from one "
                "address; only a valid key gets past it)."
            ),
        ]
        | UnsetType
    ) = UNSET
