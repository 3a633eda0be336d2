"""Per registration, an endpoint gets its messages in commit order: a pending message holds back
the later ones of its registration (and only those), including messages queued before migration 8
moved the ordering index off the write path. On both databases, with the claim called directly and
the clock in the test's hands."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import Iterator
from typing import Any

import asyncpg
import pytest

from tests.test_webhook_outbox import (
    fresh_database,
    on_store,
    own_database_url,
    put_event,
    register,
    subscribe,
)
from turnout.config import Settings
from turnout.core.ports import Store
from turnout.store import migrate, open_store, outbox, queries
from turnout.webhooks import store as webhook_store
from turnout.webhooks.store import WebhookStore

LEASE = 60
NOW = 1_900_000_000  # the claims' clock: after every message's creation time
RETRY = NOW + 3600
__all__ = ["own_database_url"]  # the fixture


async def send(ws: WebhookStore, now: int) -> list[tuple[str, str]]:
    """Deliver what one claim at `now` leases; each message's (type, ordering key)."""
    claimed = await ws.claim(now, LEASE, 50)
    if not claimed:
        return []
    for c in claimed:
        await ws.delivered(c, 204, now)
    rows = await ws.read(
        "SELECT type, ordering_key FROM webhook_deliveries WHERE pk IN"
        f" ({', '.join('?' * len(claimed))}) ORDER BY pk",
        *(c.pk for c in claimed),
    )
    return [(t, k) for t, k in rows]


async def retry_later(ws: WebhookStore, now: int) -> None:
    """Fail every message a claim at `now` leases, to be retried at RETRY."""
    for c in await ws.claim(now, LEASE, 50):
        await ws.failed(c, 500, "HTTP 500", RETRY)


async def deliver_all(ws: WebhookStore, now: int) -> list[int]:
    """Deliver what claims at `now` lease until none does; the pks, in the order sent."""
    sent = []
    while batch := await ws.claim(now, LEASE, 50):
        for c in batch:
            await ws.delivered(c, 204, now)
        sent += [c.pk for c in batch]
    return sent


def test_a_retry_holds_back_only_its_own_registrations_later_messages(
    own_database_url: str,
) -> None:
    async def work(store: Store, ws: WebhookStore, tenant_id: int) -> None:
        await put_event(store, tenant_id, capacity=None)
        await subscribe(ws, tenant_id, ["*"])
        await register(store, tenant_id, "r1", status="accepted")
        await retry_later(ws, NOW)  # r1's created: the endpoint answered 500
        await register(store, tenant_id, "r1", status="declined", notes="later")
        await register(store, tenant_id, "r2", status="accepted")
        r1, r2 = "registration:ev:r1", "registration:ev:r2"
        # r1's cancellation waits behind its creation's retry; r2 does not wait for r1
        assert await send(ws, NOW) == [("registration.created", r2)]
        assert await send(ws, NOW) == []
        assert await send(ws, RETRY) == [("registration.created", r1)]
        assert await send(ws, RETRY) == [("registration.cancelled", r1)]
        assert await send(ws, RETRY) == []

    on_store(own_database_url, work)


def test_admission_a_row_at_a_time_keeps_commit_order(
    own_database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Writes leave their rows unadmitted; each claim admits the oldest first, so a registration's
    later message is never claimable before its earlier one is admitted."""
    monkeypatch.setattr(webhook_store, "ADMIT_BATCH", 1)

    async def work(store: Store, ws: WebhookStore, tenant_id: int) -> None:
        await put_event(store, tenant_id, capacity=None)
        await subscribe(ws, tenant_id, ["*"])
        await register(store, tenant_id, "r1", status="accepted")
        await register(store, tenant_id, "r1", status="declined")
        await register(store, tenant_id, "r1", status="accepted")
        r1 = "registration:ev:r1"
        assert await send(ws, NOW) == [("registration.created", r1)]
        assert await send(ws, NOW) == [("registration.cancelled", r1)]
        assert await send(ws, NOW) == [("registration.updated", r1)]
        assert await send(ws, NOW) == []

    on_store(own_database_url, work)


@pytest.fixture
def empty_database_url(
    backend: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    yield from fresh_database(backend, request, tmp_path_factory, "order")


def run_sql(url: str, statements: list[tuple[str, tuple[Any, ...]]]) -> None:
    """Statements on a plain connection, outside turnout's store, in one transaction."""
    if url.startswith("sqlite:///"):
        db = sqlite3.connect(url.removeprefix("sqlite:///"))
        try:
            with db:
                for sql, args in statements:
                    db.execute(sql, args)
        finally:
            db.close()
        return

    async def go() -> None:
        conn = await asyncpg.connect(url)
        try:
            async with conn.transaction():
                for sql, args in statements:
                    await conn.execute(queries.numbered(sql), *args)
        finally:
            await conn.close()

    asyncio.run(go())


def schema_before(url: str, version: int) -> list[tuple[str, tuple[Any, ...]]]:
    dialect = "sqlite" if url.startswith("sqlite") else "postgres"
    statements: list[tuple[str, tuple[Any, ...]]] = [(migrate.CREATE_LEDGER, ())]
    for v, body in migrate.migrations(dialect):
        if v < version:
            statements += [(s, ()) for s in body]
            statements.append(("INSERT INTO schema_migrations VALUES (?, ?)", (v, NOW)))
    return statements


def endpoint_1() -> list[tuple[str, tuple[Any, ...]]]:
    """Tenant 1 and its endpoint 1, which delivery() writes for."""
    return [
        ("INSERT INTO tenants (id, name, created_at) VALUES (1, 't', ?)", (NOW,)),
        (
            "INSERT INTO webhook_endpoints (pk, tenant_id, id, url, event_types, secret,"
            " created_at, updated_at) VALUES (1, 1, 'we_1', 'https://127.0.0.1:9/x', ' * ',"
            " ?, ?, ?)",
            (b"sealed", NOW, NOW),
        ),
    ]


def delivery(key: str) -> tuple[str, tuple[Any, ...]]:
    """A write's outbox row for endpoint 1, as store/outbox.py inserts it."""
    row = (1, outbox.message_id(), "registration.updated", key, "{}", NOW - 10, NOW - 10)
    return outbox._INSERT, row


def test_messages_queued_before_migration_8_keep_their_order(empty_database_url: str) -> None:
    url = empty_database_url
    attempted = (
        "UPDATE webhook_deliveries SET attempts = 1, next_attempt_at = ?, last_status = 500"
        " WHERE pk = 1"
    )
    run_sql(
        url,
        [
            *schema_before(url, 8),
            *endpoint_1(),
            delivery("registration:ev:r1"),  # failed once, retried at RETRY
            (attempted, (RETRY,)),
            delivery("registration:ev:r1"),  # queued behind it
        ],
    )

    async def go() -> None:
        store = await open_store(Settings(database_url=url))
        try:
            assert (await store.migrate())[0] == 8  # and any after it
            ws = WebhookStore(store)
            before = await ws.read("SELECT admitted FROM webhook_deliveries ORDER BY pk")
            assert [bool(a) for (a,) in before] == [True, True]
            after = [delivery("registration:ev:r1"), delivery("registration:ev:r2")]
            await asyncio.to_thread(run_sql, url, after)  # written after the migration: 3 and 4
            assert await send(ws, NOW) == [("registration.updated", "registration:ev:r2")]
            assert await deliver_all(ws, NOW) == []
            assert await deliver_all(ws, RETRY + LEASE) == [1, 2, 3]
        finally:
            await store.close()

    asyncio.run(go())


def test_migration_10_keeps_every_row_and_the_state_rule(empty_database_url: str) -> None:
    """Migration 10 respells the state CHECK (SQLite: by rebuilding the table): every queued or
    delivered row stays as it was, pk included, and a state outside the three is still refused."""
    url = empty_database_url
    everything = "SELECT * FROM webhook_deliveries ORDER BY pk"
    run_sql(
        url,
        [
            *schema_before(url, 10),
            *endpoint_1(),
            delivery("registration:ev:r1"),
            delivery("registration:ev:r1"),
            delivery("registration:ev:r2"),
            ("UPDATE webhook_deliveries SET admitted = TRUE WHERE pk <= 2", ()),
            (
                "UPDATE webhook_deliveries SET state = 'delivered', delivered_at = 5 WHERE pk = 1",
                (),
            ),
            (
                "UPDATE webhook_deliveries SET state = 'failed', last_error = 'gone' WHERE pk = 3",
                (),
            ),
        ],
    )

    async def go() -> None:
        store = await open_store(Settings(database_url=url))
        try:
            ws = WebhookStore(store)
            before = await ws.read(everything)
            assert (await store.migrate()) == [10]  # and any after it
            assert await ws.read(everything) == before
            with pytest.raises((sqlite3.IntegrityError, asyncpg.CheckViolationError)):
                await ws.write("UPDATE webhook_deliveries SET state = 'lost' WHERE pk = 2")
            await asyncio.to_thread(run_sql, url, [delivery("registration:ev:r3")])
            assert await deliver_all(ws, NOW) == [2, 4]  # the indexes are there again
        finally:
            await store.close()

    asyncio.run(go())


@pytest.mark.parametrize("outcome", ["delivered", "failed"])
def test_a_redelivery_asked_for_mid_send_is_not_lost(own_database_url: str, outcome: str) -> None:
    """The receiver has the message and the dispatcher is about to record it when someone asks to
    send it again (redeliver, or replay): the outcome of the send under way must not overwrite
    that request (it did: test_webhook_delivery's redeliver test failed about 1 run in 10)."""

    async def work(store: Store, ws: WebhookStore, tenant_id: int) -> None:
        await put_event(store, tenant_id, capacity=None)
        endpoint_pk = await subscribe(ws, tenant_id, ["registration.created"])
        await register(store, tenant_id, "r1", status="accepted")
        (on_the_wire,) = await ws.claim(NOW, LEASE, 50)
        asked = await ws.redeliver(endpoint_pk, on_the_wire.message_id, 0, NOW)
        assert asked == 1
        if outcome == "delivered":
            await ws.delivered(on_the_wire, 204, NOW)
        else:
            await ws.failed(on_the_wire, 500, "HTTP 500", RETRY)
        (again,) = await ws.claim(NOW, LEASE, 50)  # due now, as the redelivery asked
        assert (again.message_id, again.attempts) == (on_the_wire.message_id, 1)

    on_store(own_database_url, work)


def test_an_idle_claim_does_not_walk_the_delivered_history(tmp_path: Any) -> None:
    """The claim runs five times a second while the outbox is idle. SQLite's planner walked every
    row ever delivered, in pk order, on each one (9.7 ms at 200,000 rows, holding the writer) until
    migration 9 gave it an index of the claimable rows. Counted in SQLite VM steps, not seconds."""
    url = f"sqlite:///{tmp_path}/hooks.db"

    async def migrated() -> None:
        store = await open_store(Settings(database_url=url))
        await store.migrate()
        await store.close()

    asyncio.run(migrated())
    db = sqlite3.connect(tmp_path / "hooks.db")
    claim, args = webhook_store.dispatch_statement("claim", NOW, LEASE, 50, postgres=False)

    def steps() -> int:
        counted = [0]

        def step() -> int:
            counted[0] += 1
            return 0

        db.set_progress_handler(step, 1)
        db.execute("SAVEPOINT s")
        db.execute(claim, args).fetchall()
        db.execute("ROLLBACK TO s")
        db.set_progress_handler(None, 1)
        return counted[0]

    empty = steps()
    db.executemany(
        "INSERT INTO webhook_deliveries (endpoint_pk, message_id, type, ordering_key, payload,"
        " created_at, state, next_attempt_at, admitted) VALUES (1, ?, 't', ?, '{}', 0,"
        " 'delivered', 0, TRUE)",
        ((f"msg_{i}", f"registration:ev:r{i % 100}") for i in range(20_000)),
    )
    db.commit()
    assert steps() < empty + 100  # not 20,000 rows' worth


def _visited(node: dict[str, Any]) -> tuple[int, int]:
    """(rows a plan's nodes read, over all their loops; the most loops of a Limit or LockRows
    node, the limited, locking subquery)."""
    loops = node["Actual Loops"]
    read = (node["Actual Rows"] + node.get("Rows Removed by Filter", 0)) * loops
    limited = loops if node["Node Type"] in ("Limit", "LockRows") else 0
    for child in node.get("Plans", []):
        child_read, child_limited = _visited(child)
        read, limited = read + child_read, max(limited, child_limited)
    return read, limited


PENDING = 2000


@pytest.mark.parametrize("statement", ["claim", "admit"])
def test_the_dispatchers_statements_stay_linear_in_the_outbox(
    empty_database_url: str, statement: str
) -> None:
    """asyncpg prepares every statement, and PostgreSQL may keep one generic plan for a prepared
    statement from its sixth run on. Made while the outbox was nearly empty (a server's first
    seconds), the claim's generic plan ran its limited subquery again for every pending row (as
    `WHERE pk IN (SELECT … LIMIT …)`), and its anti-join walked every older pending row for each
    candidate: in fuzz runs single claims took 11 s to 300 s, holding the rows they had locked.
    Here the plan is made on the empty outbox, then PENDING rows are added, and the rows the
    statement reads are counted (not timed): under the store's CUSTOM_PLANS, a few per pending
    row. Before, with the subquery in `WHERE pk IN`, the claim's Limit ran 2,000 times; the
    generic plan of today's claim is the control that the count sees a plan's cost (5x here, and
    1.2 s for 20,000 rows where the store's plan takes 48 ms for 50,000)."""
    if empty_database_url.startswith("sqlite"):
        pytest.skip("SQLite plans each statement when it is prepared: no plan outlives its data")

    async def go(plans: str) -> tuple[int, int]:
        store = await open_store(Settings(database_url=empty_database_url))
        try:
            await store.migrate()
        finally:
            await store.close()
        conn = await asyncpg.connect(empty_database_url)
        try:
            await conn.execute("ALTER TABLE webhook_deliveries SET (autovacuum_enabled = off)")
            await conn.execute("TRUNCATE webhook_deliveries")  # from the run before
            await conn.execute(
                "INSERT INTO tenants (id, name, created_at) VALUES (1, 't', 0) ON CONFLICT DO NOTHING"
            )
            await conn.execute(
                "INSERT INTO webhook_endpoints (pk, tenant_id, id, url, event_types, secret,"
                " created_at, updated_at) VALUES (1, 1, 'we_1', 'https://x.example/', ' * ',"
                " 'x', 0, 0) ON CONFLICT DO NOTHING"
            )
            await conn.execute("SET plan_cache_mode = force_generic_plan")  # from the first run
            sql, args = webhook_store.dispatch_statement(statement, NOW, LEASE, 50)
            await conn.execute(f"PREPARE s AS {queries.numbered(sql)}")
            run = f"EXECUTE s ({', '.join(str(a) for a in args)})"
            await conn.execute(run)  # planned now, on the empty outbox, and kept
            await conn.execute(
                "INSERT INTO webhook_deliveries (endpoint_pk, message_id, type, ordering_key,"
                " payload, created_at, next_attempt_at, admitted)"
                " SELECT 1, 'msg_' || i, 't', 'registration:ev:r' || (i % 500), '{}', 0,"
                " CASE WHEN i % 100 = 0 THEN 0 ELSE $1 END, TRUE"
                " FROM generate_series(1, $2) AS i",
                RETRY,  # pending, 1 in 100 due
                PENDING,
            )
            explained = conn.transaction()
            await explained.start()
            if plans == "the store's":
                await conn.execute(webhook_store.CUSTOM_PLANS)
            plan = await conn.fetchval(f"EXPLAIN (ANALYZE, FORMAT JSON) {run}")
            await explained.rollback()
        finally:
            await conn.close()
        return _visited(json.loads(plan)[0]["Plan"])

    read, limited = asyncio.run(go("the store's"))
    assert limited == 1 and read < 5 * PENDING, (read, limited)
    if statement == "claim":
        generic, _ = asyncio.run(go("generic"))
        assert generic > 3 * read, (generic, read)
