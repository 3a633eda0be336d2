"""The benchmark's outbox pair (bench/outbox.py) measures what it says: the hooked tenant's writes
each queue one message, the seeded tenant's none, and with the pair's environment the server
delivers nothing while it runs (so delivery takes no CPU from the measurement)."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from pathlib import Path

import httpx
from bench import outbox
from bench.run import alternated
from bench.seed import Seeded, seed

from tests.live import SECRET, LiveServer
from turnout.config import Settings

WRITES = 5


def _post_new(url: str, tenant: Seeded, prefix: str) -> None:
    """As bench/wrk.lua's new_upserts does."""
    headers = {"Authorization": f"Bearer {tenant.key}"}
    for n in range(WRITES):
        body = {"registration_id": f"{prefix}{n}", "status": "accepted", "metadata": {"name": "P"}}
        r = httpx.post(f"{url}/v1/bookable_events/e{n}/registrations", json=body, headers=headers)
        assert r.status_code in (200, 202), r.text


def _attempts(db: Path, tenant_id: int) -> list[int]:
    """Each queued message's delivery attempts so far."""
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT d.attempts FROM webhook_deliveries d JOIN webhook_endpoints w"
            " ON w.pk = d.endpoint_pk WHERE w.tenant_id = ?",
            (tenant_id,),
        ).fetchall()
    return [attempts for (attempts,) in rows]


def test_pair_queues_for_the_hooked_tenant_only_and_delivers_nothing(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/turnout.db"
    env = {"TURNOUT_DATABASE_URL": url, "TURNOUT_SECRET": SECRET, "TURNOUT_RATE_LIMITS": "off"}
    settings = Settings.from_env({**env, **outbox.ENV})
    seeded = asyncio.run(seed(settings, 10))
    hooked = asyncio.run(outbox.seed_hooked(settings, seeded))
    with LiveServer(settings) as server:
        for label, tenant in alternated([("none", seeded), ("one", hooked)], 1):
            _post_new(server.url, tenant, label)
        time.sleep(1.5)  # a dispatcher, were one running, would have claimed by now
    assert _attempts(tmp_path / "turnout.db", seeded.tenant_id) == []
    assert _attempts(tmp_path / "turnout.db", hooked.tenant_id) == [0] * WRITES
