"""`make bench` (also `python -m bench.nhub [--quick] [--postgres URL]`): the Notification Hubs
surface beside its ceiling (bench/nhub_ceiling.py: the same SQL, XML parsing and rendering in a raw
ASGI app), on SQLite and, given a server, PostgreSQL, scenario by scenario in one run:

- nh_create: `POST /{hub}/registrations`, a new Apple registration each time;
- nh_upsert: `PUT /{hub}/registrations/{new id}` (the create-or-update the SDKs use);
- nh_by_tag: the first page (`$top=100`) of a by-tag list on a hub of 1,000,000 registrations;
- nh_by_channel: a by-channel list (`$filter=DeviceToken eq '…'`) on that hub.

The million registrations (and their tags, one of 1,000 per registration) are seeded by one SQL
statement each, then the database is copied for the ceiling. wrk drives both over loopback with a
SAS token made as the JS SDK makes it; the ratio is turnout's req/s over the ceiling's.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import hmac
import json
import os
import shutil
import sqlite3
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

import asyncpg
import httpx

from bench import report
from bench.run import (
    ROOT,
    Server,
    copy_sqlite,
    describe_machine,
    ensure_wrk,
    run_wrk,
    turnout_command,
    turnout_env,
)
from turnout.config import Settings
from turnout.core import hub_admin, times
from turnout.core.hubs import KeySeal
from turnout.store import open_store
from turnout.store.hubs import hub_store

SCENARIOS = ["nh_create", "nh_upsert", "nh_by_tag", "nh_by_channel"]
MODES = {"quick": {"warmup": 1, "seconds": 3}, "full": {"warmup": 2, "seconds": 10}}
BIG = 1_000_000
TAGS = 1_000

# One statement: BIG registrations of the big hub, each with its own Apple token as the handle.
SEED_DEVICES = """
INSERT INTO hub_devices (hub_id, kind, id, version, platform, handle, body, created_at, updated_at)
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :count)
SELECT :hub, 'registration', 'seed-' || i, 1, 'Apple', printf('%064X', i),
       '["Apple", false, ["t' || (i % :tags) || '"], null, [["DeviceToken", "'
       || printf('%064X', i) || '"]]]', :now, :now
FROM n
"""
# The same on PostgreSQL: lpad(upper(to_hex(i)), 64, '0') is SQLite's printf('%064X', i).
PG_SEED_DEVICES = """
INSERT INTO hub_devices (hub_id, kind, id, version, platform, handle, body, created_at, updated_at)
SELECT $1, 'registration', 'seed-' || i, 1, 'Apple', lpad(upper(to_hex(i)), 64, '0'),
       '["Apple", false, ["t' || (i % $2) || '"], null, [["DeviceToken", "'
       || lpad(upper(to_hex(i)), 64, '0') || '"]]]', $3, $3
FROM generate_series(1, $4) AS i
"""
PG_SEED_TAGS = """
INSERT INTO hub_device_tags (hub_id, tag, device_pk)
SELECT hub_id, 't' || (substr(id, 6)::bigint % $2), pk FROM hub_devices WHERE hub_id = $1
"""
SEED_TAGS = """
INSERT INTO hub_device_tags (hub_id, tag, device_pk)
SELECT hub_id, 't' || (CAST(substr(id, 6) AS INTEGER) % :tags), pk FROM hub_devices WHERE hub_id = :hub
"""

# wrk.lua (loaded first) supplies done(), which prints the RESULT line run_wrk reads.
WRK = r"""
dofile("{wrk_lua}")
local counter = 0
local scenario, nonce, hubs, small, big
function setup(thread) thread:set("thread_id", math.random(1, 1000000)) end
function init(args)
  scenario, nonce = args[1], args[2]
  wrk.headers["Authorization"] = args[3]
  small, big = args[4]:match("([^,]+),([^,]+)")
  math.randomseed(os.time() + (thread_id or 0))
end
local function entry(token)
  return '<entry xmlns="http://www.w3.org/2005/Atom"><content type="application/xml">'
    .. '<AppleRegistrationDescription xmlns="http://schemas.microsoft.com/netservices/2010/10/servicebus/connect">'
    .. '<Tags>bench,user:' .. counter .. '</Tags><DeviceToken>' .. token .. '</DeviceToken>'
    .. '</AppleRegistrationDescription></content></entry>'
end
request = function()
  counter = counter + 1
  local token = string.format("%064x", counter)
  if scenario == "nh_create" then
    return wrk.format("POST", "/" .. small .. "/registrations?api-version=2020-06", nil, entry(token))
  elseif scenario == "nh_upsert" then
    local id = string.format("%s-%d-%d", nonce, thread_id or 0, counter)
    return wrk.format("PUT", "/" .. small .. "/registrations/" .. id .. "?api-version=2020-06", nil, entry(token))
  elseif scenario == "nh_by_tag" then
    local tag = "t" .. math.random(0, 999)
    return wrk.format("GET", "/" .. big .. "/tags/" .. tag .. "/registrations?api-version=2020-06&$top=100")
  elseif scenario == "nh_by_channel" then
    local handle = string.format("%064X", math.random(1, 1000000))
    return wrk.format("GET", "/" .. big .. "/registrations?api-version=2020-06&$filter=DeviceToken%20eq%20%27" .. handle .. "%27")
  end
  error("unknown scenario " .. tostring(scenario))
end
"""


async def prepare(settings: Settings, names: tuple[str, str]) -> tuple[int, str, str]:
    """A tenant with the two hubs; (tenant id, full-rights key name, its key) of the small one…
    and a namespace-wide rule, so one token serves both hubs."""
    store = await open_store(settings)
    try:
        await store.migrate()
        tenant = await store.create_tenant("bench", times.now())
        hubs = hub_store(store, KeySeal(settings.server_secret()), 3600)
        for name in names:
            await hub_admin.create_hub(hubs, tenant.id, name, None, None, times.now())
        rights = frozenset({"listen", "send", "manage"})
        key = await hub_admin.create_rule(hubs, tenant.id, None, "bench-all", rights, times.now())
        return tenant.id, "bench-all", key
    finally:
        await store.close()


def seed(database_url: str, tenant_id: int, big: str) -> None:
    """BIG registrations of the hub `big`, and their tags: one statement each."""
    if database_url.startswith("postgresql://"):
        asyncio.run(_seed_postgres(database_url, tenant_id, big))
        return
    db = sqlite3.connect(database_url.removeprefix("sqlite:///"), isolation_level=None)
    hub_id = db.execute(
        "SELECT id FROM hubs WHERE tenant_id = ? AND name_key = ?", (tenant_id, big)
    ).fetchone()[0]
    args = {"count": BIG, "hub": hub_id, "tags": TAGS, "now": int(time.time())}
    db.execute("BEGIN")
    db.execute(SEED_DEVICES, args)
    db.execute(SEED_TAGS, args)
    db.execute("UPDATE hubs SET device_count = :count WHERE id = :hub", args)
    db.execute("COMMIT")
    db.execute("ANALYZE")
    db.close()


async def _seed_postgres(url: str, tenant_id: int, big: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        find = "SELECT id FROM hubs WHERE tenant_id = $1 AND name_key = $2"
        hub_id = await conn.fetchval(find, tenant_id, big)
        async with conn.transaction():
            await conn.execute(PG_SEED_DEVICES, hub_id, TAGS, int(time.time()), BIG)
            await conn.execute(PG_SEED_TAGS, hub_id, TAGS)
            await conn.execute("UPDATE hubs SET device_count = $1 WHERE id = $2", BIG, hub_id)
        await conn.execute("ANALYZE")
    finally:
        await conn.close()


def sas(url: str, name: str, key: str) -> str:
    """A token as the JS SDK makes it: `sr` the endpoint, lower-cased and percent-encoded."""
    sr = quote(url.lower() + "/", safe="")
    se = str(int(time.time()) + 86400)
    digest = hmac.new(key.encode(), f"{sr}\n{se}".encode(), hashlib.sha256).digest()
    sig = quote(base64.b64encode(digest).decode(), safe="")
    return f"SharedAccessSignature sr={sr}&sig={sig}&se={se}&skn={name}"


def check_reads(url: str, token: str, big: str) -> None:
    """Both servers find what the read scenarios ask for, so neither measures empty answers."""
    auth = {"Authorization": token}
    by_tag = httpx.get(f"{url}/{big}/tags/t7/registrations?$top=100", headers=auth)
    assert by_tag.status_code == 200 and by_tag.text.count("<entry") == 100, by_tag.text[:300]
    channel = f"{url}/{big}/registrations?$filter=DeviceToken eq '{7:064X}'"
    by_channel = httpx.get(channel, headers=auth)
    assert by_channel.status_code == 200 and by_channel.text.count("<entry") == 1, by_channel.text


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="3-second runs (default: 10)")
    parser.add_argument("--out", default=str(ROOT / "bench" / "out"), help="where results go")
    database_url = os.environ.get("TURNOUT_DATABASE_URL", "")  # as `make bench` takes it
    parser.add_argument(
        "--postgres",
        metavar="URL",
        default=database_url if database_url.startswith("postgresql://") else None,
        help="also on this PostgreSQL server (a fresh database there, dropped after);"
        " default: TURNOUT_DATABASE_URL when it is one",
    )
    args = parser.parse_args()
    mode = MODES["quick" if args.quick else "full"]
    ensure_wrk()
    out = Path(args.out)
    work = out / "nhub-work"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    runs = {"sqlite": run(f"sqlite:///{work}/turnout.db", work, mode)}
    if args.postgres:
        from bench.postgres import BenchDatabase

        with BenchDatabase(args.postgres) as db:
            runs["postgres"] = run(db.url, work, mode)
    for database, results in runs.items():
        print(f"{database}:\n{report.table(results)}")
    (out / "nhub.json").write_text(
        json.dumps({"machine": describe_machine(), "mode": mode, "results": runs}, indent=2)
    )
    return 0


def run(database_url: str, work: Path, mode: dict[str, int]) -> dict[str, dict[str, Any]]:
    """Seed, then every scenario on turnout and on the ceiling, back to back."""
    script = work / "nhub.lua"
    script.write_text(WRK.replace("{wrk_lua}", str(ROOT / "bench" / "wrk.lua")))
    settings = Settings(database_url=database_url, secret="b" * 64)
    names = ("small", "big")
    started = time.monotonic()
    tenant_id, rule, key = asyncio.run(prepare(settings, names))
    seed(database_url, tenant_id, names[1])
    ceiling_db = database_url  # on PostgreSQL both use the one database
    if database_url.startswith("sqlite:///"):
        ceiling_db = str(work / "ceiling.db")
        copy_sqlite(Path(database_url.removeprefix("sqlite:///")), Path(ceiling_db))
    print(f"seeded {BIG:,} registrations in {time.monotonic() - started:.1f}s", flush=True)
    ceiling = [sys.executable, "-m", "uvicorn", "bench.nhub_ceiling:app", "--port", "{port}"]
    ceiling += ["--log-level", "warning", "--no-access-log"]
    ceiling_env = {"CEILING_DB": ceiling_db, "CEILING_TENANT": str(tenant_id)}
    results: dict[str, dict[str, Any]] = {}
    with (
        Server(turnout_command(1), turnout_env(database_url)) as turnout,
        Server(ceiling, ceiling_env) as ceiling_server,
    ):
        for server in (turnout, ceiling_server):
            check_reads(server.url, sas(server.url, rule, key), names[1])
        for scenario in SCENARIOS:  # back to back per scenario, so drift in the machine cancels out
            for name, server in (("turnout", turnout), ("ceiling", ceiling_server)):
                token = sas(server.url, rule, key)
                for seconds in (mode["warmup"], mode["seconds"]):  # the warm-up is discarded
                    result = run_wrk(server.url, scenario, token, ",".join(names), seconds, script)
                results.setdefault(scenario, {})[name] = result
                print(
                    f"{name:8} {scenario:14} {result['rps']:8.0f} req/s  p50 {result['p50_ms']:6.2f}"
                    f" ms  p99 {result['p99_ms']:7.2f} ms  non-2xx {result['non_2xx']}",
                    flush=True,
                )
    return results


if __name__ == "__main__":
    sys.exit(main())
