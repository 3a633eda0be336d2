"""The PostgreSQL half of `make bench`: turnout (1 and 2 workers) beside pgbench on the same server.

pgbench runs the statement turnout sends for a new registration — one call of the write function,
which also returns the first page and takes the write's webhook messages (none subscribed here) —
from as many clients as wrk has connections: the ceiling is the
database doing turnout's work with no turnout in front of it.
"""

from __future__ import annotations

import asyncio
import re
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import asyncpg

from bench.seed import Seeded, seed
from turnout.config import Settings

DEFAULT_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"

PGBENCH_SCRIPT = """\\set n random(0, 99)
\\set id random(1, 2000000000)
SELECT o_outcome, o_event, o_seq, o_current::text, o_page::text FROM turnout_write_registration(
  (SELECT pk FROM events WHERE tenant_id = :tenant AND id = 'e' || :n::text), 'confirmed',
  'pgb' || :id::text, 0, 'accepted', 0, '{"email":"x@example.org","name":"P"}', 'x@example.org',
  NULL, 0, NULL, 0, 0, ARRAY[0,0,1,0,0,0,1,0]::bigint[], false, NULL, true, true, 50,
  ARRAY['registration.created']::text[],
  ARRAY[concat('registration', chr(58), 'e', :n::text, chr(58), 'pgb', :id::text)]::text[],
  ARRAY['msg_pgb' || :id::text]::text[],
  ARRAY[json_build_object('type', 'registration.created', 'data', 'none')::text]::text[],
  'msg_full' || :id::text);
"""
# (No colon inside a literal above: pgbench would read ":name" there as one of its variables.)


async def _admin(url: str, sql: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


class BenchDatabase:
    """A fresh database on the server `url` names, dropped afterwards: the bench never touches yours."""

    def __init__(self, url: str) -> None:
        self.admin_url = url
        self.name = "turnout_bench_" + secrets.token_hex(4)
        self.url = url.rsplit("/", 1)[0] + "/" + self.name

    def __enter__(self) -> BenchDatabase:
        asyncio.run(_admin(self.admin_url, f"CREATE DATABASE {self.name}"))
        return self

    def __exit__(self, *_: object) -> None:
        asyncio.run(_admin(self.admin_url, f"DROP DATABASE {self.name} WITH (FORCE)"))


def seed_postgres(url: str, big: int) -> Seeded:
    settings = Settings(database_url=url, secret="b" * 64)
    return asyncio.run(seed(settings, big))


def run_pgbench(url: str, tenant_id: int, seconds: int, clients: int, work: Path) -> dict[str, Any]:
    script = work / "pgbench.sql"
    script.write_text(PGBENCH_SCRIPT)
    command = [
        "pgbench",
        "-n",
        "-M",
        "prepared",
        "-c",
        str(clients),
        "-j",
        "2",
        "-T",
        str(seconds),
        "-D",
        f"tenant={tenant_id}",
        "-f",
        str(script),
        "-d",
        url,
    ]
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=seconds + 120, check=False
    )
    if done.returncode != 0:
        sys.exit(f"bench: pgbench failed:\n{done.stderr}")
    tps = float(re.search(r"tps = ([\d.]+)", done.stdout).group(1))  # type: ignore[union-attr]
    latency = float(re.search(r"latency average = ([\d.]+) ms", done.stdout).group(1))  # type: ignore[union-attr]
    return {"rps": tps, "latency_avg_ms": latency}


def server_version(url: str) -> str:
    async def ask() -> str:
        conn = await asyncpg.connect(url)
        try:
            return str(await conn.fetchval("SHOW server_version"))
        finally:
            await conn.close()

    return asyncio.run(ask())
