"""CAP-6: SQLite write contention from other processes is a success or a 503, never a 500.

10 client processes make 50 mixed writes each against one server, all at once, while other
processes use the database: `turnout migrate` (twice; with nothing to apply it takes no write
lock), and a stand-in for a long migration that holds BEGIN IMMEDIATE until a write of the test's
own has waited out the server's 5 s busy timeout and been turned away with a 503. Every answer must be a success, a documented refusal, or a 503
with Retry-After; none may be a 500 or mention the lock.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from subprocess import DEVNULL, PIPE
from typing import Any

from tests.builders import make_event
from tests.cronofy_errors import cronofy_body
from tests.live import make_tenant
from tests.processes import ServerProcess

CLIENTS, WRITES = 10, 50

# Holds the write lock until told to let go (a line on stdin), as a long migration would.
LONG_MIGRATION = """
import sqlite3, sys
db = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)
db.execute("BEGIN IMMEDIATE")
db.execute("CREATE TABLE cap6_migration (x INTEGER)")
print("locked", flush=True)
sys.stdin.readline()
db.execute("ROLLBACK")
"""


def test_sqlite_contention_answers_success_or_503_never_500(tmp_path: Path) -> None:
    path = tmp_path / "turnout.db"
    with (
        ServerProcess(f"sqlite:///{path}", str(tmp_path)) as server,
        make_tenant(server) as tenant,  # type: ignore[arg-type]
        contextlib.ExitStack() as processes,
        ThreadPoolExecutor(1) as pool,
    ):

        def spawn(*command: str, **options: Any) -> subprocess.Popen[str]:
            process = subprocess.Popen(command, text=True, **options)
            processes.callback(process.kill)  # nothing outlives the test, even when it fails
            return process

        make_event(tenant.http, "shared", capacity=100)
        # The long migration first: once the writes are under way, the server's back-to-back
        # batches leave it no gap to take the lock in.
        holder = spawn(sys.executable, "-c", LONG_MIGRATION, str(path), stdin=PIPE, stdout=PIPE)
        assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
        # This write waits out the busy timeout (5 s) behind the lock, and must be turned away.
        # It goes first: each write that waits holds up the whole server for those 5 s.
        probe = pool.submit(
            tenant.http.post,
            "/v1/bookable_events/shared/registrations",
            json={"registration_id": "probe", "status": "accepted"},
        )
        time.sleep(0.2)
        client = [sys.executable, "-m", "tests.contention_client", server.url, tenant.key]
        clients = [spawn(*client, str(n), str(WRITES), stdout=PIPE) for n in range(CLIENTS)]
        migrate = [sys.executable, "-m", "turnout", "migrate"]
        migrations = [spawn(*migrate, env=server.env, stdout=DEVNULL) for _ in range(2)]
        answer = probe.result(timeout=30)
        holder.communicate("go\n", timeout=30)
        assert holder.returncode == 0
        answers = [
            json.loads(line) for c in clients for line in c.communicate(timeout=120)[0].splitlines()
        ]
        assert all(m.wait(timeout=30) == 0 for m in migrations)
    assert (answer.status_code, answer.headers.get("retry-after"), cronofy_body(answer)) == (
        503,
        "1",
        {},
    )
    statuses = Counter(a[0] for a in answers)
    assert len(answers) == CLIENTS * WRITES
    assert set(statuses) <= {200, 422, 503}, statuses  # 422: the shared event is full
    assert all(a[1] for a in answers if a[0] == 503), "every 503 has Retry-After"
    assert not any(a[2] for a in answers), "a body mentions the database or a lock"
