"""Webhooks: endpoints, the outbox the write transactions fill, and the dispatcher that empties it."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from turnout.config import Settings
from turnout.core.ports import Store


@contextlib.asynccontextmanager
async def dispatching(store: Store, settings: Settings, secret: bytes) -> AsyncIterator[None]:
    """Deliver webhooks in the background while the block runs, when the settings say this process
    should (TURNOUT_WEBHOOK_DISPATCH); otherwise `turnout worker` processes do."""
    if not settings.webhook_dispatch:
        yield
        return
    from turnout.webhooks.dispatcher import Dispatcher
    from turnout.webhooks.guard import AllowList
    from turnout.webhooks.store import WebhookStore

    allow = AllowList.parse(settings.webhook_allow_networks)
    dispatcher = Dispatcher(WebhookStore(store), secret, allow, settings.webhook_lease_seconds)
    task = asyncio.create_task(dispatcher.run())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await dispatcher.close()
