"""What turnout's connection layer (src/turnout/connections.py) costs per request: a trivial ASGI
app served by uvicorn's httptools protocol and by GuardedProtocol, side by side, each timed over
sequential keep-alive requests in alternating rounds; the minimum round of each is compared.

    .venv/bin/python -m bench.protocol
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from typing import Any

ROUNDS, REQUESTS = 16, 1500


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "http":
        await send(
            {"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"2")]}
        )
        await send({"type": "http.response.body", "body": b"{}"})


def serve(port: int, kind: str) -> None:
    import uvicorn

    from turnout import connections
    from turnout.config import Settings

    quiet: dict[str, Any] = {"log_level": "warning", "access_log": False, "lifespan": "off"}
    if kind == "guarded":
        config = connections.config(app, Settings(port=port, secret="s" * 32), **quiet)
    else:
        config = uvicorn.Config(app, port=port, http="httptools", **quiet)
    uvicorn.Server(config).run()


def _start(port: int, kind: str) -> subprocess.Popen[bytes]:
    process = subprocess.Popen([sys.executable, "-m", "bench.protocol", "serve", str(port), kind])
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port)).close()
            return process
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"the {kind} server did not start")


def _microseconds_per_request(port: int) -> float:
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        started = time.perf_counter()
        for _ in range(REQUESTS):
            sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            answer = b""
            while not answer.endswith(b"{}"):
                answer += sock.recv(4096)
        return (time.perf_counter() - started) / REQUESTS * 1e6


def main() -> None:
    from tests.live import free_port

    ports = {"httptools": free_port(), "guarded": free_port()}
    servers = [_start(port, kind) for kind, port in ports.items()]
    try:
        rounds: dict[str, list[float]] = {kind: [] for kind in ports}
        for _ in range(ROUNDS):
            for kind, port in ports.items():
                rounds[kind].append(_microseconds_per_request(port))
    finally:
        for server in servers:
            server.terminate()
    best = {kind: min(times) for kind, times in rounds.items()}
    print(f"uvicorn httptools: {best['httptools']:.1f} µs per request (best of {ROUNDS} rounds)")
    print(f"GuardedProtocol:   {best['guarded']:.1f} µs per request")
    print(f"cost: {best['guarded'] - best['httptools']:.1f} µs per request")


if __name__ == "__main__":
    if sys.argv[1:2] == ["serve"]:
        serve(int(sys.argv[2]), sys.argv[3])
    else:
        main()
