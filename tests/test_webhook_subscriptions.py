"""SQLite keeps each tenant's subscribed endpoints in the writer (store/outbox.py Subscriptions): an
endpoint created, disabled or deleted by the server itself, by another connection or by the
`turnout webhook` command in another process must be seen by the very next write, and a change
that rolled back must not be remembered. (PostgreSQL reads them in every write's statement.)"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

from tests.test_webhook_outbox import SECRET, put_event, register
from turnout.config import Settings
from turnout.core import times
from turnout.store import open_store
from turnout.store.sqlite import SqliteStore
from turnout.webhooks import manage
from turnout.webhooks.store import WebhookStore

SERVER_SECRET = "s" * 64


async def messages(ws: WebhookStore) -> list[str]:
    """The registration ids the outbox holds messages about, oldest first."""
    rows = await ws.read("SELECT ordering_key FROM webhook_deliveries ORDER BY pk")
    return [key.rsplit(":", 1)[1] for (key,) in rows]


async def opened(url: str) -> tuple[SqliteStore, WebhookStore]:
    store = await open_store(Settings(database_url=url, secret=SERVER_SECRET))
    assert isinstance(store, SqliteStore)
    await store.migrate()
    return store, WebhookStore(store)


def test_the_servers_own_endpoint_changes_reach_the_next_write(tmp_path: Path) -> None:
    async def go() -> None:
        store, ws = await opened(f"sqlite:///{tmp_path}/own.db")
        try:
            tenant = (await store.create_tenant("t", times.now())).id
            await put_event(store, tenant, capacity=None)
            await register(store, tenant, "r1", status="accepted")  # none yet: remembered
            body = {"url": "https://127.0.0.1:9/x"}
            endpoint, _ = await manage.create(ws, SECRET, tenant, body, allow_http=False)
            await register(store, tenant, "r2", status="accepted")
            await manage.update(ws, tenant, endpoint.id, {"enabled": False}, allow_http=False)
            await register(store, tenant, "r3", status="accepted")
            await manage.update(ws, tenant, endpoint.id, {"enabled": True}, allow_http=False)
            await register(store, tenant, "r4", status="accepted")
            await manage.delete(ws, tenant, endpoint.id)
            await register(store, tenant, "r5", status="accepted")
            assert await messages(ws) == ["r2", "r4"]
        finally:
            await store.close()

    asyncio.run(go())


def test_endpoints_changed_by_another_process_reach_the_next_write(tmp_path: Path) -> None:
    """`turnout webhook create` and `delete` in a process of their own, and a disable through
    another connection, each between two writes of a server that had remembered the tenant's
    endpoints."""
    url = f"sqlite:///{tmp_path}/cli.db"
    env = {**os.environ, "TURNOUT_DATABASE_URL": url, "TURNOUT_SECRET": SERVER_SECRET}

    def turnout(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "turnout", "webhook", *args, "--tenant", "acme"],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
            check=True,
        )
        return done.stdout

    async def go() -> None:
        store, ws = await opened(url)
        try:
            tenant = (await store.create_tenant("acme", times.now())).id
            await put_event(store, tenant, capacity=None)
            await register(store, tenant, "r1", status="accepted")  # none yet: remembered
            created = await asyncio.to_thread(turnout, "create", "https://hooks.example.com/t")
            endpoint_id = json.loads(created)["id"]
            await register(store, tenant, "r2", status="accepted")
            other, other_ws = await opened(url)  # another connection, as another server would be
            try:
                await manage.update(other_ws, tenant, endpoint_id, {"enabled": False}, False)
                await register(store, tenant, "r3", status="accepted")
                await manage.update(other_ws, tenant, endpoint_id, {"enabled": True}, False)
            finally:
                await other.close()
            await register(store, tenant, "r4", status="accepted")
            await asyncio.to_thread(turnout, "delete", endpoint_id)
            await register(store, tenant, "r5", status="accepted")
            assert await messages(ws) == ["r2", "r4"]
        finally:
            await store.close()

    asyncio.run(go())


def test_an_endpoint_whose_batch_rolled_back_is_forgotten(tmp_path: Path) -> None:
    """An endpoint created in a group-commit batch whose COMMIT then fails (here a deferred foreign
    key, checked at COMMIT) never existed: a write in that batch read it, but the next batch's
    write must not send to it."""

    async def go() -> None:
        store, ws = await opened(f"sqlite:///{tmp_path}/rollback.db")
        try:
            tenant = (await store.create_tenant("t", times.now())).id
            await put_event(store, tenant, capacity=None)
            await register(store, tenant, "r1", status="accepted")

            def orphan_key() -> None:  # fails only at COMMIT, failing the whole batch
                store.db.execute("PRAGMA defer_foreign_keys = ON")
                store.db.execute(
                    "INSERT INTO api_keys (tenant_id, prefix, key_hash, scopes, created_at)"
                    " VALUES (999, 'tk_orphan', x'00', 'write', 0)"
                )

            body = {"url": "https://127.0.0.1:9/x"}
            batch = await asyncio.gather(
                manage.create(ws, SECRET, tenant, body, allow_http=False),
                register(store, tenant, "r2", status="accepted"),
                store.writes.run(orphan_key),
                return_exceptions=True,
            )
            assert all(isinstance(outcome, Exception) for outcome in batch), batch
            await register(store, tenant, "r3", status="accepted")
            assert await messages(ws) == []
            assert await ws.read("SELECT count(*) FROM webhook_endpoints") == [(0,)]
        finally:
            await store.close()

    asyncio.run(go())
