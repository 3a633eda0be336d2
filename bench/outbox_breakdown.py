"""Where the SQLite outbox's cost goes over HTTP: bench/outbox.py's pair (new_upserts for a tenant
with one endpoint for `*` beside one with none, one server, dispatcher off), each run's server
taken apart by thread and by system call.

    python -m bench.outbox_breakdown [--rounds 2] [--seconds 5] [--big 1000] [--syscalls]
                                     [--against OTHER/src]

Per request, for each half: CPU µs (user and system) of the event loop's thread and of the
others, the COMMIT thread among them (/proc/PID/task/TID/stat; Python 3.11 does not name its
threads for the OS, so they are summed), the syscalls that matter to a group commit
(with --syscalls: perf's syscall tracepoints, counted, not traced; they add a little CPU
to every syscall, so CPU figures are best read from a run without them), the bytes the server wrote (/proc/PID/io), its
context switches, and requests per COMMIT (fsyncs). CPU time is less sensitive to other jobs on
the machine than req/s; counts of syscalls and bytes are not sensitive to them at all.
`--against` runs a second server from another checkout's src on a copy of the same database,
its runs interleaved with this one's, so both see the same machine.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

from bench import outbox
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

SYSCALLS = [
    "fsync",
    "fdatasync",
    "pwrite64",
    "pread64",
    "write",
    "writev",
    "sendto",
    "recvfrom",
    "read",
    "futex",
    "epoll_wait",
]
TICK = os.sysconf("SC_CLK_TCK")


def threads(pid: int) -> dict[str, list[float]]:
    """Per thread name: [user s, system s, voluntary switches, involuntary switches]."""
    found: dict[str, list[float]] = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            stat = (task / "stat").read_text()
            status = (task / "status").read_text()
        except FileNotFoundError:
            continue
        name = "loop" if int(task.name) == pid else "other"
        fields = stat.rsplit(")", 1)[1].split()
        switches = {
            k: int(v)
            for k, v in (line.split(":") for line in status.splitlines() if "ctxt" in line)
        }
        row = found.setdefault(name, [0.0, 0.0, 0, 0])
        row[0] += int(fields[11]) / TICK
        row[1] += int(fields[12]) / TICK
        row[2] += switches["voluntary_ctxt_switches"]
        row[3] += switches["nonvoluntary_ctxt_switches"]
    return found


def io(pid: int) -> dict[str, int]:
    lines = Path(f"/proc/{pid}/io").read_text().splitlines()
    return {k: int(v) for k, v in (line.split(": ") for line in lines)}


def one_run(server: Server, tenant: Any, seconds: int, syscalls: bool) -> dict[str, float]:
    run_wrk(server.url, "new_upserts", tenant.key, tenant.deep_path, 1)  # warm-up, discarded
    pid = server.proc.pid
    events = ",".join(f"syscalls:sys_enter_{s}" for s in SYSCALLS)
    perf = None
    if syscalls:
        perf = subprocess.Popen(
            ["perf", "stat", "-x,", "-e", events, "-p", str(pid)],
            stderr=subprocess.PIPE,
            text=True,
        )
    before_t, before_io = threads(pid), io(pid)
    result = run_wrk(server.url, "new_upserts", tenant.key, tenant.deep_path, seconds)
    after_t, after_io = threads(pid), io(pid)
    counts = ""
    if perf is not None:
        perf.send_signal(2)
        counts = perf.communicate()[1]
    n = max(result["requests"], 1)
    out: dict[str, float] = {"rps": result["rps"], "non_2xx": result["non_2xx"]}
    for name, row in after_t.items():
        was = before_t.get(name, [0.0, 0.0, 0, 0])
        out[f"{name} user µs"] = (row[0] - was[0]) / n * 1e6
        out[f"{name} sys µs"] = (row[1] - was[1]) / n * 1e6
        out[f"{name} vol sw"] = (row[2] - was[2]) / n
        out[f"{name} invol sw"] = (row[3] - was[3]) / n
    out["total CPU µs"] = sum(v for k, v in out.items() if k.endswith(" µs"))
    for key in ("write_bytes", "wchar", "syscw"):
        out[f"io {key}"] = (after_io[key] - before_io[key]) / n
    for line in counts.splitlines():
        parts = line.split(",")
        if len(parts) > 2 and parts[2].startswith("syscalls:sys_enter_"):
            name = parts[2].removeprefix("syscalls:sys_enter_")
            out[f"sys {name}"] = int(parts[0]) / n if parts[0].isdigit() else float("nan")
    fsyncs = out.get("sys fsync", 0) + out.get("sys fdatasync", 0)
    out["requests per fsync"] = 1 / fsyncs if fsyncs else float("nan")
    return out


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=2, help="alternated (none, one) pairs")
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--big", type=int, default=1000, help="registrations in the big event")
    parser.add_argument("--out", default=str(ROOT / "bench" / "out" / "breakdown"))
    parser.add_argument("--syscalls", action="store_true", help="count syscalls with perf")
    parser.add_argument("--against", help="another checkout's src directory, run beside")
    args = parser.parse_args()
    work = Path(args.out)
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    settings = Settings(database_url=f"sqlite:///{work}/turnout.db", secret=SECRET)
    seeded = asyncio.run(seed(settings, args.big))
    hooked = asyncio.run(outbox.seed_hooked(settings, seeded))
    sides = {"this": settings.database_url}
    if args.against:
        copy_sqlite(work / "turnout.db", work / "against.db")
        sides["against"] = f"sqlite:///{work}/against.db"
    runs: dict[str, dict[str, list[dict[str, float]]]] = {s: {"none": [], "one": []} for s in sides}
    pair = [("none", seeded), ("one", hooked)]
    with contextlib.ExitStack() as stack:
        servers = {}
        for side, url in sides.items():
            env = {**turnout_env(url), **outbox.ENV}
            src = args.against if side == "against" else str(ROOT / "src")
            env["PYTHONPATH"] = f"{src}:{ROOT}"
            servers[side] = stack.enter_context(
                Server(turnout_command(1), env, work / f"server-{side}.log")
            )
        for r in range(args.rounds):
            for side in sides if r % 2 == 0 else list(sides)[::-1]:
                for label, tenant in pair if r % 2 == 0 else pair[::-1]:
                    found = one_run(servers[side], tenant, args.seconds, args.syscalls)
                    runs[side][label].append(found)
                    print(
                        f"{side:7} {label:4} {found['rps']:7.0f} req/s"
                        f"  {found['total CPU µs']:6.0f} CPU µs/req",
                        flush=True,
                    )
    for side, found in runs.items():
        summarize(side, found, args.rounds)
    return 0


def summarize(side: str, runs: dict[str, list[dict[str, float]]], rounds: int) -> None:
    keys = sorted({k for rs in runs.values() for r in rs for k in r})
    print(f"{side}: per request, median of {rounds} {'none':>10} {'one':>10} {'diff':>9}")
    for key in keys:
        none = statistics.median(r.get(key, 0.0) for r in runs["none"])
        one = statistics.median(r.get(key, 0.0) for r in runs["one"])
        print(f"  {key:26} {none:10.2f} {one:10.2f} {one - none:+9.2f}")


if __name__ == "__main__":
    sys.exit(main())
