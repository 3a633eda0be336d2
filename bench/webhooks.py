"""`make bench-webhooks` (also run by `make bench`): what webhooks cost, on SQLite and PostgreSQL.

    python -m bench.webhooks [--writes N] [--messages N]

1. The outbox's cost on writes: new-registration upserts for a tenant with one subscribed endpoint
   beside a tenant with none, in alternating rounds of the same run, through the core and the store
   (no HTTP), 64 at a time. Without HTTP around it the outbox is a larger share of each write than
   in a server, so this ratio is an upper bound on the cost a client sees.
2. Delivery throughput: a pre-filled outbox delivered to a local receiver (a separate process) by
   one dispatcher in this process, and on PostgreSQL by one and by three `turnout worker`
   processes; messages per second.

SQLite runs always; PostgreSQL too when TURNOUT_BENCH_PG_ADMIN_URL (default the local server) answers.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import subprocess
import sys
import tempfile
import time
from typing import Any

import asyncpg

from turnout.config import Settings
from turnout.core import events, registrations, times
from turnout.core.registrations import RegistrationChanges, takes_no_more_seats
from turnout.store import open_store
from turnout.store.base import Store
from turnout.webhooks import manage
from turnout.webhooks.dispatcher import Dispatcher
from turnout.webhooks.guard import AllowList
from turnout.webhooks.store import WebhookStore

PG_ADMIN = os.environ.get(
    "TURNOUT_BENCH_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
SECRET = "w" * 64
DELIVERY_TIMEOUT = 600  # seconds for one worker-delivery measurement, at most
ROUNDS = 6
CONCURRENCY = 64
RECEIVER = """
async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    while (await receive()).get("more_body"):
        pass
    await send({"type": "http.response.start", "status": 204, "headers": []})
    await send({"type": "http.response.body", "body": b""})
"""


async def upserts(store: Store, tenant_id: int, prefix: str, count: int) -> tuple[float, float]:
    """Writes per second of `count` new registrations, CONCURRENCY at a time, and the process's CPU
    time per write in µs (the steadier figure on a shared machine)."""
    semaphore = asyncio.Semaphore(CONCURRENCY)

    async def one(n: int) -> None:
        async with semaphore:
            await registrations.write_registration(
                store,
                tenant_id,
                "ev",
                f"{prefix}{n}",
                RegistrationChanges(status="accepted"),
                include_drafts=False,
                cancel_rule=takes_no_more_seats,
            )

    started, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(one(n) for n in range(count)))
    return count / (time.perf_counter() - started), (time.process_time() - cpu) / count * 1e6


async def tenant_with_event(store: Store, name: str) -> int:
    tenant = await store.create_tenant(name, times.now())
    start = times.now() + 86400
    changes = events.EventChanges(start_at=start, end_at=start + 3600, status="confirmed")
    await events.put_event(store, tenant.id, "ev", changes)
    return tenant.id


async def outbox_cost(database_url: str, writes: int, receiver_url: str) -> dict[str, Any]:
    store = await open_store(Settings(database_url=database_url, secret=SECRET))
    try:
        await store.migrate()
        plain = await tenant_with_event(store, "plain_" + secrets.token_hex(4))
        hooked = await tenant_with_event(store, "hooked_" + secrets.token_hex(4))
        body = {"url": receiver_url, "event_types": ["*"]}
        await manage.create(WebhookStore(store), SECRET.encode(), hooked, body, allow_http=True)
        rates: dict[str, list[float]] = {"none": [], "one": []}
        cpu: dict[str, list[float]] = {"none": [], "one": []}
        for r in range(ROUNDS):  # alternate, so drift in the machine falls on both
            order = [("none", plain), ("one", hooked)][:: 1 if r % 2 else -1]
            for label, tenant in order:
                rate, cpu_us = await upserts(store, tenant, f"r{r}_", writes)
                rates[label].append(rate)
                cpu[label].append(cpu_us)
        best = {k: sorted(v)[len(v) // 2] for k, v in rates.items()}  # medians
        cpu_best = {k: sorted(v)[len(v) // 2] for k, v in cpu.items()}
        return {
            "upserts_per_s_no_endpoint": round(best["none"]),
            "upserts_per_s_one_endpoint": round(best["one"]),
            "cost_percent": round(100 * (1 - best["one"] / best["none"]), 1),
            "cpu_us_per_write_no_endpoint": round(cpu_best["none"]),
            "cpu_us_per_write_one_endpoint": round(cpu_best["one"]),
            "hooked_tenant": hooked,
        }
    finally:
        await store.close()


async def fill_outbox(database_url: str, tenant_id: int, messages: int, prefix: str = "m_") -> None:
    """`messages` new registrations, so as many messages: the prefix must not have been used (an
    upsert that changes nothing makes no message)."""
    store = await open_store(Settings(database_url=database_url, secret=SECRET))
    try:
        await upserts(store, tenant_id, prefix, messages)
    finally:
        await store.close()


async def dispatch_in_process(database_url: str, target: int) -> float:
    store = await open_store(Settings(database_url=database_url, secret=SECRET))
    ws = WebhookStore(store)
    dispatcher = Dispatcher(ws, SECRET.encode(), AllowList.parse("127.0.0.0/8"), 60)
    try:
        started = time.perf_counter()
        while await dispatcher.dispatch_once():
            pass
        elapsed = time.perf_counter() - started
        return target / elapsed
    finally:
        await dispatcher.close()
        await store.close()


async def delivery_by_workers(
    database_url: str, tenant_id: int, messages: int, workers: int
) -> dict[str, Any]:
    """Delivery throughput of `workers` `turnout worker` processes (issue 13): `messages` fresh
    registrations' messages queued first, then delivered to the local receiver. The rate runs from
    the first delivery seen to the last, so the workers' start-up (a second or more each on a
    loaded machine) is not counted; the count is read every 50 ms on one connection."""
    await fill_outbox(database_url, tenant_id, messages, prefix=f"w{workers}_")
    store = await open_store(Settings(database_url=database_url, secret=SECRET))
    ws = WebhookStore(store)

    async def count() -> int:
        rows = await ws.read("SELECT count(*) FROM webhook_deliveries WHERE state = 'delivered'")
        return int(rows[0][0])

    env = {
        **os.environ,
        "TURNOUT_DATABASE_URL": database_url,
        "TURNOUT_SECRET": SECRET,
        "TURNOUT_WEBHOOK_ALLOW_NETWORKS": "127.0.0.0/8",
    }
    already = await count()
    target = already + messages
    started = [
        await asyncio.create_subprocess_exec(
            sys.executable, "-m", "turnout", "worker", env=env, stderr=subprocess.DEVNULL
        )
        for _ in range(workers)
    ]
    first_at = first = None
    deadline = time.monotonic() + DELIVERY_TIMEOUT
    try:
        while (now := await count()) < target:
            if first is None and now > already:
                first_at, first = time.perf_counter(), now
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"{now - already} of {messages} delivered in {DELIVERY_TIMEOUT} s"
                )
            await asyncio.sleep(0.05)
        if first_at is None:  # all of it between two looks: too few messages to time
            raise RuntimeError("delivered between two counts; raise --messages")
        seconds = time.perf_counter() - first_at
        return {
            "workers": workers,
            "messages": messages,
            "timed": target - first,
            "seconds": round(seconds, 2),
            "messages_per_s": round((target - first) / seconds),
        }
    finally:
        for w in started:
            w.terminate()
        for w in started:
            await w.wait()
        await store.close()


def run(database_url: str, label: str, writes: int, messages: int, receiver_url: str) -> None:
    cost = asyncio.run(outbox_cost(database_url, writes, receiver_url))
    tenant = cost.pop("hooked_tenant")
    print(f"{label}: new-registration upserts, {ROUNDS} alternating rounds of {writes}: {cost}")
    asyncio.run(dispatch_in_process(database_url, 0))  # deliver what the cost rounds queued
    asyncio.run(fill_outbox(database_url, tenant, messages))
    rate = asyncio.run(dispatch_in_process(database_url, messages))
    print(f"{label}: delivery to a local receiver, 1 dispatcher: {rate:.0f} messages/s")
    if label == "postgres":  # any number of workers share PostgreSQL; SQLite takes one
        for workers in (1, 3):
            figures = asyncio.run(delivery_by_workers(database_url, tenant, messages, workers))
            print(f"{label}: delivery to a local receiver by `turnout worker` processes: {figures}")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--writes", type=int, default=2000, help="upserts per round")
    parser.add_argument("--messages", type=int, default=3000, help="messages to deliver")
    parser.add_argument("--only", choices=["sqlite", "postgres"], help="one database only")
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="turnout-bench-webhooks-")
    with open(os.path.join(work, "receiver.py"), "w") as f:
        f.write(RECEIVER)
    port = 18000 + os.getpid() % 1000
    receiver = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "receiver:app",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        cwd=work,
    )
    try:
        time.sleep(1.5)
        url = f"http://127.0.0.1:{port}/hook"
        if args.only != "postgres":
            run(f"sqlite:///{work}/turnout.db", "sqlite", args.writes, args.messages, url)
        if args.only == "sqlite":
            return 0
        name = "turnout_bench_hooks_" + secrets.token_hex(3)
        try:
            asyncio.run(_admin(f"CREATE DATABASE {name}"))
        except (OSError, asyncpg.PostgresError) as exc:
            print(f"postgres: skipped ({exc})")
            return 0
        try:
            run(
                PG_ADMIN.rsplit("/", 1)[0] + "/" + name, "postgres", args.writes, args.messages, url
            )
        finally:
            asyncio.run(_admin(f"DROP DATABASE {name} WITH (FORCE)"))
    finally:
        receiver.terminate()
        receiver.wait(timeout=10)
    return 0


async def _admin(sql: str) -> None:
    conn = await asyncpg.connect(PG_ADMIN)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


if __name__ == "__main__":
    sys.exit(main())
