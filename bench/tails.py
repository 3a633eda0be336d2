"""Where a request's latency goes, for turnout and the ceiling, scenario by scenario under wrk.

    python -m bench.tails [--scenario event_read ...] [--seconds 4] [--pin] [--loop uvloop]

Each server runs inside this module (`python -m bench.tails serve|ceiling PORT ...`), which records,
with wall-clock stamps: each request's span in the server (from the parser's first callback to the
response's end, uvicorn's httptools protocol), the event loop's lag (a 5 ms sleep's overshoot) and
every cyclic-GC pause. Beside wrk's p50/p99, it prints those over the measured window and the
server's involuntary context switches (preemption), so a long tail can be told apart: time in the
server's code, a blocked loop, a GC pause, or time outside the server (before it reads a request,
or in the kernel and wrk). It also prints how long the server took to accept wrk's connections
(from the first one's `connection_made` to the last's): wrk opens all of them at once, and a request
waits in its socket until the server has accepted it. `--pin`: the server on CPU 1 and wrk on CPU 0
(taskset). `--loop`: the event loop both servers run on, `asyncio` or plain `uvloop` (turnout's
default is uvloop with its own accept, connections.EagerLoop: plain uvloop accepted one connection
per loop iteration under load). SQLite only.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.run import PUBLIC_URL, SECRET, Server, copy_sqlite, ensure_wrk, run_wrk, turnout_env
from bench.seed import seed
from turnout.config import Settings

Event = tuple[str, float, float]  # (kind, wall-clock start, milliseconds)


def serve(argv: list[str]) -> None:
    """Run a server with the recording above; the events go to $TAILS_FILE when it stops."""
    import uvicorn
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    events: list[Event] = []
    gc_started = [0.0]

    def on_gc(phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            gc_started[0] = time.time()
        else:
            events.append((f"gc{info['generation']}", gc_started[0], _ms_since(gc_started[0])))

    gc.callbacks.append(on_gc)
    protocol: Any = HttpToolsProtocol
    if argv[0] == "serve":
        from turnout.connections import GuardedProtocol

        protocol = GuardedProtocol
    began, completed = protocol.on_message_begin, protocol.on_response_complete
    made = protocol.connection_made

    def connection_made(self: Any, transport: Any) -> None:
        events.append(("accept", time.time(), 0.0))
        made(self, transport)

    def on_message_begin(self: Any) -> None:
        self.tails_began = time.time()
        began(self)

    def on_response_complete(self: Any) -> None:
        events.append(("span", self.tails_began, _ms_since(self.tails_began)))
        completed(self)

    protocol.on_message_begin, protocol.on_response_complete = (
        on_message_begin,
        on_response_complete,
    )
    protocol.connection_made = connection_made
    loop = os.environ.get("TAILS_LOOP")
    if loop:  # both servers build their Config inside this process: make it take this loop
        config_init = uvicorn.Config.__init__

        def on_loop(config: Any, *args: Any, **kwargs: Any) -> None:
            config_init(config, *args, **{**kwargs, "loop": loop})

        uvicorn.Config.__init__ = on_loop  # type: ignore[method-assign]
    inner = uvicorn.Server._serve

    async def instrumented(self: Any, sockets: Any = None) -> None:
        async def lag() -> None:
            while True:
                at = time.time()
                await asyncio.sleep(0.005)
                events.append(("lag", at, _ms_since(at) - 5))

        watch = asyncio.get_running_loop().create_task(lag())
        await inner(self, sockets)
        watch.cancel()
        # Before uvicorn re-raises the SIGTERM it caught, which would end the process at once.
        Path(os.environ["TAILS_FILE"]).write_text(json.dumps(events))

    uvicorn.Server._serve = instrumented  # type: ignore[method-assign]
    if argv[0] == "ceiling":
        uvicorn.run("bench.ceiling:from_env", factory=True, port=int(argv[1]), log_level="warning")
        return
    from turnout.__main__ import main

    sys.argv = ["turnout", "serve", "--port", argv[1]]
    sys.exit(main())


def _ms_since(at: float) -> float:
    return (time.time() - at) * 1e3


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] in ("serve", "ceiling"):
        serve(sys.argv[1:])
        return 0
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scenario", action="append", help="a bench scenario (repeatable)")
    parser.add_argument("--seconds", type=int, default=4)
    parser.add_argument("--pin", action="store_true", help="server on CPU 1, wrk on CPU 0")
    parser.add_argument("--loop", choices=("asyncio", "uvloop"), help="both servers' event loop")
    args = parser.parse_args()
    ensure_wrk()
    with tempfile.TemporaryDirectory(prefix="turnout-tails-") as tmp:
        work = Path(tmp)
        settings = Settings(database_url=f"sqlite:///{work}/turnout.db", secret=SECRET)
        seeded = asyncio.run(seed(settings, 1000))
        copy_sqlite(work / "turnout.db", work / "ceiling.db")
        env = {
            **turnout_env(settings.database_url),
            "CEILING_DB": str(work / "ceiling.db"),
            "CEILING_TENANT": str(seeded.tenant_id),
            "CEILING_SECRET": SECRET,
            "CEILING_BASE_URL": PUBLIC_URL,
            **({"TAILS_LOOP": args.loop} if args.loop else {}),
        }
        pin = ["taskset", "-c", "1"] if args.pin else []
        for scenario in args.scenario or ["event_read"]:
            for name in ("serve", "ceiling"):
                record = work / f"{name}-{scenario}.json"
                command = [*pin, sys.executable, "-m", "bench.tails", name, "{port}"]
                with Server(command, {**env, "TAILS_FILE": str(record)}, work / "log") as server:
                    run_wrk(server.url, scenario, seeded.key, seeded.deep_path, 1)  # warm-up
                    switches, started = _involuntary(server.proc.pid), time.time()
                    result = run_wrk(
                        server.url,
                        scenario,
                        seeded.key,
                        seeded.deep_path,
                        args.seconds,
                        pin="0" if args.pin else "",
                    )
                    ended, switches = time.time(), _involuntary(server.proc.pid) - switches
                events = [e for e in json.loads(record.read_text()) if started <= e[1] <= ended]
                # uvicorn's own pick for the ceiling (uvloop, installed with uvicorn[standard])
                loop = args.loop or ("uvloop, eager accept" if name == "serve" else "uvloop")
                label = "turnout" if name == "serve" else "ceiling"
                _report(label, scenario, result, events)
                print(f"  event loop: {loop}", flush=True)
                print(f"  involuntary context switches: {switches:,}", flush=True)
    return 0


def _involuntary(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("nonvoluntary_ctxt_switches:"):
            return int(line.split()[1])
    return 0


def _report(name: str, scenario: str, result: dict[str, Any], events: list[Event]) -> None:
    print(
        f"{name:8} {scenario:16} wrk p50 {result['p50_ms']:7.1f}  p99 {result['p99_ms']:7.1f} ms"
        f"  ({result['rps']:,.0f} req/s)"
    )
    for kind, label in (("span", "request in the server"), ("lag", "event-loop lag")):
        found = sorted(e[2] for e in events if e[0] == kind)
        if found:
            p50, p99 = found[len(found) // 2], found[int(len(found) * 0.99)]
            print(f"  {label:22} p50 {p50:7.2f}  p99 {p99:7.2f}  max {found[-1]:7.1f} ms")
    accepted = [e[1] for e in events if e[0] == "accept"]
    if accepted:
        spread = (max(accepted) - min(accepted)) * 1e3
        print(f"  {len(accepted)} connections accepted over {spread:.1f} ms")
    for generation in ("gc0", "gc1", "gc2"):
        pauses = [e[2] for e in events if e[0] == generation]
        if pauses:
            print(
                f"  {generation} pauses: {len(pauses)}, {sum(pauses):.1f} ms, max {max(pauses):.1f}"
            )


if __name__ == "__main__":
    raise SystemExit(main())
