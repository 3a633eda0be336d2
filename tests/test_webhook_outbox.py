"""The outbox: a change's webhook rows are written by its own transaction, on both databases."""

from __future__ import annotations

import asyncio
import json
import os
import secrets
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import asyncpg
import pytest

from tests.conftest import PG_ADMIN_URL
from turnout.config import Settings
from turnout.core import events, registrations, times
from turnout.core.errors import CapacityReached
from turnout.core.ports import Store
from turnout.core.registrations import RegistrationChanges, takes_no_more_seats
from turnout.store import open_store
from turnout.store.outbox import message_id
from turnout.webhooks import manage
from turnout.webhooks.store import WebhookStore

SECRET = secrets.token_bytes(32)
START = 1_900_000_000


@pytest.fixture(scope="module")
def own_database_url(
    backend: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A database of this module's own: the session's live servers dispatch from the shared one,
    and would claim these tests' messages."""
    yield from fresh_database(backend, request, tmp_path_factory, "hooks")


def fresh_database(
    backend: str,
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    name: str,
) -> Iterator[str]:
    """A new, empty database on `backend`, dropped afterwards (PostgreSQL)."""
    if backend == "sqlite":
        yield "sqlite:///" + str(tmp_path_factory.mktemp(name) / f"{name}.db")
        return
    request.getfixturevalue("postgres_url")  # skips, or fails under CI, without PostgreSQL
    database = f"turnout_{name}_" + secrets.token_hex(4)
    asyncio.run(_admin(f"CREATE DATABASE {database}"))
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + database
    finally:
        asyncio.run(_admin(f"DROP DATABASE {database} WITH (FORCE)"))


async def _admin(sql: str) -> None:
    conn = await asyncpg.connect(PG_ADMIN_URL)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def on_store(database_url: str, work: Callable[[Store, WebhookStore, int], Awaitable[Any]]) -> Any:
    async def go() -> Any:
        store = await open_store(Settings(database_url=database_url))
        try:
            await store.migrate()
            tenant = await store.create_tenant("t_" + secrets.token_hex(6), times.now())
            return await work(store, WebhookStore(store), tenant.id)
        finally:
            await store.close()

    return asyncio.run(go())


async def subscribe(ws: WebhookStore, tenant_id: int, types: list[str]) -> int:
    body = {"url": "https://127.0.0.1:9/x", "event_types": types}
    endpoint, _ = await manage.create(ws, SECRET, tenant_id, body, allow_http=False)
    return endpoint.pk


async def outbox(ws: WebhookStore, endpoint_pk: int) -> list[tuple[str, dict[str, Any]]]:
    rows = await ws.read(
        "SELECT type, payload FROM webhook_deliveries WHERE endpoint_pk = ? ORDER BY pk",
        endpoint_pk,
    )
    return [(t, json.loads(p)) for t, p in rows]


async def put_event(store: Store, tenant_id: int, capacity: int | None = 2, **more: Any) -> None:
    fields = {"start_at": START, "end_at": START + 3600, "status": "confirmed", **more}
    changes = events.EventChanges(capacity=capacity, **fields)
    await events.put_event(store, tenant_id, "ev", changes)


async def register(store: Store, tenant_id: int, rid: str, **changes: Any) -> None:
    await registrations.write_registration(
        store,
        tenant_id,
        "ev",
        rid,
        RegistrationChanges(**changes),
        include_drafts=False,
        cancel_rule=takes_no_more_seats,
    )


def test_each_change_writes_its_messages(own_database_url: str) -> None:
    async def work(store: Store, ws: WebhookStore, tenant_id: int) -> None:
        endpoint = await subscribe(ws, tenant_id, ["*"])
        await put_event(store, tenant_id)
        await register(store, tenant_id, "r1", status="accepted")
        await register(store, tenant_id, "r1", status="tentative")
        await register(store, tenant_id, "r2", status="accepted", guest_count=0)
        await register(store, tenant_id, "r1", status="accepted", checked_in_count=1)
        await register(store, tenant_id, "r2", status="removed")
        await put_event(store, tenant_id, status="cancelled")
        got = await outbox(ws, endpoint)
        assert [t for t, _ in got] == [
            "event.created",
            "registration.created",
            "registration.updated",
            "registration.created",
            "event.full",
            "registration.checked_in",
            "registration.cancelled",
            "event.cancelled",
        ]
        updated = got[2][1]
        assert updated["data"]["previous_status"] == "accepted"
        assert updated["data"]["status"] == "tentative"
        assert updated["data"]["bookable_event_id"] == "ev"
        full = got[4][1]["data"]
        assert full["registration"] == {
            "capacity": 2,
            "registered_count": 2,
            "total_count": 2,
            "seats_taken": 2,
        }
        assert full["start"] == "2030-03-17T17:46:40Z"
        # PostgreSQL renders this one in SQL (functions.sql): the same object as /v1's render
        assert list(full) == [
            "bookable_event_id",
            "start",
            "end",
            "status",
            "timezone",
            "registration",
        ]
        assert (full["end"], full["status"], full["timezone"]) == (
            "2030-03-17T18:46:40Z",
            "confirmed",
            "UTC",
        )

    on_store(own_database_url, work)


def test_no_endpoint_no_rows_and_types_filter(own_database_url: str) -> None:
    async def work(store: Store, ws: WebhookStore, tenant_id: int) -> None:
        await put_event(store, tenant_id)
        await register(store, tenant_id, "r0", status="accepted")
        (before,) = (await ws.read("SELECT count(*) FROM webhook_deliveries"))[0]
        only = await subscribe(ws, tenant_id, ["registration.cancelled"])
        await register(store, tenant_id, "r1", status="accepted")
        await register(store, tenant_id, "r1", status="declined")
        assert [t for t, _ in await outbox(ws, only)] == ["registration.cancelled"]
        (after,) = (await ws.read("SELECT count(*) FROM webhook_deliveries"))[0]
        assert after - before == 1  # the writes before the endpoint existed wrote nothing

    on_store(own_database_url, work)


def test_refused_write_writes_nothing(own_database_url: str) -> None:
    async def work(store: Store, ws: WebhookStore, tenant_id: int) -> None:
        endpoint = await subscribe(ws, tenant_id, ["*"])
        await put_event(store, tenant_id, capacity=1)
        await register(store, tenant_id, "r1", status="accepted")
        with pytest.raises(CapacityReached):
            await register(store, tenant_id, "r2", status="accepted")
        types = [t for t, _ in await outbox(ws, endpoint)]
        assert types == ["event.created", "registration.created", "event.full"]

    on_store(own_database_url, work)


def test_disabled_or_deleted_endpoint_gets_nothing(own_database_url: str) -> None:
    async def work(store: Store, ws: WebhookStore, tenant_id: int) -> None:
        endpoint = await subscribe(ws, tenant_id, ["*"])
        (row,) = await ws.read("SELECT id FROM webhook_endpoints WHERE pk = ?", endpoint)
        await manage.update(ws, tenant_id, row[0], {"enabled": False}, allow_http=False)
        await put_event(store, tenant_id)
        await manage.delete(ws, tenant_id, row[0])
        await register(store, tenant_id, "r1", status="accepted")
        assert await outbox(ws, endpoint) == []

    on_store(own_database_url, work)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_forked_process_draws_other_message_ids() -> None:
    """Worker processes share no memory: a child must not repeat its parent's random bits (the
    generator is reseeded at fork; one made at import would not be)."""
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - the child
        os.write(write, "".join(message_id()[-10:] for _ in range(4)).encode())
        os._exit(0)
    os.close(write)
    theirs = os.read(read, 100).decode()
    os.waitpid(child, 0)
    mine = "".join(message_id()[-10:] for _ in range(4))
    assert len(theirs) == len(mine) == 40
    assert theirs != mine
