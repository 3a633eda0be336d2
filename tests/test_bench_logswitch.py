"""bench/logswitch.py, the server of make bench's access-log pair: it starts with the log on, as
turnout does by default, and each SIGUSR1 switches the log off, then on again."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import httpx
from bench.run import LOGSWITCH, Server

from tests.live import SECRET


def _lines_after(server: Server, requests: int) -> int:
    """How many lines the server's stderr gained over `requests` requests."""
    before = _written(server)
    for _ in range(requests):
        httpx.get(f"{server.url}/v1/bookable_events/e0", timeout=5)
    return _written(server) - before


def _written(server: Server) -> int:
    time.sleep(0.2)  # lines reach stderr within accesslog.FLUSH_AFTER of being made
    return server.log.read_text().count("\n")


def test_sigusr1_switches_the_access_log_off_and_on(tmp_path: Path) -> None:
    env = {
        "TURNOUT_DATABASE_URL": f"sqlite:///{tmp_path}/turnout.db",
        "TURNOUT_SECRET": SECRET,
        "TURNOUT_RATE_LIMITS": "off",
    }
    with Server(LOGSWITCH, env, tmp_path / "stderr.log") as server:
        assert _lines_after(server, 5) == 5
        server.proc.send_signal(signal.SIGUSR1)
        time.sleep(0.2)  # as bench.run waits
        assert _lines_after(server, 5) == 0
        server.proc.send_signal(signal.SIGUSR1)
        time.sleep(0.2)
        assert _lines_after(server, 5) == 5
        log = server.log.read_text().splitlines()
    assert log[-1].startswith("GET /v1/bookable_events/e0 401 ")
