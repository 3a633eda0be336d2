"""The Notification Hubs ceiling: a raw ASGI app doing the same SQL and the same XML parsing and
rendering as turnout's `/{hub}/…` surface, on stdlib sqlite3, for bench/nhub.py.

It runs turnout's own statements (store/hubs.py) and Atom code (surfaces/nhub/parse.py, render.py),
with none of turnout's framework, SAS checks, rules, outbox, durability or error handling: whatever
turnout reaches is measured as a fraction of this, side by side in the same run. WAL and
synchronous=NORMAL, as bench/ceiling.py.
"""

from __future__ import annotations

import os
import sqlite3
import time
from typing import Any
from urllib.parse import parse_qsl, unquote

from turnout.core.devices import new_registration_id
from turnout.store import hubs as sql
from turnout.surfaces.nhub import render
from turnout.surfaces.nhub.parse import parse_description

db = sqlite3.connect(os.environ["CEILING_DB"], isolation_level=None, check_same_thread=False)
db.execute("PRAGMA journal_mode = WAL")
db.execute("PRAGMA synchronous = NORMAL")
TENANT = int(os.environ["CEILING_TENANT"])
ENTRY = b"application/atom+xml;type=entry;charset=utf-8"
FEED = b"application/atom+xml;type=feed;charset=utf-8"


def url(host: str, hub: str, *segments: str) -> str:
    return f"https://{host}/{'/'.join([hub, *segments])}?api-version=2020-06"


def write(hub_id: int, device_id: str, body: bytes) -> sql.Device:
    """A create, as turnout's SQLite store makes it (without the outbox look-up)."""
    description = parse_description(body)
    now = int(time.time())
    db.execute("BEGIN IMMEDIATE")
    try:
        db.execute(sql.GET_DEVICE, (hub_id, "registration", device_id)).fetchone()
        db.execute(sql.TOMBSTONED, (hub_id, device_id, now - 7 * 86400)).fetchone()
        db.execute(sql.COUNT_CREATE, (hub_id,))
        values = (description.platform, description.handle, description.to_json())
        args = (hub_id, "registration", device_id, 1, *values, now, now, None)
        pk = db.execute(sql.INSERT_DEVICE + " RETURNING pk", args).fetchone()[0]
        db.executemany(sql.INSERT_TAG, [(hub_id, tag, pk) for tag in description.tags])
        row = db.execute(sql.GET_DEVICE, (hub_id, "registration", device_id)).fetchone()
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise
    return sql.device_from_row(row)


def feed(rows: list[Any], host: str, hub: str, path: str, query: str) -> str:
    devices = [sql.device_from_row(r) for r in rows[:100]]
    return render.feed(
        devices,
        f"https://{host}{path}?{query}",
        lambda rid: url(host, hub, "registrations", rid),
        int(time.time()),
    )


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
    path, query = scope["path"], scope["query_string"].decode()
    segments = path.strip("/").split("/")
    found = db.execute(sql.FIND_HUB, (TENANT, segments[0].lower())).fetchone()
    status, kind, text = 404, ENTRY, ""
    if found is not None:
        hub = sql.hub_from_row(found)
        rest = [s.lower() for s in segments[1:]]
        params = {k.lower(): v for k, v in parse_qsl(query)}
        if rest == ["registrations"] and scope["method"] == "POST":
            device = write(hub.id, new_registration_id(), body)
            status, text = (
                200,
                render.entry(device, url(host, hub.name, "registrations", device.id)),
            )
        elif rest[:1] == ["registrations"] and len(rest) == 2 and scope["method"] == "PUT":
            device = write(hub.id, unquote(segments[2]), body)
            status, text = (
                200,
                render.entry(device, url(host, hub.name, "registrations", device.id)),
            )
        elif len(rest) == 3 and rest[0] == "tags" and rest[2] == "registrations":
            tag = unquote(segments[2])
            rows = db.execute(sql.LIST_TAG, (hub.id, tag, 0, int(time.time()), 101, 0)).fetchall()
            status, kind, text = 200, FEED, feed(rows, host, hub.name, path, query)
        elif rest == ["registrations"] and "$filter" in params:
            handle = params["$filter"].split("'")[1]
            args = (hub.id, handle.upper(), 0, int(time.time()), 10_000)
            rows = db.execute(sql.list_by_handle(1), args).fetchall()
            status, kind, text = 200, FEED, feed(rows, host, hub.name, path, query)
    payload = text.encode()
    headers = [(b"content-type", kind), (b"content-length", str(len(payload)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})
