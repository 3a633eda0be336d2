"""`make bench`: turnout beside its ceiling, scenario by scenario, on this machine, in one run.

    python -m bench.run [--full] [--out DIR]

Each scenario is driven by wrk over loopback against turnout and then against the ceiling (a raw
ASGI app doing the same SQL; bench/ceiling.py), with the same data. Prints req/s, p50, p99 and the
ratio to the ceiling; writes results.json, results.md and chart.png to the output folder.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, TypeVar

import httpx

from bench import outbox, report
from bench.seed import Seeded, seed
from turnout.config import Settings

T = TypeVar("T")
ROOT = Path(__file__).resolve().parent.parent
LOGSWITCH = [sys.executable, "-m", "bench.logswitch", "serve", "--port", "{port}"]
SCENARIOS = [
    "new_upserts",
    "reupserts",
    "webkasa_create",
    "event_read",
    "big_first_page",
    "big_deep_page",
    "availability",
    "upserts_small_event",
    "upserts_big_event",
]
MODES = {
    # Per scenario, `rounds` runs of each side, alternated, each `seconds` long after `warmup`
    # seconds discarded. The access log's and the outbox's pairs, each on one server: `pair_rounds`
    # alternated runs of each side. Registrations in the big event: `big`.
    "quick": {"warmup": 1, "seconds": 3, "rounds": 1, "pair_rounds": 2, "big": 1_000_000},
    "full": {"warmup": 1, "seconds": 5, "rounds": 3, "pair_rounds": 16, "big": 1_000_000},
}
CONNECTIONS, THREADS = 64, 2
SECRET = "b" * 64
PUBLIC_URL = "http://turnout.bench"  # turnout's next-page links, which the ceiling writes too


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--full", action="store_true", help="longer runs, for the docs (default: quick)"
    )
    parser.add_argument("--out", default=str(ROOT / "bench" / "out"), help="where results go")
    parser.add_argument(
        "--outbox-only",
        action="store_true",
        help="only the outbox pair (one endpoint vs none), on a small seed",
    )
    args = parser.parse_args()
    mode = MODES["full" if args.full else "quick"]
    if args.outbox_only:
        mode = {**mode, "big": 1000}
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    ensure_wrk()
    machine = describe_machine()
    print(json.dumps(machine, indent=2), flush=True)
    work = out / "work"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir()
    database_url = os.environ.get("TURNOUT_DATABASE_URL", "")
    if args.outbox_only:
        run_outbox_only(database_url, mode, work)
        return 0
    if database_url.startswith(("postgresql://", "postgres://")):
        run_postgres(database_url, mode, machine, out, work)
    else:
        run_sqlite(mode, machine, out, work)
    print(f"results in {out}/ (results.md, results.json, chart.png)")
    return 0


def run_sqlite(mode: dict[str, Any], machine: dict[str, Any], out: Path, work: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{work}/turnout.db", secret=SECRET)
    started = time.monotonic()
    seeded = asyncio.run(seed(settings, mode["big"]))
    ceiling_db = work / "ceiling.db"
    copy_sqlite(work / "turnout.db", ceiling_db)
    print(f"seeded {mode['big']:,} registrations in {time.monotonic() - started:.1f}s", flush=True)
    ceiling = [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        "bench.ceiling:from_env",
        "--port",
        "{port}",
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    ceiling_env = {
        "CEILING_DB": str(ceiling_db),
        "CEILING_TENANT": str(seeded.tenant_id),
        "CEILING_SECRET": SECRET,
        "CEILING_BASE_URL": PUBLIC_URL,
    }
    results: dict[str, dict[str, Any]] = {}
    env = turnout_env(settings.database_url)
    with (
        Server(turnout_command(1), env, work / "turnout.log") as turnout,
        Server(ceiling, ceiling_env) as ceiling_server,
        # The access log's pair: one fresh server, its log switched off and on (bench/logswitch.py),
        # so that neither side has served the scenarios above (a warm cache on one side only once
        # made the log look dearer) and both are the same process.
        Server(LOGSWITCH, env, work / "turnout-log.log") as switched,
    ):
        for scenario in SCENARIOS:
            alternate(
                [(turnout, "turnout"), (ceiling_server, "ceiling")], scenario, seeded, mode, results
            )
        access_log = measure_access_log(switched, seeded, mode)
        machine["turnout_rss_mb_at_end"] = turnout.rss_mb()
    # After the servers above stopped, so no dispatcher of theirs delivers the queued messages.
    hooks = measure_outbox(settings, seeded, mode, work / "turnout-outbox.log")
    report.write(out, machine, results, mode, access_log, hooks)
    print(report.table(results))
    print(report.access_log_line(access_log))
    print(report.outbox_line(hooks))
    print(f"turnout server RSS at the end: {machine['turnout_rss_mb_at_end']:.0f} MB")


def run_postgres(
    url: str, mode: dict[str, Any], machine: dict[str, Any], out: Path, work: Path
) -> None:
    from bench import postgres

    results: dict[str, dict[str, Any]] = {}
    with postgres.BenchDatabase(url) as db:
        started = time.monotonic()
        seeded = postgres.seed_postgres(db.url, mode["big"])
        print(
            f"seeded {mode['big']:,} registrations in {time.monotonic() - started:.1f}s", flush=True
        )
        env = turnout_env(db.url)
        # pgbench first, while no turnout server holds connections: its 64 clients and the two
        # servers' pools and key listeners (3 × 11) would pass PostgreSQL's default 100.
        pgbench = postgres.run_pgbench(db.url, seeded.tenant_id, mode["seconds"], CONNECTIONS, work)
        print(f"pgbench      new_upserts          {pgbench['rps']:9.0f} tps", flush=True)
        with (
            Server(turnout_command(1), env, work / "turnout-1w.log") as one,
            Server(turnout_command(2), env, work / "turnout-2w.log") as two,
        ):
            for scenario in SCENARIOS:
                alternate(
                    [(one, "turnout_1w"), (two, "turnout_2w")], scenario, seeded, mode, results
                )
            machine["turnout_1w_rss_mb_at_end"] = one.rss_mb()
            machine["turnout_2w_rss_mb_at_end"] = two.rss_mb()
        hooks = measure_outbox(
            Settings(database_url=db.url, secret=SECRET), seeded, mode, work / "turnout-outbox.log"
        )
        machine["postgres"] = postgres.server_version(db.url)
    report.write_postgres(out, machine, results, pgbench, mode, hooks)
    print(report.postgres_table(results, pgbench))
    print(report.outbox_line(hooks))


def run_outbox_only(database_url: str, mode: dict[str, Any], work: Path) -> None:
    if database_url.startswith(("postgresql://", "postgres://")):
        from bench import postgres

        with postgres.BenchDatabase(database_url) as db:
            seeded = postgres.seed_postgres(db.url, mode["big"])
            settings = Settings(database_url=db.url, secret=SECRET)
            print(report.outbox_line(measure_outbox(settings, seeded, mode, work / "outbox.log")))
        return
    settings = Settings(database_url=f"sqlite:///{work}/turnout.db", secret=SECRET)
    seeded = asyncio.run(seed(settings, mode["big"]))
    print(report.outbox_line(measure_outbox(settings, seeded, mode, work / "outbox.log")))


def measure_outbox(
    settings: Settings, seeded: Seeded, mode: dict[str, Any], log: Path
) -> dict[str, list[dict[str, Any]]]:
    """new_upserts with one subscribed endpoint beside none, alternated on one server (bench/outbox.py)."""
    hooked = asyncio.run(outbox.seed_hooked(settings, seeded))
    runs: dict[str, list[dict[str, Any]]] = {"none": [], "one": []}
    env = {**turnout_env(settings.database_url), **outbox.ENV}
    with Server(turnout_command(1), env, log) as server:
        pair = [("none", seeded), ("one", hooked)]
        for label, tenant in alternated(pair, mode["pair_rounds"]):
            found: dict[str, dict[str, Any]] = {}
            measure(server, f"outbox {label}", "new_upserts", tenant, mode, found)
            runs[label].append(found["new_upserts"][f"outbox {label}"])
    return runs


def alternate(
    servers: list[tuple[Server, str]],
    scenario: str,
    seeded: Seeded,
    mode: dict[str, Any],
    results: dict[str, dict[str, Any]],
) -> None:
    """`scenario` on each server `mode["rounds"]` times, back to back, the order swapped each round
    so that drift in the machine falls on every side alike; each side's run of median throughput
    is its result. One run each was once the method: a run of ten seconds on this host class could
    land 10% off its neighbours, enough to move a ratio across its target."""
    runs: dict[str, list[dict[str, Any]]] = {name: [] for _, name in servers}
    for server, name in alternated(servers, mode["rounds"]):
        found: dict[str, dict[str, Any]] = {}
        measure(server, name, scenario, seeded, mode, found)
        runs[name].append(found[scenario][name])
    for name, found_runs in runs.items():
        ordered = sorted(found_runs, key=lambda run: run["rps"])
        results.setdefault(scenario, {})[name] = ordered[(len(ordered) - 1) // 2]


def measure_access_log(
    server: Server, seeded: Seeded, mode: dict[str, Any]
) -> dict[str, list[dict[str, Any]]]:
    """new_upserts with the access log on and off on one server (bench/logswitch.py), in
    `mode["pair_rounds"]` pairs of neighbouring runs, the order swapped each time. Each run checks
    that the log grew exactly when it was on."""
    runs: dict[str, list[dict[str, Any]]] = {"on": [], "off": []}
    state = "on"  # as the server starts: turnout's default
    for name in alternated(["on", "off"], mode["pair_rounds"]):
        if name != state:
            server.proc.send_signal(signal.SIGUSR1)
            state = name
            time.sleep(0.2)  # the handler runs on the loop's next wake-up; the warm-up follows
        size = server.log.stat().st_size
        found: dict[str, dict[str, Any]] = {}
        measure(server, f"log {name}", "new_upserts", seeded, mode, found)
        if (server.log.stat().st_size > size) != (name == "on"):
            sys.exit(f"bench: the access log did not switch {name}; see {server.log}")
        runs[name].append(found["new_upserts"][f"log {name}"])
    return runs


def alternated(sides: list[T], rounds: int) -> list[T]:
    """`sides` in order, then reversed, and so on, `rounds` times: drift in the machine falls on
    every side alike, and a round's neighbouring runs make its pairs."""
    return [side for r in range(rounds) for side in (sides if r % 2 == 0 else sides[::-1])]


def turnout_command(workers: int) -> list[str]:
    return [sys.executable, "-m", "turnout", "serve", "--port", "{port}", "--workers", str(workers)]


def turnout_env(database_url: str) -> dict[str, str]:
    """turnout's defaults (access log on, synchronous=FULL), but for rate limits: one key drives
    the whole load. The public URL is the ceiling's too, so the next-page links are the same."""
    return {
        "TURNOUT_DATABASE_URL": database_url,
        "TURNOUT_SECRET": SECRET,
        "TURNOUT_PUBLIC_URL": PUBLIC_URL,
        "TURNOUT_RATE_LIMITS": "off",
    }


def measure(
    server: Server,
    name: str,
    scenario: str,
    seeded: Seeded,
    mode: dict[str, Any],
    results: dict[str, dict[str, Any]],
) -> None:
    run_wrk(server.url, scenario, seeded.key, seeded.deep_path, mode["warmup"])  # discarded
    cpu = server.cpu_seconds()
    result = run_wrk(server.url, scenario, seeded.key, seeded.deep_path, mode["seconds"])
    # The server's own CPU time per request: a second measure, much less sensitive than req/s to
    # what else the shared cores run.
    result["cpu_us"] = (server.cpu_seconds() - cpu) / max(result["requests"], 1) * 1e6
    results.setdefault(scenario, {})[name] = result
    print(
        f"{name:12} {scenario:20} {result['rps']:9.0f} req/s  p50 {result['p50_ms']:6.2f} ms"
        f"  p99 {result['p99_ms']:6.2f} ms  cpu {result['cpu_us']:5.0f} µs/req"
        f"  non-2xx {result['non_2xx']}",
        flush=True,
    )


def ensure_wrk() -> None:
    if shutil.which("wrk"):
        return
    print("bench: installing wrk from Debian's packages", file=sys.stderr)
    install = ["apt-get", "install", "-y", "-q", "wrk"]
    done = subprocess.run(install, capture_output=True, text=True, check=False)
    if done.returncode != 0:  # a new machine may have no package lists yet
        subprocess.run(["apt-get", "update", "-q"], capture_output=True, check=False)
        done = subprocess.run(install, capture_output=True, text=True, check=False)
    if done.returncode != 0 or not shutil.which("wrk"):
        sys.exit(
            "bench: wrk is needed; install it with `apt-get install wrk` (as root) and run again"
        )


def copy_sqlite(source: Path, target: Path) -> None:
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    with dst:
        src.backup(dst)
    src.close()
    dst.close()


class Server:
    """A server process on a free port, stopped (SIGTERM) on exit."""

    def __init__(self, command: list[str], env: dict[str, str], log: Path | None = None) -> None:
        from tests.live import free_port

        self.port = free_port()
        # Where its stderr goes: turnout's access log is on, as by default.
        self.log = log or ROOT / "bench" / "out" / f"server-{self.port}.log"
        self.url = f"http://127.0.0.1:{self.port}"
        self.command = [part.format(port=self.port) for part in command]
        self.env = {**os.environ, **env}

    def __enter__(self) -> Server:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("ab") as stderr:
            self.proc = subprocess.Popen(
                self.command, env=self.env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=stderr
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                httpx.get(self.url + "/v1/bookable_events/e0", timeout=1)
                return self
            except httpx.TransportError:
                if self.proc.poll() is not None:
                    sys.exit(
                        f"bench: {self.command} exited with {self.proc.returncode}; see {self.log}"
                    )
                time.sleep(0.1)
        sys.exit(f"bench: {self.command} did not start")

    def rss_mb(self) -> float:
        """Resident memory of the server and its worker processes, in MB."""
        pids = [self.proc.pid, *_children(self.proc.pid)]
        total = 0
        for pid in pids:
            status = Path(f"/proc/{pid}/status").read_text()
            total += int(re.search(r"VmRSS:\s+(\d+)", status).group(1))  # type: ignore[union-attr]
        return total / 1024

    def cpu_seconds(self) -> float:
        """User + system CPU time of the server and its worker processes so far."""
        total = 0
        for pid in [self.proc.pid, *_children(self.proc.pid)]:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
        return total / os.sysconf("SC_CLK_TCK")

    def __exit__(self, *_: object) -> None:
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def _children(pid: int) -> list[int]:
    found = Path(f"/proc/{pid}/task/{pid}/children")
    kids = [int(p) for p in found.read_text().split()] if found.exists() else []
    return kids + [grandchild for kid in kids for grandchild in _children(kid)]


def run_wrk(
    url: str,
    scenario: str,
    key: str,
    deep_path: str,
    seconds: int,
    script: Path = ROOT / "bench" / "wrk.lua",
    *,
    pin: str = "",
) -> dict[str, Any]:
    """wrk on `script` (its arguments: scenario, a nonce, `key`, `deep_path`); its RESULT line.
    `pin`: the CPUs wrk may use (taskset -c), else any."""
    nonce = f"{scenario}{time.monotonic_ns()}"
    command = [
        *(["taskset", "-c", pin] if pin else []),
        "wrk",
        f"-t{THREADS}",
        f"-c{CONNECTIONS}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "-s",
        str(script),
        url,
        "--",
        scenario,
        nonce,
        key,
        deep_path,
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60, check=True)
    line = next(x for x in done.stdout.splitlines() if x.startswith("RESULT "))
    raw = json.loads(line.removeprefix("RESULT "))
    return {
        "rps": raw["requests"] / (raw["duration_us"] / 1e6),
        "p50_ms": raw["p50_us"] / 1000,
        "p99_ms": raw["p99_us"] / 1000,
        "requests": raw["requests"],
        "non_2xx": raw["non_2xx"],
        "socket_errors": raw["socket_errors"],
    }


def describe_machine() -> dict[str, Any]:
    from importlib.metadata import version

    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))  # type: ignore[union-attr]
    wrk = subprocess.run(
        ["wrk", "--version"], capture_output=True, text=True, check=False
    ).stdout.split("\n")[0]
    return {
        "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(memory / 2**20, 1),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "packages": {
            p: version(p)
            for p in ("starlette", "uvicorn", "uvloop", "httptools", "msgspec", "asyncpg")
        },
        "wrk": wrk.strip(),
        "load": f"wrk -t{THREADS} -c{CONNECTIONS}, loopback, sharing the cores with the server",
    }


if __name__ == "__main__":
    sys.exit(main())
