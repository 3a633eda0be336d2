"""The /v1 webhook extensions' response bodies (routes.py writes them; docs/WEBHOOKS.md), declared
once: the OpenAPI document derives its schemas from them, and tests/test_openapi_live.py decodes
real answers strictly against them."""

from __future__ import annotations

from typing import Annotated, Literal

from msgspec import UNSET, Meta, UnsetType

from turnout.surfaces.shapes import Shape, utc


class WebhookEndpoint(Shape):
    id: Annotated[str, Meta(description="we_ and 20 hexadecimal digits.")]
    url: str
    description: str | None
    event_types: Annotated[
        list[str], Meta(description='The event types it receives, or ["*"] for every one.')
    ]
    enabled: bool
    disabled_reason: Annotated[
        str | None, Meta(description="Why turnout disabled it; null while enabled.")
    ]
    signing: Annotated[
        Literal["v1", "v1a"],
        Meta(description="v1: HMAC-SHA256 with the secret; v1a: Ed25519 (Standard Webhooks)."),
    ]
    created_at: Annotated[str, utc("When it was made.")]
    updated_at: Annotated[str, utc("When it last changed.")]


class WebhookEndpointShown(WebhookEndpoint):
    """An endpoint with its signing secret, shown once: at creation and on rotation."""

    secret: Annotated[str, Meta(description="whsec_… (v1) or whsk_… (v1a), shown this once.")]
    public_key: (
        Annotated[str, Meta(description="v1a only: whpk_…, what receivers verify with.")]
        | UnsetType
    ) = UNSET


class WebhookEndpointEnvelope(Shape):
    """One webhook endpoint, without its secret."""

    webhook_endpoint: WebhookEndpoint


class WebhookEndpointCreated(Shape):
    """The endpoint with its signing secret, shown this once."""

    webhook_endpoint: WebhookEndpointShown


class WebhookEndpointList(Shape):
    """The tenant's webhook endpoints."""

    webhook_endpoints: list[WebhookEndpoint]


class Delivery(Shape):
    message_id: str
    type: str
    state: str
    attempts: Annotated[int, Meta(ge=0)]
    last_status: int | None
    last_error: str | None
    next_attempt_at: Annotated[
        Annotated[str, utc("The next attempt.")] | None, Meta(description="null unless pending.")
    ]
    created_at: Annotated[str, utc("When the message was made.")]
    delivered_at: Annotated[str, utc("When it was delivered.")] | None


class DeliveryPage(Shape):
    """A page of an endpoint's messages, oldest first."""

    deliveries: list[Delivery]
    next_cursor: Annotated[
        str, Meta(description="Pass as ?cursor= for the next page; absent on the last.")
    ] | (UnsetType) = UNSET


class Redelivered(Shape):
    """How many messages are queued to be sent again."""

    redelivered: Annotated[int, Meta(description="How many messages are queued again.")]
