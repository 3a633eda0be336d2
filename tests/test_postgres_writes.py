"""PostgreSQL writes: one round trip for a new registration, and correct when the guess is wrong."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from collections.abc import AsyncIterator
from typing import Any

import pytest

from turnout.core.events import EventChanges, put_event
from turnout.core.registrations import RegistrationChanges, takes_no_more_seats, write_registration
from turnout.store.postgres import PostgresStore

pytestmark = pytest.mark.postgres


def run(postgres_url: str, scenario: Any) -> Any:
    async def go() -> Any:
        store = await PostgresStore.open(postgres_url)
        try:
            await store.migrate()
            tenant = await store.create_tenant("rt_" + secrets.token_hex(6), 0)
            await put_event(
                store,
                tenant.id,
                "e",
                EventChanges(
                    start_at=1_900_000_000, end_at=1_900_003_600, status="confirmed", capacity=100
                ),
            )
            calls: list[str] = []
            connection = store._connection

            @contextlib.asynccontextmanager
            async def counting() -> AsyncIterator[Any]:
                def log(record: Any) -> None:  # every statement sent on the connection
                    calls.append(record.query[:60])

                async with connection() as conn:
                    conn.add_query_logger(log)
                    try:
                        yield conn
                    finally:
                        conn.remove_query_logger(log)

            store._connection = counting  # type: ignore[method-assign]
            return await scenario(store, tenant.id, calls)
        finally:
            await store.close()

    return asyncio.run(go())


def upsert(store: PostgresStore, tenant: int, rid: str, **changes: Any) -> Any:
    return write_registration(
        store,
        tenant,
        "e",
        rid,
        RegistrationChanges(**(changes or {"status": "accepted"})),
        include_drafts=False,
        cancel_rule=takes_no_more_seats,
        first_page=50,
    )


def test_a_new_registration_is_one_round_trip(postgres_url: str) -> None:
    async def scenario(store: PostgresStore, tenant: int, calls: list[str]) -> None:
        await upsert(store, tenant, "warm")  # the first write of a process reads the event once
        calls.clear()
        result = await upsert(store, tenant, "r1")
        assert result.created and [r.id for r in result.page] == ["warm", "r1"]
        assert len(calls) == 1, calls

    run(postgres_url, scenario)


def test_rewriting_an_existing_registration_takes_a_second_try_and_is_right(
    postgres_url: str,
) -> None:
    async def scenario(store: PostgresStore, tenant: int, calls: list[str]) -> None:
        await upsert(store, tenant, "r1", status="accepted", metadata={"a": 1})
        calls.clear()
        result = await upsert(store, tenant, "r1", status="tentative")
        assert not result.created
        assert (result.registration.status, result.registration.metadata) == ("tentative", {"a": 1})
        assert result.registration.version == 2 and result.event.counts.total == 1
        assert len(calls) == 2, calls

    run(postgres_url, scenario)


def test_a_status_changed_elsewhere_is_noticed_under_the_lock(postgres_url: str) -> None:
    async def scenario(store: PostgresStore, tenant: int, calls: list[str]) -> None:
        await upsert(store, tenant, "r1")
        async with store.pool.acquire() as conn:  # another process cancels the event
            await conn.execute(
                "UPDATE events SET status = 'cancelled' WHERE tenant_id = $1", tenant
            )
        from turnout.core.errors import EventCancelled

        with pytest.raises(EventCancelled):
            await upsert(store, tenant, "r2")

    run(postgres_url, scenario)
