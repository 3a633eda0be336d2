"""The route records of the /v1 webhook extensions (routes.py attaches them; docs/WEBHOOKS.md says
the rest). Every one needs the admin scope, which the route checks; none takes an Idempotency-Key
(a create's answer holds the secret, so it is never stored for replay)."""

from __future__ import annotations

from typing import Annotated, Any

from msgspec import Meta

from turnout.auth.keys import ADMIN
from turnout.core.errors import FieldError, NotFound, PayloadTooLarge, ValidationFailed
from turnout.surfaces.operation import Operation
from turnout.webhooks import shapes
from turnout.webhooks.routes import Cursor, EndpointChange, EndpointCreate, Replay

TAG = "Webhooks (turnout extension)"
_MORE = " Needs a key with the admin scope (an endpoint receives every change); docs/WEBHOOKS.md."
EndpointId = Annotated[str, Meta(description="The endpoint's id (we_…).")]
NO_ENDPOINT = NotFound("no such endpoint")


def _invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed([FieldError(field, "invalid", message)])


def _admin(id: str, summary: str, description: str, **more: Any) -> Operation:
    return Operation(
        id=id, summary=summary, description=description + _MORE, tag=TAG, scopes=(ADMIN,), **more
    )


CREATE = _admin(
    "createWebhookEndpoint",
    "Create a webhook endpoint",
    "url is https (or http, to networks in TURNOUT_WEBHOOK_ALLOW_NETWORKS); signing v1 is "
    "HMAC-SHA256, v1a Ed25519. The answer shows the signing secret this once.",
    ok=shapes.WebhookEndpointCreated,
    body=EndpointCreate,
    example={"url": "https://hooks.example.com/turnout", "event_types": ["registration.created"]},
    status=201,
    errors=(PayloadTooLarge(), _invalid("url", "url must be an absolute https URL")),
)
LIST = _admin(
    "listWebhookEndpoints",
    "List the tenant's webhook endpoints",
    "Every endpoint, without secrets.",
    ok=shapes.WebhookEndpointList,
)
READ = _admin(
    "readWebhookEndpoint",
    "Read a webhook endpoint",
    "One endpoint, without its secret.",
    ok=shapes.WebhookEndpointEnvelope,
    path={"endpoint_id": EndpointId},
    errors=(NO_ENDPOINT,),
)
UPDATE = _admin(
    "updateWebhookEndpoint",
    "Change a webhook endpoint",
    "Changes url, event_types, description or enabled (enabling clears disabled_reason); any "
    "other field is a 422. An empty body changes nothing.",
    ok=shapes.WebhookEndpointEnvelope,
    body=EndpointChange,
    body_required=False,
    example={"enabled": True},
    path={"endpoint_id": EndpointId},
    errors=(NO_ENDPOINT, PayloadTooLarge(), _invalid("enabled", "enabled must be true or false")),
)
DELETE = _admin(
    "deleteWebhookEndpoint",
    "Delete a webhook endpoint",
    "Nothing more is sent to it.",
    status=204,
    path={"endpoint_id": EndpointId},
    errors=(NO_ENDPOINT,),
)
ROTATE = _admin(
    "rotateWebhookSecret",
    "Rotate a webhook endpoint's secret",
    "A new secret, shown this once; the previous one also signs for 24 hours, so receivers can "
    "switch without losing messages.",
    ok=shapes.WebhookEndpointCreated,
    path={"endpoint_id": EndpointId},
    errors=(NO_ENDPOINT,),
)
DELIVERIES = _admin(
    "listWebhookDeliveries",
    "List an endpoint's deliveries",
    "The endpoint's messages, oldest first, 100 a page, with next_cursor while there are more.",
    ok=shapes.DeliveryPage,
    path={"endpoint_id": EndpointId},
    query=Cursor,
    errors=(NO_ENDPOINT, _invalid("cursor", "cursor is not one we gave")),
)
REDELIVER = _admin(
    "redeliverWebhookMessage",
    "Send one message again",
    "Queues the message again, with its original webhook-id.",
    ok=shapes.Redelivered,
    status=202,
    path={
        "endpoint_id": EndpointId,
        "message_id": Annotated[str, Meta(description="The message's id (msg_…).")],
    },
    errors=(NO_ENDPOINT,),
)
REPLAY = _admin(
    "replayWebhookMessages",
    "Send again every message since a time",
    "For an endpoint that was down: every message made since `since` is queued again.",
    ok=shapes.Redelivered,
    body=Replay,
    example={"since": "2030-01-01T00:00:00Z"},
    status=202,
    path={"endpoint_id": EndpointId},
    errors=(
        NO_ENDPOINT,
        PayloadTooLarge(),
        _invalid("since", "since must be an RFC 3339 date-time"),
    ),
)
