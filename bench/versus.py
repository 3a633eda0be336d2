"""One change measured: turnout at a git revision beside the working tree, scenario by scenario,
alternated, on copies of the same data, with server CPU per request beside req/s.

    python -m bench.versus --base HEAD [--scenario event_read ...] [--rounds 3] [--seconds 4]
    python -m bench.versus --base HEAD --base-env TURNOUT_ACCESS_LOG=off   # same code, log off

The base is `git archive REV` of this repository unpacked in a temporary folder, served with its
`src/` first on PYTHONPATH; both servers run turnout's bench settings (bench/run.py). Before the
rounds, `--fill` seconds of `new_upserts` on the base fill the 100 events' first pages (as in
`make bench`, where the reads follow the writes), then the database is copied for the other side.
Prints the median of each side's rounds and the ratio of CPU per request (working tree / base).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from bench.run import (
    ROOT,
    SECRET,
    Server,
    copy_sqlite,
    ensure_wrk,
    measure,
    turnout_command,
    turnout_env,
)
from bench.seed import seed
from turnout.config import Settings


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--base", default="HEAD", help="the git revision to compare against")
    parser.add_argument("--scenario", action="append", help="a bench scenario (repeatable)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=4, help="measured seconds per run")
    parser.add_argument("--big", type=int, default=100_000, help="registrations in the big event")
    parser.add_argument("--fill", type=int, default=4, help="seconds of new_upserts before")
    parser.add_argument("--base-env", action="append", default=[], help="NAME=VALUE for the base")
    parser.add_argument("--new-env", action="append", default=[], help="NAME=VALUE for the tree")
    args = parser.parse_args()
    scenarios = args.scenario or ["event_read"]
    mode = {"warmup": 1, "seconds": args.seconds}
    ensure_wrk()
    with tempfile.TemporaryDirectory(prefix="turnout-versus-") as tmp:
        work = Path(tmp)
        base_src = unpack(args.base, work / "base")
        settings = Settings(database_url=f"sqlite:///{work}/base.db", secret=SECRET)
        seeded = asyncio.run(seed(settings, args.big))
        base_env = {**turnout_env(settings.database_url), "PYTHONPATH": str(base_src)}
        base_env.update(pairs(args.base_env))
        if args.fill:
            with Server(turnout_command(1), base_env, work / "fill.log") as filler:
                measure(filler, "fill", "new_upserts", seeded, {**mode, "seconds": args.fill}, {})
        copy_sqlite(work / "base.db", work / "new.db")
        new_env = {**turnout_env(f"sqlite:///{work}/new.db"), "PYTHONPATH": str(ROOT / "src")}
        new_env.update(pairs(args.new_env))
        results: dict[str, dict[str, list[dict[str, Any]]]] = {}
        with (
            Server(turnout_command(1), base_env, work / "base.log") as base,
            Server(turnout_command(1), new_env, work / "new.log") as new,
        ):
            for _ in range(args.rounds):
                for scenario in scenarios:
                    for server, name in ((base, "base"), (new, "new")):
                        found: dict[str, dict[str, Any]] = {}
                        measure(server, name, scenario, seeded, mode, found)
                        runs = results.setdefault(scenario, {}).setdefault(name, [])
                        runs.append(found[scenario][name])
    print(f"\nmedians of {args.rounds} rounds × {args.seconds} s; base = {args.base}")
    for scenario, sides in results.items():
        line = [f"{scenario:20}"]
        for name in ("base", "new"):
            runs = sides[name]
            line.append(
                f"{name} {median(runs, 'rps'):7.0f} req/s p50 {median(runs, 'p50_ms'):6.2f}"
                f" p99 {median(runs, 'p99_ms'):7.2f} ms cpu {median(runs, 'cpu_us'):5.0f} µs"
            )
        ratio = median(sides["new"], "cpu_us") / median(sides["base"], "cpu_us")
        print("  ".join(line) + f"  cpu new/base {ratio:.2f}")
    return 0


def unpack(revision: str, into: Path) -> Path:
    into.mkdir()
    archive = subprocess.run(
        ["git", "archive", revision, "src"], cwd=ROOT, capture_output=True, check=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into / "src"


def pairs(given: list[str]) -> dict[str, str]:
    return dict(item.split("=", 1) for item in given)


def median(runs: list[dict[str, Any]], field: str) -> float:
    return statistics.median(run[field] for run in runs)


if __name__ == "__main__":
    raise SystemExit(main())
