"""What the access log (src/turnout/accesslog.py) costs per request, in process: `AccessLog` around
a trivial ASGI app, with the log on and off in alternating rounds, lines written to a file as the
server's stderr would be; CPU time per request, the best round of each.

    python -m bench.accesslog [--base REV] [--per-turn 1] [--rounds 5]

With `--base`, the same measure runs on `git archive REV` too (bench/versus.py), each in a process
of its own, alternated, so that a change to the log is measured before and after in one command.
`--per-turn N` finishes N requests per loop turn. Since 12ce932 the lines are written within
accesslog.FLUSH_AFTER (2 ms), not at each turn's end, so several turns' lines can share a write and
this figure no longer depends on N as it did; a server's loop is not measured here at all (make
bench's access-log pair is: bench/logswitch.py).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
REQUESTS = 20_000


async def app(scope: Any, receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"{}"})


async def receive() -> dict[str, Any]:
    return {"type": "http.request", "body": b""}


async def send(message: Any) -> None:
    pass


async def requests(wrapped: Any, per_turn: int) -> None:
    for _ in range(REQUESTS // per_turn):
        scopes = [
            {"type": "http", "method": "GET", "path": "/v1/bookable_events/e42", "state": {}}
            for _ in range(per_turn)
        ]
        for scope in scopes:
            scope["state"]["tenant"] = "bench"
        await asyncio.gather(*(wrapped(scope, receive, send) for scope in scopes))
        await asyncio.sleep(0)  # the turn ends (its lines are written within FLUSH_AFTER)


def measure(per_turn: int, rounds: int) -> dict[str, float]:
    """µs of CPU per request with the log on and off (the best of `rounds` each)."""
    from turnout import accesslog

    accesslog.configure(True)
    wrapped = accesslog.AccessLog(app)
    best = {"on": float("inf"), "off": float("inf")}
    for _ in range(rounds):
        for state, level in (("on", logging.INFO), ("off", logging.WARNING)):
            accesslog.log.setLevel(level)
            started = time.process_time()
            asyncio.run(requests(wrapped, per_turn))
            spent = (time.process_time() - started) / REQUESTS * 1e6
            best[state] = min(best[state], spent)
    return best


def child(per_turn: int, rounds: int, stderr: Path, src: Path) -> dict[str, float]:
    command = [sys.executable, "-m", "bench.accesslog", "--child", "--per-turn", str(per_turn)]
    env = {**os.environ, "PYTHONPATH": str(src)}
    with stderr.open("ab") as lines:
        done = subprocess.run(
            [*command, "--rounds", str(rounds)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=lines,
            check=True,
        )
    result: dict[str, float] = json.loads(done.stdout)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--base", help="a git revision to measure beside the working tree")
    parser.add_argument("--per-turn", type=int, default=1, help="requests per event-loop turn")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.per_turn, args.rounds)))
        return 0
    from bench.versus import unpack

    with tempfile.TemporaryDirectory(prefix="turnout-accesslog-") as tmp:
        sides = {"tree": ROOT / "src"}
        if args.base:
            sides = {"base": unpack(args.base, Path(tmp) / "base"), **sides}
        best: dict[str, dict[str, float]] = {}
        for _ in range(args.rounds):  # alternated, one measuring round per process
            for name, src in sides.items():
                found = child(args.per_turn, 1, Path(tmp) / "stderr.log", src)
                mine = best.setdefault(name, {"on": float("inf"), "off": float("inf")})
                for state in ("on", "off"):
                    mine[state] = min(mine[state], found[state])
    print(f"{REQUESTS:,} requests, {args.per_turn} per turn; best of {args.rounds} rounds")
    for name, found in best.items():
        print(
            f"{name:5} log on {found['on']:6.2f} µs/request, off {found['off']:6.2f},"
            f" the log {found['on'] - found['off']:5.2f} µs"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
