"""The outbox's cost as a client sees it: `new_upserts` over HTTP for a tenant with one endpoint
subscribed to every type beside the seeded tenant, which has none, on one server, alternated.

The server runs with its dispatcher off (TURNOUT_WEBHOOK_DISPATCH=off), so delivering the messages
the writes queue takes none of the cores during the measurement: only the outbox write is measured.
The endpoint is enabled (a disabled one gets no rows); its URL is never called.
"""

from __future__ import annotations

import dataclasses

from bench.seed import START, Seeded
from turnout.auth import keys
from turnout.config import Settings
from turnout.core.events import EventChanges, put_event
from turnout.store import open_store
from turnout.webhooks import manage
from turnout.webhooks.store import WebhookStore

ENV = {"TURNOUT_WEBHOOK_DISPATCH": "off"}


async def seed_hooked(settings: Settings, seeded: Seeded) -> Seeded:
    """A second tenant with the same 100 events as the seeded one and an endpoint for `*`."""
    store = await open_store(settings)
    try:
        tenant = await store.create_tenant("bench_hooked", START)
        secret = settings.server_secret()
        key = await keys.create_key(store, secret, tenant.id, "write", "bench", 0)
        changes = EventChanges(start_at=START, end_at=START + 3600, status="confirmed")
        for i in range(100):
            await put_event(store, tenant.id, f"e{i}", changes)
        body = {"url": "http://127.0.0.1:9/never-called", "event_types": ["*"]}
        await manage.create(WebhookStore(store), secret, tenant.id, body, allow_http=True)
    finally:
        await store.close()
    return dataclasses.replace(seeded, tenant_id=tenant.id, key=key)
