"""turnout at a git revision beside turnout in this working tree, scenario by scenario, in one run.

    python -m bench.versus REV [--full] [--rounds N] [--out DIR] [--big N] [--scenarios A,B]
    python -m bench.versus HEAD --rev-env TURNOUT_ACCESS_LOG=off --scenarios new_upserts
        # one setting measured: the same code, the access log off on one side

For "is this change slower anywhere?": both servers run on this machine at the same time, and each
of make bench's scenarios (bench/run.py SCENARIOS, driven by this tree's bench/wrk.lua, so both get
the same requests) is measured on one and then the other, back to back, the order alternating from
one scenario to the next, so the machine's drift falls on both alike. For each it reports req/s,
p50 and p99, the server's own CPU time per request (bench/run.py measure: much steadier than req/s
on a shared machine), and the ratios now / REV. Writes versus.json and versus.md to the output
folder. With `--rounds N` each scenario is measured N times on each server, alternating, and the
medians are reported (one quick round's ratios moved between 0.63 and 1.38 on this busy host with
the same code on both sides; docs/PERFORMANCE.md "Issue 9: before and after").

How the old tree runs: `git worktree add --detach` in a temporary folder (removed at the end),
served by this venv's Python with PYTHONPATH=<that tree>/src. That works while REV needs no package
this venv lacks or has at another version; since b050cf8 requirements.lock has only gained packages
(if a REV's server needs another environment, its server fails to start and its log says why).

How each server gets its data: SQLite only, one database per tree, each seeded by that tree's own
bench/seed.py `seed()` (its migrations, its store, its page-token format), run in a subprocess with
that tree first on the path. That is the data each tree's own `make bench` measured, and a schema
that changed between the revisions needs no translation here.

Both servers run at the same settings, the defaults a user runs but for rate limits: the access log
on, synchronous=FULL, rate limits off (one key drives the whole load), the same secret and public
URL (bench/run.py turnout_env, with the first two said explicitly, as REV's defaults may differ).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.run import (
    MODES,
    ROOT,
    SCENARIOS,
    SECRET,
    Server,
    describe_machine,
    ensure_wrk,
    measure,
    turnout_command,
    turnout_env,
)
from bench.seed import Seeded

# Seeds a database with the code of the tree it runs in (the cwd, first on sys.path, and its src/).
_SEED = """
import asyncio, dataclasses, json, sys
from bench.seed import seed
from turnout.config import Settings
seeded = asyncio.run(seed(Settings(database_url=sys.argv[1], secret=sys.argv[2]), int(sys.argv[3])))
print(json.dumps(dataclasses.asdict(seeded)))
"""
SAME = {"TURNOUT_ACCESS_LOG": "on", "TURNOUT_SQLITE_SYNCHRONOUS": "FULL"}


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("rev", help="the git revision to compare with (e.g. b050cf8)")
    parser.add_argument("--full", action="store_true", help="longer runs (default: quick)")
    parser.add_argument("--rounds", type=int, default=1, help="runs per scenario and server")
    parser.add_argument("--out", default=str(ROOT / "bench" / "out" / "versus"))
    parser.add_argument(
        "--big", type=int, help="registrations in the big event (default 1,000,000)"
    )
    parser.add_argument("--scenarios", help="a comma-separated subset (default: every scenario)")
    parser.add_argument(
        "--rev-env", action="append", default=[], help="NAME=VALUE for REV's server (repeatable)"
    )
    parser.add_argument(
        "--now-env", action="append", default=[], help="NAME=VALUE for this tree's server"
    )
    args = parser.parse_args()
    mode = MODES["full" if args.full else "quick"]
    if args.big:
        mode = {**mode, "big": args.big}
    scenarios = args.scenarios.split(",") if args.scenarios else SCENARIOS
    if unknown := set(scenarios) - set(SCENARIOS):
        parser.error(f"no such scenario: {', '.join(sorted(unknown))}")
    rev = _git("rev-parse", "--short", f"{args.rev}^{{commit}}").strip()
    out = Path(args.out)
    shutil.rmtree(out / "work", ignore_errors=True)
    (out / "work").mkdir(parents=True)
    ensure_wrk()
    machine = {**describe_machine(), "rev": rev, "now": _now()}
    print(json.dumps(machine, indent=2), flush=True)
    settings = {rev: _pairs(args.rev_env), "now": _pairs(args.now_env)}
    results = compare(rev, scenarios, mode, args.rounds, out / "work", settings)
    (out / "versus.json").write_text(
        json.dumps({"machine": machine, "mode": mode, "results": results}, indent=2)
    )
    text = table(rev, results)
    command = " ".join(["python -m bench.versus", *sys.argv[1:]])
    (out / "versus.md").write_text(f"`{command}`, {machine['date']}\n\n{text}\n")
    print(text)
    print(f"results in {out}/ (versus.md, versus.json)")
    return 0


def compare(
    rev: str,
    scenarios: list[str],
    mode: dict[str, Any],
    rounds: int,
    work: Path,
    settings: dict[str, dict[str, str]],
) -> dict[str, dict[str, Any]]:
    """Each scenario on REV's server and this tree's, back to back, `rounds` times;
    results[scenario][rev|now], the medians. `settings`: environment for each side's server."""
    old_tree = Path(tempfile.mkdtemp(prefix=f"turnout-{rev}-"))
    _git("worktree", "add", "--detach", str(old_tree), rev)
    try:
        trees = {rev: old_tree, "now": ROOT}
        seeded = {
            name: _seed(tree, work / f"{name}.db", mode["big"]) for name, tree in trees.items()
        }
        results: dict[str, dict[str, Any]] = {}
        with (
            _serve(old_tree, work / f"{rev}.db", work / f"{rev}.log", settings[rev]) as old,
            _serve(ROOT, work / "now.db", work / "now.log", settings["now"]) as new,
        ):
            servers = {rev: old, "now": new}
            for i, scenario in enumerate(scenarios):
                runs: dict[str, list[dict[str, Any]]] = {rev: [], "now": []}
                for turn in range(rounds):
                    order = [rev, "now"] if (i + turn) % 2 == 0 else ["now", rev]
                    for name in order:
                        found: dict[str, dict[str, Any]] = {}
                        measure(servers[name], name, scenario, seeded[name], mode, found)
                        runs[name].append(found[scenario][name])
                results[scenario] = {name: _median(done) for name, done in runs.items()}
        return results
    finally:
        _git("worktree", "remove", "--force", str(old_tree))
        shutil.rmtree(old_tree, ignore_errors=True)


def _median(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Each figure's median over the runs; the counts summed; the runs kept."""
    summed = ("requests", "non_2xx", "socket_errors")
    median = {k: statistics.median(r[k] for r in runs) for k in runs[0] if k not in summed}
    return {**median, **{k: sum(r[k] for r in runs) for k in summed}, "runs": runs}


def _seed(tree: Path, db: Path, big: int) -> Seeded:
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", _SEED, f"sqlite:///{db}", SECRET, str(big)],
        cwd=tree,
        env={**os.environ, "PYTHONPATH": f"{tree}/src"},
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        sys.exit(f"bench.versus: seeding with {tree}'s code failed:\n{done.stderr[-2000:]}")
    raw = json.loads(done.stdout.strip().splitlines()[-1])
    print(f"seeded {big:,} registrations with {tree}'s code in {time.monotonic() - started:.1f}s")
    return Seeded(raw["tenant_id"], raw["key"], raw["deep_path"])


def _serve(tree: Path, db: Path, log: Path, extra: dict[str, str]) -> Server:
    env = {**turnout_env(f"sqlite:///{db}"), **SAME, **extra, "PYTHONPATH": f"{tree}/src"}
    # This venv has this tree installed (editable): make sure PYTHONPATH is what the server imports.
    where = subprocess.run(
        [sys.executable, "-c", "import turnout; print(turnout.__file__)"],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    if not Path(where).is_relative_to(tree / "src"):
        sys.exit(f"bench.versus: the server for {tree} would import {where}")
    return Server(turnout_command(1), env, log)


def table(rev: str, results: dict[str, dict[str, Any]]) -> str:
    lines = [
        f"| scenario | {rev} req/s | p50 / p99 ms | now req/s | p50 / p99 ms | req/s now/{rev} "
        f"| CPU µs/req {rev} / now | CPU now/{rev} |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for scenario, r in results.items():
        a, b = r[rev], r["now"]
        lines.append(
            f"| {scenario} | {a['rps']:,.0f} | {a['p50_ms']:.1f} / {a['p99_ms']:.1f} "
            f"| {b['rps']:,.0f} | {b['p50_ms']:.1f} / {b['p99_ms']:.1f} | {b['rps'] / a['rps']:.2f} "
            f"| {a['cpu_us']:,.0f} / {b['cpu_us']:,.0f} | {b['cpu_us'] / a['cpu_us']:.2f} |"
        )
    errors = {
        f"{scenario} {name}": x["non_2xx"] + x["socket_errors"]
        for scenario, r in results.items()
        for name, x in r.items()
        if x["non_2xx"] or x["socket_errors"]
    }
    if errors:
        lines.append(f"\nnon-2xx answers or socket errors (the figures above count them): {errors}")
    return "\n".join(lines)


def unpack(revision: str, into: Path) -> Path:
    """REV's src/ alone (`git archive`), for in-process measures (bench/accesslog.py)."""
    into.mkdir()
    archive = _git_bytes("archive", revision, "src")
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into / "src"


def _pairs(given: list[str]) -> dict[str, str]:
    return dict(item.split("=", 1) for item in given)


def _now() -> str:
    """This tree's commit, and whether it has changes beyond it."""
    head = _git("rev-parse", "--short", "HEAD").strip()
    dirty = _git("status", "--porcelain", "--untracked-files=no").strip()
    return head + (" + uncommitted changes" if dirty else "")


def _git(*args: str) -> str:
    return _git_bytes(*args).decode()


def _git_bytes(*args: str) -> bytes:
    return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, check=True).stdout


if __name__ == "__main__":
    sys.exit(main())
