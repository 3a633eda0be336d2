"""Managing endpoints: the commands the /v1 extensions and the `turnout webhook` command share."""

from __future__ import annotations

from typing import Any

from turnout.core import times
from turnout.core.errors import FieldError, NotFound, ValidationFailed
from turnout.webhooks import endpoints, secrets
from turnout.webhooks.endpoints import Endpoint
from turnout.webhooks.store import WebhookStore

ROTATION_GRACE_SECONDS = 24 * 3600  # the old secret also signs for a day after a rotation


async def create(
    ws: WebhookStore,
    server_secret: bytes,
    tenant_id: int,
    body: dict[str, Any],
    allow_http: bool,
) -> tuple[Endpoint, dict[str, str]]:
    """A new endpoint and what is shown once: its secret (and for v1a its public key)."""
    url = endpoints.check_url(body.get("url"), allow_http)
    types = endpoints.check_types(body.get("event_types", ["*"]))
    description = endpoints.check_description(body.get("description"))
    signing = body.get("signing", "v1")
    if signing not in ("v1", "v1a"):
        raise ValidationFailed([FieldError("signing", "invalid", 'signing must be "v1" or "v1a"')])
    enabled = body.get("enabled", True)
    if not isinstance(enabled, bool):
        raise ValidationFailed([FieldError("enabled", "invalid", "enabled must be true or false")])
    raw = secrets.new_raw(signing)
    endpoint = await ws.create_endpoint(
        tenant_id,
        endpoints.new_id(),
        url,
        description,
        endpoints.stored_types(types),
        signing,
        secrets.seal(server_secret, raw),
        times.now(),
    )
    if not enabled:
        endpoint = await update(ws, tenant_id, endpoint.id, {"enabled": False}, allow_http)
    return endpoint, secrets.shown(signing, raw)


async def update(
    ws: WebhookStore, tenant_id: int, endpoint_id: str, body: dict[str, Any], allow_http: bool
) -> Endpoint:
    fields: dict[str, Any] = {}
    if "url" in body:
        fields["url"] = endpoints.check_url(body["url"], allow_http)
    if "event_types" in body:
        fields["event_types"] = endpoints.stored_types(endpoints.check_types(body["event_types"]))
    if "description" in body:
        fields["description"] = endpoints.check_description(body["description"])
    if "enabled" in body:
        if not isinstance(body["enabled"], bool):
            raise ValidationFailed(
                [FieldError("enabled", "invalid", "enabled must be true or false")]
            )
        fields["enabled"] = body["enabled"]
    unknown = sorted(set(body) - {"url", "event_types", "description", "enabled"})
    if unknown:
        raise ValidationFailed(
            [FieldError(unknown[0], "invalid", f"{unknown[0]} cannot be changed")]
        )
    if not fields:
        return await find(ws, tenant_id, endpoint_id)
    endpoint = await ws.update_endpoint(tenant_id, endpoint_id, fields, times.now())
    if endpoint is None:
        raise NotFound(endpoint_id)
    return endpoint


async def find(ws: WebhookStore, tenant_id: int, endpoint_id: str) -> Endpoint:
    endpoint = await ws.get_endpoint(tenant_id, endpoint_id)
    if endpoint is None:
        raise NotFound(endpoint_id)
    return endpoint


async def delete(ws: WebhookStore, tenant_id: int, endpoint_id: str) -> None:
    if not await ws.delete_endpoint(tenant_id, endpoint_id, times.now()):
        raise NotFound(endpoint_id)


async def rotate(
    ws: WebhookStore, server_secret: bytes, tenant_id: int, endpoint_id: str
) -> tuple[Endpoint, dict[str, str]]:
    endpoint = await find(ws, tenant_id, endpoint_id)
    raw = secrets.new_raw(endpoint.signing)
    now = times.now()
    sealed = secrets.seal(server_secret, raw)
    rotated = await ws.rotate_secret(
        tenant_id, endpoint_id, sealed, now + ROTATION_GRACE_SECONDS, now
    )
    if rotated is None:
        raise NotFound(endpoint_id)
    return rotated, secrets.shown(endpoint.signing, raw)
