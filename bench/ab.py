"""Two versions of turnout over HTTP, side by side, with the ceiling: server CPU per request.

    python -m bench.ab --against SRC [--rounds R] [--seconds S] [--scenarios ...]

Seeds a small data set (the big event has 1,000 registrations), serves it from three copies — the
`src` directory SRC (e.g. `git archive` of the commit before a change), this checkout, and the
ceiling (bench/ceiling.py) — each at bench.run's settings, and drives each scenario with wrk on
each server in turn, R rounds. Prints the medians of req/s and of the server's CPU µs per request
(bench.run's measure: /proc user + system time over the run), which depend much less than req/s
on what else the shared cores run.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench.run import (
    ROOT,
    SECRET,
    Server,
    copy_sqlite,
    run_wrk,
    turnout_command,
    turnout_env,
)
from bench.seed import seed
from turnout.config import Settings

SCENARIOS = ["new_upserts", "reupserts", "webkasa_create", "event_read"]
PUBLIC_URL = "http://127.0.0.1:8000"  # bench.run's, so both answer the same links


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--against", required=True, help="another checkout's src directory")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=4)
    parser.add_argument("--scenarios", nargs="*", default=SCENARIOS)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="turnout-ab-"))
    try:
        results = measure(args, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"medians of {args.rounds} rounds of {args.seconds} s; CPU µs/request, req/s")
    print(f"{'scenario':16}{'against':>16}{'this':>16}{'ceiling':>16}   CPU change")
    for scenario, by in results.items():
        cpu = {n: statistics.median(r["cpu_us"] for r in runs) for n, runs in by.items()}
        rps = {n: statistics.median(r["rps"] for r in runs) for n, runs in by.items()}
        cells = "".join(f"{cpu[n]:8.0f} {rps[n]:7.0f}" for n in ("against", "this", "ceiling"))
        change = (cpu["this"] - cpu["against"]) / cpu["against"] * 100
        print(f"{scenario:16}{cells}   {change:+6.1f}%")
    return 0


def measure(args: argparse.Namespace, work: Path) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """Each scenario on each server in turn, `args.rounds` times: wrk's result and the CPU."""
    settings = Settings(database_url=f"sqlite:///{work}/turnout.db", secret=SECRET)
    seeded = asyncio.run(seed(settings, 1000))
    for name in ("against", "this", "ceiling"):
        copy_sqlite(work / "turnout.db", work / f"{name}.db")
    ceiling_command = [
        sys.executable, "-m", "uvicorn", "--factory", "bench.ceiling:from_env", "--port", "{port}",
        "--log-level", "warning", "--no-access-log",
    ]  # fmt: skip
    ceiling_env = {
        "CEILING_DB": str(work / "ceiling.db"),
        "CEILING_TENANT": str(seeded.tenant_id),
        "CEILING_SECRET": SECRET,
        "CEILING_BASE_URL": PUBLIC_URL,
    }
    against_env = {
        **turnout_env(f"sqlite:///{work}/against.db"),
        "PYTHONPATH": f"{Path(args.against).resolve()}:{ROOT}",
    }
    this_env = turnout_env(f"sqlite:///{work}/this.db")
    results: dict[str, dict[str, list[dict[str, Any]]]] = {}
    with (
        Server(turnout_command(1), against_env, work / "against.log") as against,
        Server(turnout_command(1), this_env, work / "this.log") as this,
        Server(ceiling_command, ceiling_env, work / "ceiling.log") as ceiling,
    ):
        servers = {"against": against, "this": this, "ceiling": ceiling}
        for _ in range(args.rounds):
            for scenario in args.scenarios:
                for name, server in servers.items():
                    run_wrk(server.url, scenario, seeded.key, seeded.deep_path, 1)  # warm-up
                    cpu = server.cpu_seconds()
                    result = run_wrk(
                        server.url, scenario, seeded.key, seeded.deep_path, args.seconds
                    )
                    result["cpu_us"] = (server.cpu_seconds() - cpu) / result["requests"] * 1e6
                    if result["non_2xx"]:
                        sys.exit(f"{name} {scenario}: {result['non_2xx']} non-2xx answers")
                    results.setdefault(scenario, {}).setdefault(name, []).append(result)
    return results


if __name__ == "__main__":
    sys.exit(main())
