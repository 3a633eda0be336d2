"""The Notification Hubs ceiling: a raw ASGI app doing the same SQL and the same XML parsing and
rendering as turnout's `/{hub}/…` surface, for bench/nhub.py.

It runs turnout's own statements (store/hubs.py: on SQLite the group-commit path's, on PostgreSQL
the one-statement write with its outbox CTE) and Atom code (surfaces/nhub/parse.py, render.py), with
none of turnout's framework, SAS checks, rules, webhook rendering, durability or error handling:
whatever turnout reaches is measured as a fraction of this, side by side in the same run. SQLite
runs in WAL with synchronous=NORMAL, as bench/ceiling.py; PostgreSQL through an asyncpg pool.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import time
from collections.abc import Sequence
from typing import Any
from urllib.parse import parse_qsl, unquote

import asyncpg

from turnout.core.devices import Description, new_registration_id
from turnout.store import hubs as sql
from turnout.store.queries import numbered
from turnout.surfaces.nhub import render
from turnout.surfaces.nhub.parse import parse_description

DATABASE = os.environ["CEILING_DB"]  # a SQLite file, or a postgresql:// URL
TENANT = int(os.environ["CEILING_TENANT"])
ENTRY = b"application/atom+xml;type=entry;charset=utf-8"
FEED = b"application/atom+xml;type=feed;charset=utf-8"
TOMBSTONE_SECONDS = 7 * 86400


class Sqlite:
    def __init__(self, path: str) -> None:
        self.db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode = WAL")
        self.db.execute("PRAGMA synchronous = NORMAL")

    async def rows(self, query: str, *args: Any) -> Sequence[Any]:
        return self.db.execute(query, args).fetchall()

    async def create(self, hub_id: int, device_id: str, d: Description, read: bool) -> sql.Device:
        """A create as turnout's SQLite store makes it (reading first either way)."""
        now, db = int(time.time()), self.db
        db.execute("BEGIN IMMEDIATE")
        try:
            db.execute(sql.GET_DEVICE, (hub_id, "registration", device_id)).fetchone()
            db.execute(sql.TOMBSTONED, (hub_id, device_id, now - TOMBSTONE_SECONDS)).fetchone()
            db.execute(sql.COUNT_CREATE, (hub_id,))
            args = (hub_id, "registration", device_id, 1, d.platform, d.handle, d.to_json())
            pk = db.execute(sql.INSERT_DEVICE + " RETURNING pk", (*args, now, now, None)).fetchone()
            db.executemany(sql.INSERT_TAG, [(hub_id, tag, pk[0]) for tag in d.tags])
            row = db.execute(sql.GET_DEVICE, (hub_id, "registration", device_id)).fetchone()
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return sql.device_from_row(row)


class Postgres:
    def __init__(self, url: str) -> None:
        self.url = url
        self.pool: asyncpg.Pool | None = None
        self.lock = asyncio.Lock()

    async def _pool(self) -> asyncpg.Pool:
        async with self.lock:
            if self.pool is None:
                self.pool = await asyncpg.create_pool(self.url, min_size=1, max_size=10)
        return self.pool

    async def rows(self, query: str, *args: Any) -> Sequence[Any]:
        return list(await (await self._pool()).fetch(numbered(query), *args))

    async def create(self, hub_id: int, device_id: str, d: Description, read: bool) -> sql.Device:
        """A create as turnout's PostgreSQL store makes it: a read unless the server chose the ID,
        then one statement (its outbox CTE finds no endpoint, as turnout's does here)."""
        pool, now = await self._pool(), int(time.time())
        if read:
            since = now - TOMBSTONE_SECONDS
            await pool.fetchrow(sql.PG_READ_FOR_WRITE, hub_id, "registration", device_id, since)
        args = (hub_id, "registration", device_id, 1, d.platform, d.handle, d.to_json(), now)
        outbox = (TENANT, ["hub.registration.created"], ["k"], ["m"], ["{}"])
        row = await pool.fetchrow(sql.PG_CREATE, *args, None, list(d.tags), *outbox)
        return sql.device_from_row(row)


store = Postgres(DATABASE) if DATABASE.startswith("postgresql://") else Sqlite(DATABASE)


def url(host: str, hub: str, *segments: str) -> str:
    return f"https://{host}/{'/'.join([hub, *segments])}?api-version=2020-06"


def feed(rows: Sequence[Any], host: str, hub: str, path: str, query: str) -> str:
    devices = [sql.device_from_row(r) for r in rows[:100]]
    return render.feed(
        devices,
        f"https://{host}{path}?{query}",
        lambda rid: url(host, hub, "registrations", rid),
        int(time.time()),
    )


async def answer(
    method: str, path: str, query: str, host: str, body: bytes
) -> tuple[int, bytes, str]:
    segments = path.strip("/").split("/")
    found = await store.rows(sql.FIND_HUB, TENANT, segments[0].lower())
    if not found:
        return 404, ENTRY, ""
    hub = sql.hub_from_row(found[0])
    rest = [s.lower() for s in segments[1:]]
    now = int(time.time())
    if rest == ["registrations"] and method == "POST":
        device = await store.create(hub.id, new_registration_id(), parse_description(body), False)
        return 200, ENTRY, render.entry(device, url(host, hub.name, "registrations", device.id))
    if rest[:1] == ["registrations"] and len(rest) == 2 and method == "PUT":
        device_id = unquote(segments[2])
        device = await store.create(hub.id, device_id, parse_description(body), True)
        return 200, ENTRY, render.entry(device, url(host, hub.name, "registrations", device.id))
    if len(rest) == 3 and rest[0] == "tags" and rest[2] == "registrations":
        rows = await store.rows(sql.LIST_TAG, hub.id, unquote(segments[2]), 0, now, 101, 0)
        return 200, FEED, feed(rows, host, hub.name, path, query)
    params = {k.lower(): v for k, v in parse_qsl(query)}
    if rest == ["registrations"] and "$filter" in params:
        handle = params["$filter"].split("'")[1].upper()
        rows = await store.rows(sql.list_by_handle(1), hub.id, handle, 0, now, 10_000)
        return 200, FEED, feed(rows, host, hub.name, path, query)
    return 404, ENTRY, ""


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    host = dict(scope["headers"]).get(b"host", b"").decode()
    status, kind, text = await answer(
        scope["method"], scope["path"], scope["query_string"].decode(), host, body
    )
    payload = text.encode()
    headers = [(b"content-type", kind), (b"content-length", str(len(payload)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})
