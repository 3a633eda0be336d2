"""`--workers N` on PostgreSQL, measured so that the result would hold on a larger machine.

    python -m bench.workers [--seconds 10] [--workers 1,2]

The server's processes are pinned to one set of CPUs and wrk to another (taskset), so the load
generator does not take the server's cores; PostgreSQL (a system service) is not pinned. For each
worker count and scenario it reports req/s and the CPU time per request of turnout's processes
(supervisor and workers) and of PostgreSQL's backends for the bench database, read from
/proc/<pid>/stat before and after the run. Those two figures do not depend on how many cores the
host has; docs/PERFORMANCE.md turns them into what a 16-core machine should reach.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
from pathlib import Path
from typing import Any

import asyncpg

from bench import postgres
from bench.run import ROOT, Server, run_wrk, turnout_command, turnout_env

SCENARIOS = ["new_upserts", "event_read"]


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:  # a backend that ended: its time is lost to both readings
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def backends(url: str) -> list[int]:
    """The PostgreSQL server processes serving the bench database now."""

    async def ask() -> list[int]:
        conn = await asyncpg.connect(url)
        try:
            name = url.rsplit("/", 1)[1]
            rows = await conn.fetch("SELECT pid FROM pg_stat_activity WHERE datname = $1", name)
            return [r["pid"] for r in rows]
        finally:
            await conn.close()

    return asyncio.run(ask())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--workers", default="1,2")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("TURNOUT_BENCH_PG_ADMIN_URL", postgres.DEFAULT_ADMIN_URL),
    )
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    server_cpus = ",".join(str(c) for c in range(1, cores)) if cores > 1 else "0"
    client_cpus = "0"
    print(f"turnout on CPUs {server_cpus}, wrk on CPU {client_cpus}; PostgreSQL unpinned")
    with postgres.BenchDatabase(args.database_url) as db:
        seeded = postgres.seed_postgres(db.url, 1_000)
        for workers in [int(w) for w in args.workers.split(",")]:
            command = ["taskset", "-c", server_cpus, *turnout_command(workers)]
            with Server(command, turnout_env(db.url), ROOT / "bench" / "out" / "workers.log") as s:
                for scenario in SCENARIOS:
                    print(measure(s, db.url, workers, scenario, seeded, args.seconds, client_cpus))


def measure(
    server: Server, url: str, workers: int, scenario: str, seeded: Any, seconds: int, pin: str
) -> str:
    run_wrk(server.url, scenario, seeded.key, seeded.deep_path, 2, pin=pin)  # warm-up
    pg = backends(url)
    before = server.cpu_seconds(), cpu_seconds(pg)
    started = time.monotonic()
    result = run_wrk(server.url, scenario, seeded.key, seeded.deep_path, seconds, pin=pin)
    wall = time.monotonic() - started
    requests = max(result["requests"], 1)
    turnout_us = (server.cpu_seconds() - before[0]) / requests * 1e6
    pg_us = (cpu_seconds(pg) - before[1]) / requests * 1e6
    return (
        f"workers {workers}  {scenario:12} {result['rps']:7.0f} req/s  p50 {result['p50_ms']:6.1f} ms"
        f"  p99 {result['p99_ms']:6.1f} ms  turnout CPU {turnout_us:5.0f} µs/req"
        f"  PostgreSQL CPU {pg_us:5.0f} µs/req  ({wall:.0f} s, non-2xx {result['non_2xx']})"
    )


if __name__ == "__main__":
    main()
