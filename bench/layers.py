"""The server's CPU per request without the network: the ASGI app driven in process.

    python -m bench.layers [--requests N] [--rounds R] [--against SRC] [--profile FILE]
                           [--callgrind]

Builds turnout at its defaults (access log on, to /dev/null; rate limits off, as in bench.run) on
seeded SQLite data, and calls it directly with each scenario's requests (bench/requests.py), 64 at
a time, so writes group-commit as under wrk. Prints the process CPU time per request (user +
system, so the COMMIT thread counts) for each scenario, the median of R rounds: what every layer
around the handler costs, without uvicorn or wrk sharing the cores.

`--against SRC` measures another checkout's `src` (e.g. `git archive` of the commit before a change)
beside this one: two worker processes, each on its own copy of the data, their rounds alternated,
so both see the same machine. `--profile FILE` writes a cProfile of one round of each scenario.
`--callgrind` counts instructions per request instead (valgrind, instrumenting only the measured
requests): slow, but the same on a loaded machine as on a quiet one, so a change of a few µs shows.
With TURNOUT_ACCESS_LOG=off in the environment, the app is built with the access log off: run it
both ways for what the log costs in instructions.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.worker import Worker

SCENARIOS = ["new_upserts", "reupserts", "webkasa_create", "event_read", "availability"]
SECRET = "b" * 64
PUBLIC_URL = "http://127.0.0.1:8000"
CONCURRENCY = 64


class Driver:
    """The app, started, and a way to send it one request."""

    def __init__(self, app: Any, key: str) -> None:
        self.app = app
        self.auth = f"Bearer {key}".encode()
        self.counter = 0

    async def request(self, method: str, path: str, body: bytes) -> int:
        headers = [
            (b"host", b"127.0.0.1:8000"),
            (b"authorization", self.auth),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ]
        scope = {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.3"},
            "http_version": "1.1",
            "method": method,
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "root_path": "",
            "query_string": b"",
            "headers": headers,
            "client": ("127.0.0.1", 50000),
            "server": ("127.0.0.1", 8000),
            "state": {},
        }
        sent = False
        status = 0

        async def receive() -> dict[str, Any]:
            nonlocal sent
            if sent:
                await asyncio.sleep(3600)  # as a connection that stays open
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]

        await self.app(scope, receive, send)
        return status

    async def run(self, scenario: str, n: int, deep_path: str) -> float:
        """CPU µs per request over `n` requests of `scenario`."""
        from bench.requests import encoded, sample

        requests = []
        for _ in range(n):
            self.counter += 1
            method, path, body = sample(scenario, self.counter, deep_path)
            requests.append((method, path, b"" if body is None else encoded(body)))
        started = time.process_time()
        for i in range(0, n, CONCURRENCY):
            chunk = requests[i : i + CONCURRENCY]
            statuses = await asyncio.gather(*(self.request(*r) for r in chunk))
            bad = [s for s in statuses if not 200 <= s < 300]
            if bad:
                raise SystemExit(f"{scenario}: non-2xx answers {sorted(set(bad))}")
        return (time.process_time() - started) / n * 1e6


async def serve(args: argparse.Namespace) -> None:
    """A worker: seed, start the app, then answer `scenario n` lines with µs per request."""
    from bench.seed import seed
    from turnout.app import build_app
    from turnout.config import Settings

    work = Path(tempfile.mkdtemp(prefix="turnout-layers-"))
    settings = Settings(
        database_url=f"sqlite:///{work}/turnout.db",
        secret=SECRET,
        public_url=PUBLIC_URL,
        rate_limits=False,
        access_log=os.environ.get("TURNOUT_ACCESS_LOG", "on") != "off",
    )
    seeded = await seed(settings, 1000)
    sys.stderr = open(os.devnull, "w")  # the access log's stream, as a file would take it  # noqa: SIM115
    app = build_app(settings)
    lifespan = _Lifespan(app)
    await lifespan.start()
    import gc

    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 20, 20)  # as `turnout serve` (__main__._tune_gc)
    driver = Driver(app, seeded.key)
    out = sys.stdout
    print("ready", file=out, flush=True)
    for line in sys.stdin:
        scenario, n, profile = line.split()
        if profile != "-":
            profiler = cProfile.Profile()
            profiler.enable()
        us = await driver.run(scenario, int(n), seeded.deep_path)
        if profile != "-":
            profiler.disable()
            profiler.dump_stats(profile)
        print(json.dumps(us), file=out, flush=True)
    await lifespan.stop()
    shutil.rmtree(work, ignore_errors=True)


class _Lifespan:
    def __init__(self, app: Any) -> None:
        self.app = app
        self.inbox: asyncio.Queue[dict[str, str]] = asyncio.Queue()
        self.outbox: asyncio.Queue[dict[str, str]] = asyncio.Queue()

    async def start(self) -> None:
        self.task = asyncio.create_task(
            self.app({"type": "lifespan", "asgi": {"version": "3.0"}}, self.inbox.get, self._put)
        )
        await self.inbox.put({"type": "lifespan.startup"})
        answer = await self.outbox.get()
        assert answer["type"] == "lifespan.startup.complete", answer

    async def _put(self, message: dict[str, str]) -> None:
        await self.outbox.put(message)

    async def stop(self) -> None:
        await self.inbox.put({"type": "lifespan.shutdown"})
        await self.outbox.get()
        await self.task


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=1024, help="per scenario and round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--scenarios", nargs="*", default=SCENARIOS)
    parser.add_argument("--against", help="another checkout's src directory, measured beside")
    parser.add_argument("--profile", help="write a cProfile of one round per scenario here")
    parser.add_argument("--callgrind", action="store_true", help="count instructions (valgrind)")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        asyncio.run(serve(args))
        return 0
    workers = [Worker("this", "bench.layers", None, args.callgrind)]
    if args.against:
        workers.insert(0, Worker("against", "bench.layers", args.against, args.callgrind))
    results: dict[str, dict[str, list[float]]] = {}
    try:
        for worker in workers:  # warm-up: caches, the first batch of every code path
            for scenario in args.scenarios:
                worker.ask(f"{scenario} {CONCURRENCY * 2} -", CONCURRENCY * 2, count=False)
        for _ in range(args.rounds):
            for scenario in args.scenarios:
                for worker in workers:
                    us = worker.ask(f"{scenario} {args.requests} -", args.requests, args.callgrind)
                    results.setdefault(scenario, {}).setdefault(worker.name, []).append(us)
        if args.profile:
            for scenario in args.scenarios:
                line = f"{scenario} {args.requests} {args.profile}.{scenario}"
                workers[-1].ask(line, args.requests, count=False)
    finally:
        for worker in workers:
            worker.close()
    names = [w.name for w in workers]
    unit = "instructions" if args.callgrind else "CPU µs"
    print(f"{unit}/request, median of {args.rounds} rounds of {args.requests} requests")
    print(
        f"{'scenario':16}"
        + "".join(f"{n:>10}" for n in names)
        + ("    change" if args.against else "")
    )
    for scenario, by in results.items():
        medians = [statistics.median(by[n]) for n in names]
        row = f"{scenario:16}" + "".join(f"{m:10,.0f}" for m in medians)
        if args.against:
            row += f"  {(medians[1] - medians[0]) / medians[0] * 100:+7.1f}%"
        print(row)
    return 0


if __name__ == "__main__":
    sys.exit(main())
