"""The ceiling: a minimal raw ASGI app doing the same SQL as turnout, on stdlib sqlite3.

It answers the benchmark's requests with the same statements turnout runs and a body of the same
shape, with none of turnout's framework, validation, auth, durability or rules: whatever turnout
reaches is measured as a fraction of this, run side by side on the same machine in the same run.
WAL and synchronous=NORMAL, so it does not wait for the disk (turnout, by default, does).
"""

from __future__ import annotations

import os
import sqlite3
import time
from typing import Any
from urllib.parse import parse_qs

import msgspec

from turnout.store.rows import EVENT_COLUMNS, REGISTRATION_COLUMNS

db = sqlite3.connect(os.environ["CEILING_DB"], isolation_level=None, check_same_thread=False)
db.execute("PRAGMA journal_mode = WAL")
db.execute("PRAGMA synchronous = NORMAL")
db.execute("PRAGMA foreign_keys = ON")
TENANT = int(os.environ.get("CEILING_TENANT", "1"))
PAGE = 50
encode = msgspec.json.encode


def event_body(ev: tuple[Any, ...], after: int = 0) -> dict[str, Any]:
    rows = db.execute(
        f"SELECT {REGISTRATION_COLUMNS} FROM registrations WHERE event_pk = ? AND seq > ?"
        " ORDER BY seq LIMIT ?",
        (ev[0], after, PAGE + 1),
    ).fetchall()
    registrations = [
        {
            "registration_id": r[0],
            "status": r[1],
            "metadata": msgspec.json.decode(r[3]) if r[3] else None,
            "guest_count": r[2],
            "notes": r[4],
            "checked_in_count": r[5],
            "checked_in_at": r[6],
            "created_at": r[7],
            "updated_at": r[8],
        }
        for r in rows[:PAGE]
    ]
    return {
        "bookable_event_id": ev[2],
        "start": ev[3],
        "end": ev[4],
        "status": ev[6],
        "registration": {
            "capacity": ev[7],
            "registered_count": ev[8] + ev[9] + ev[10],
            "seats_taken": ev[14],
            "registrations": registrations,
        },
    }


def find_event(event_id: str) -> tuple[Any, ...] | None:
    return db.execute(
        f"SELECT {EVENT_COLUMNS} FROM events WHERE tenant_id = ? AND id = ?", (TENANT, event_id)
    ).fetchone()


def upsert(event_id: str, body: dict[str, Any], email_check: bool) -> tuple[int, Any]:
    now = int(time.time())
    db.execute("BEGIN IMMEDIATE")
    try:
        ev = find_event(event_id)
        if ev is None:
            db.execute("ROLLBACK")
            return 404, {}
        reg_id = body["registration_id"]
        old = db.execute(
            "SELECT version, seq, status FROM registrations WHERE event_pk = ? AND id = ?",
            (ev[0], reg_id),
        ).fetchone()
        if email_check:
            db.execute(
                "SELECT 1 FROM registrations WHERE event_pk = ? AND email_key = ? AND id <> ?"
                " AND status IN ('pending', 'tentative', 'accepted') LIMIT 1",
                (ev[0], body["email"], reg_id),
            ).fetchone()
        metadata = encode({"email": body.get("email"), "name": body.get("name")}).decode()
        if old is None:
            row = db.execute(
                "UPDATE events SET count_accepted = count_accepted + 1, seats_taken = seats_taken + 1,"
                " next_seq = next_seq + 1 WHERE pk = ? AND (capacity IS NULL OR seats_taken + 1 <= capacity)"
                " RETURNING next_seq",
                (ev[0],),
            ).fetchone()
            pk = db.execute(
                "INSERT INTO registrations (event_pk, id, seq, status, guest_count, metadata, email_key,"
                " notes, checked_in_count, checked_in_at, version, created_at, updated_at)"
                " VALUES (?, ?, ?, 'accepted', 0, ?, ?, NULL, 0, NULL, 1, ?, ?) RETURNING pk",
                (ev[0], reg_id, row[0] - 1, metadata, body.get("email"), now, now),
            ).fetchone()[0]
            db.execute(
                "INSERT INTO registration_history (registration_pk, status, checked_in_count, at)"
                " VALUES (?, 'accepted', 0, ?)",
                (pk, now),
            )
        else:
            db.execute(
                "UPDATE registrations SET metadata = ?, version = version + 1, updated_at = ?"
                " WHERE event_pk = ? AND id = ? AND version = ?",
                (metadata, now, ev[0], reg_id, old[0]),
            )
        ev = find_event(event_id)
        assert ev is not None
        body_out = event_body(ev)
        db.execute("COMMIT")
        return 200, body_out
    except BaseException:
        db.execute("ROLLBACK")
        raise


async def read_body(receive: Any) -> bytes:
    chunks, more = [], True
    while more:
        message = await receive()
        chunks.append(message.get("body", b""))
        more = message.get("more_body", False)
    return b"".join(chunks)


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            await send({"type": message["type"] + ".complete"})
            if message["type"] == "lifespan.shutdown":
                return
    parts = scope["path"].strip("/").split("/")
    status, out = 404, {}
    if scope["method"] == "POST" and parts[-1] == "registrations":
        body = msgspec.json.decode(await read_body(receive))
        if parts[0] == "api":  # /api/v1/events/{id}/registrations: a generated id
            body = {
                "registration_id": os.urandom(10).hex(),
                "email": body["attendee_email"],
                "name": body["attendee_name"],
            }
        status, out = upsert(parts[-2], body, email_check=parts[0] == "api")
    elif scope["method"] == "POST" and parts[-1] == "availability":
        body = msgspec.json.decode(await read_body(receive))
        found = [find_event(item["bookable_event_id"]) for item in body["bookable_events"]]
        status, out = (
            200,
            {
                "available_bookable_events": [
                    {"bookable_event_id": e[2], "start": e[3], "end": e[4]} for e in found if e
                ]
            },
        )
    elif scope["method"] == "GET" and len(parts) >= 3:
        ev = find_event(parts[2])
        after = int(parse_qs(scope["query_string"].decode()).get("after", ["0"])[0])
        if parts[-2] == "pages":
            after = int(parts[-1])
        if ev is not None:
            status, out = 200, event_body(ev, after)
    payload = encode(out)
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json; charset=utf-8"),
                (b"content-length", str(len(payload)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})
