"""The SQLite outbox's cost per write in instructions: deterministic on a shared machine.

    python -m bench.outbox_instructions [--writes N] [--rounds R] [--against SRC] [--cpu]

New-registration upserts through the core and the store (no HTTP), 64 at a time so they
group-commit, for a tenant with one endpoint subscribed to `*` and for one with none, alternated
(none, one; then one, none), after 2,000 of each to warm up. Each write is counted by valgrind's
callgrind (instrumentation on only around the measured writes, the COMMIT thread included; kernel
time is not counted), as `bench.layers --callgrind` does; `--cpu` measures process CPU µs instead.
`--against SRC` measures another checkout's `src` (say, `git archive` of the commit before a change)
beside this one, in a worker process of its own, alternated with it. Prints each round's figure and
the outbox's cost (one minus none) per round: Python's garbage collector moves single figures by a
few thousand instructions, so compare rounds, not single writes.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path

from bench.worker import Worker

CONCURRENCY = 64
EVENTS = 10
SECRET = "w" * 64


async def serve() -> None:
    """The worker: reads `label count` lines, writes that many registrations, prints CPU µs each."""
    from turnout.config import Settings
    from turnout.core import events, registrations, times
    from turnout.core.registrations import RegistrationChanges, takes_no_more_seats
    from turnout.store import open_store
    from turnout.webhooks import manage
    from turnout.webhooks.store import WebhookStore

    url = f"sqlite:///{tempfile.mkdtemp(prefix='turnout-outbox-')}/outbox.db"
    store = await open_store(Settings(database_url=url, secret=SECRET))
    await store.migrate()
    tenants = {}
    start = times.now() + 86400
    changes = events.EventChanges(start_at=start, end_at=start + 3600, status="confirmed")
    for label in ("none", "one"):
        tenant = await store.create_tenant(label, times.now())
        for e in range(EVENTS):
            await events.put_event(store, tenant.id, f"ev{e}", changes)
        tenants[label] = tenant.id
    body = {"url": "http://127.0.0.1:9/never-called", "event_types": ["*"]}
    await manage.create(WebhookStore(store), SECRET.encode(), tenants["one"], body, True)
    written = 0

    async def upserts(tenant_id: int, count: int) -> None:
        nonlocal written
        semaphore = asyncio.Semaphore(CONCURRENCY)

        async def one(n: int) -> None:
            async with semaphore:
                await registrations.write_registration(
                    store,
                    tenant_id,
                    f"ev{n % EVENTS}",
                    f"r{n}",
                    RegistrationChanges(status="accepted"),
                    include_drafts=False,
                    cancel_rule=takes_no_more_seats,
                )

        first, written = written, written + count
        await asyncio.gather(*(one(first + n) for n in range(count)))

    for tenant_id in tenants.values():
        await upserts(tenant_id, 2000)
    print("ready", flush=True)
    for line in sys.stdin:
        label, count = line.split()
        cpu = time.process_time()
        await upserts(tenants[label], int(count))
        print(json.dumps((time.process_time() - cpu) / int(count) * 1e6), flush=True)
    await store.close()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--writes", type=int, default=1000, help="per tenant and round")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--against", help="another checkout's src directory, measured beside")
    parser.add_argument("--cpu", action="store_true", help="CPU µs instead of instructions")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        asyncio.run(serve())
        return
    here = str(Path(__file__).parent.parent / "src")
    sources = {"this": here, **({"against": args.against} if args.against else {})}
    workers = {
        name: Worker(name, "bench.outbox_instructions", src, not args.cpu)
        for name, src in sources.items()
    }
    found: dict[str, dict[str, list[float]]] = {n: {"none": [], "one": []} for n in workers}
    for r in range(args.rounds):
        for name, worker in list(workers.items())[:: 1 if r % 2 == 0 else -1]:
            for label in ("none", "one")[:: 1 if r % 2 == 0 else -1]:
                found[name][label].append(
                    worker.ask(f"{label} {args.writes}", args.writes, not args.cpu)
                )
    for worker in workers.values():
        worker.close()
    unit = "µs" if args.cpu else "instructions"
    for name, runs in found.items():
        costs = [one - none for none, one in zip(runs["none"], runs["one"], strict=True)]
        print(
            f"{name} ({sources[name]}): {unit} per write, none {[round(x) for x in runs['none']]},"
            f" one endpoint {[round(x) for x in runs['one']]}; the outbox's cost per round"
            f" {[round(x) for x in costs]}"
        )


if __name__ == "__main__":
    main()
