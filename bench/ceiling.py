"""The ceiling: the tightest raw ASGI app we could write that answers the benchmark's requests with
the same SQL transaction as turnout and byte for byte the same response body.

No framework, no validation, no authentication, no per-row objects: stored metadata JSON is spliced
into the body as it is, and each row is written straight to bytes. stdlib sqlite3 on one connection,
WAL and synchronous=NORMAL (it does not wait for the disk; turnout, by default, does). Whatever
turnout reaches is measured as a fraction of this, side by side in the same run
(tests/test_bench_ceiling.py checks the bodies are equal).

    uvicorn --factory bench.ceiling:from_env   # CEILING_DB, CEILING_TENANT, CEILING_SECRET,
                                               # CEILING_BASE_URL
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import sqlite3
import struct
import time
from datetime import UTC, datetime
from typing import Any

import msgspec

from turnout.core.ids import random_text

PAGE = 50
_EVENT = (
    "SELECT pk, id, start_at, end_at, timezone, status, capacity, count_pending, count_tentative,"
    " count_accepted, count_declined, count_removed, seats_taken FROM events"
    " WHERE tenant_id = ? AND id = ?"
)
_EVENT_AFTER = (  # the same columns, from the counter update's RETURNING
    " RETURNING pk, id, start_at, end_at, timezone, status, capacity, count_pending,"
    " count_tentative, count_accepted, count_declined, count_removed, seats_taken, next_seq"
)
_PAGE = (
    "SELECT id, status, guest_count, metadata, notes, checked_in_count, checked_in_at, created_at,"
    " updated_at, seq FROM registrations WHERE event_pk = ? AND seq > ? ORDER BY seq LIMIT ?"
)
_INSERT = (
    "INSERT INTO registrations (event_pk, id, seq, status, guest_count, metadata, email_key, notes,"
    " checked_in_count, checked_in_at, version, created_at, updated_at)"
    " VALUES (?, ?, ?, ?, 0, ?, ?, NULL, 0, NULL, 1, ?, ?) RETURNING pk"
)
_HISTORY = (
    "INSERT INTO registration_history (registration_pk, status, checked_in_count, at)"
    " VALUES (?, ?, 0, ?)"
)
_B32 = bytes.maketrans(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", b"0123456789ABCDEFGHJKMNPQRSTVWXYZ")
_TOKEN = struct.Struct(">BBQQIHQ")
encode = msgspec.json.encode
decode = msgspec.json.decode


class Ceiling:
    def __init__(self, path: str, tenant: int, secret: bytes, base_url: str) -> None:
        self.db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        for pragma in ("journal_mode = WAL", "synchronous = NORMAL", "foreign_keys = ON"):
            self.db.execute("PRAGMA " + pragma)
        self.tenant, self.secret, self.base_url = tenant, secret, base_url.encode()
        self.token_key = hashlib.sha256(b"turnout page tokens\x00" + secret).digest()
        self.times: dict[int, bytes] = {}
        self.tickets: dict[tuple[int, int], bytes] = {}

    # Pieces of a body

    def utc(self, instant: int) -> bytes:
        text = self.times.get(instant)
        if text is None:
            text = datetime.fromtimestamp(instant, UTC).strftime('"%Y-%m-%dT%H:%M:%SZ"').encode()
            self.times[instant] = text
        return text

    def ticket(self, event_pk: int, seq: int) -> bytes:
        code = self.tickets.get((event_pk, seq))
        if code is None:
            text = f"ticket:{self.tenant}:{event_pk}:{seq}".encode()
            mac = hmac.new(self.secret, text, hashlib.sha256).digest()[:10]
            signature = base64.b32encode(mac).translate(_B32)
            code = b'"T%d-%d-%d-%s"' % (self.tenant, event_pk, seq, signature)
            self.tickets[(event_pk, seq)] = code
        return code

    def page_token(self, event_pk: int, page: int, after: int) -> bytes:
        body = _TOKEN.pack(1, 1, self.tenant, event_pk, page, PAGE, after)
        tag = hmac.new(self.token_key, body, hashlib.sha256).digest()[:16]
        return base64.urlsafe_b64encode(body + tag).rstrip(b"=")

    def read_token(self, text: str, event_pk: int) -> tuple[int, int] | None:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        body, tag = raw[: _TOKEN.size], raw[_TOKEN.size :]
        if not hmac.compare_digest(
            tag, hmac.new(self.token_key, body, hashlib.sha256).digest()[:16]
        ):
            return None
        _, kind, tenant, parent, page, _, after = _TOKEN.unpack(body)
        return (page, after) if (kind, tenant, parent) == (1, self.tenant, event_pk) else None

    def event_body(self, ev: tuple[Any, ...], page: int = 1, after: int = 0) -> bytes:
        pk, event_id = ev[0], ev[1]
        rows = self.db.execute(_PAGE, (pk, after, PAGE + 1)).fetchall()
        more = len(rows) > PAGE
        registered = ev[7] + ev[8] + ev[9]
        total = registered + ev[10] + ev[11]
        parts = [
            b'{"bookable_event_id":%s,"start":%s,"end":%s,"status":"%s","timezone":%s,'
            b'"registration":{"capacity":%s,"registered_count":%d,"total_count":%d,'
            b'"seats_taken":%d,"registrations":['
            % (
                encode(event_id),
                self.utc(ev[2]),
                self.utc(ev[3]),
                ev[5].encode(),
                encode(ev[4]),
                b"null" if ev[6] is None else b"%d" % ev[6],
                registered,
                total,
                ev[12],
            )
        ]
        utc = self.utc
        for i, r in enumerate(rows[:PAGE]):
            parts.append(
                b'%s{"registration_id":%s,"status":"%s","metadata":%s,"guest_count":%d,'
                b'"notes":%s,"checked_in_count":%d,"checked_in_at":%s,"created_at":%s,'
                b'"updated_at":%s,"ticket_code":%s}'
                % (
                    b"," if i else b"",
                    encode(r[0]),
                    r[1].encode(),
                    b"null" if r[1] == "removed" or r[3] is None else r[3].encode(),
                    r[2],
                    encode(r[4]),
                    r[5],
                    b"null" if r[6] is None else utc(r[6]),
                    utc(r[7]),
                    utc(r[8]),
                    self.ticket(pk, r[9]),
                )
            )
        parts.append(b"]")
        if more or page > 1:
            pages = max(page + 1, -(-total // PAGE)) if more else page
            parts.append(b',"pages":{"current":%d,"total":%d' % (page, pages))
            if more:
                token = self.page_token(pk, page + 1, rows[PAGE - 1][9])
                parts.append(
                    b',"next_page":"%s/v1/bookable_events/%s/registrations/pages/%s"'
                    % (self.base_url, event_id.encode(), token)
                )
            parts.append(b"}")
        parts.append(b"}}")
        return b"".join(parts)

    def find_event(self, event_id: str) -> tuple[Any, ...] | None:
        return self.db.execute(_EVENT, (self.tenant, event_id)).fetchone()  # type: ignore[no-any-return]

    # The scenarios' transactions

    def upsert(self, event_id: str, body: dict[str, Any]) -> tuple[int, bytes]:
        """/v1 E4, as the benchmark sends it: status accepted, metadata given."""
        now = int(time.time())
        metadata = body["metadata"]
        email = metadata["email"].strip().lower()
        reg_id = body["registration_id"]
        db = self.db
        db.execute("BEGIN IMMEDIATE")
        try:
            ev = self.find_event(event_id)
            if ev is None:
                db.execute("ROLLBACK")
                return 404, b"{}"
            old = db.execute(
                "SELECT id, status, guest_count, metadata, notes, checked_in_count, checked_in_at,"
                " created_at, updated_at, version, seq FROM registrations"
                " WHERE event_pk = ? AND id = ?",
                (ev[0], reg_id),
            ).fetchone()
            stored = encode(metadata).decode()
            if old is None:
                ev = db.execute(
                    "UPDATE events SET count_accepted = count_accepted + 1,"
                    " seats_taken = seats_taken + 1, next_seq = next_seq + 1"
                    " WHERE pk = ? AND (capacity IS NULL OR seats_taken + 1 <= capacity)"
                    + _EVENT_AFTER,
                    (ev[0],),
                ).fetchone()
                pk = db.execute(
                    _INSERT, (ev[0], reg_id, ev[13] - 1, "accepted", stored, email, now, now)
                ).fetchone()[0]
                db.execute(_HISTORY, (pk, "accepted", now))
            else:  # the same status: no counters, no history
                db.execute(
                    "UPDATE registrations SET metadata = ?, email_key = ?, version = ?,"
                    " updated_at = ? WHERE event_pk = ? AND id = ? AND version = ? RETURNING pk",
                    (stored, email, old[9] + 1, now, ev[0], reg_id, old[9]),
                ).fetchone()
            out = self.event_body(ev)
            db.execute("COMMIT")
            return 200, out
        except BaseException:
            db.execute("ROLLBACK")
            raise

    def create(self, event_id: str, body: dict[str, Any]) -> tuple[int, bytes]:
        """/api/v1 W6: a generated id, status pending, one active registration per email."""
        now = int(time.time())
        name, email = body["attendee_name"].strip(), body["attendee_email"].strip()
        reg_id = "reg_" + random_text(20)  # turnout's own: the same work, from the same code
        db = self.db
        db.execute("BEGIN IMMEDIATE")
        try:
            ev = self.find_event(event_id)
            if ev is None:
                db.execute("ROLLBACK")
                return 404, b"{}"
            db.execute(
                "SELECT version FROM registrations WHERE event_pk = ? AND id = ?", (ev[0], reg_id)
            ).fetchone()
            taken = db.execute(
                "SELECT 1 FROM registrations WHERE event_pk = ? AND email_key = ? AND id <> ?"
                " AND status IN ('pending', 'tentative', 'accepted') LIMIT 1",
                (ev[0], email.lower(), reg_id),
            ).fetchone()
            if taken:
                db.execute("ROLLBACK")
                return 409, b"{}"
            ev = db.execute(
                "UPDATE events SET count_pending = count_pending + 1, seats_taken = seats_taken + 1,"
                " next_seq = next_seq + 1"
                " WHERE pk = ? AND (capacity IS NULL OR seats_taken + 1 <= capacity)"
                + _EVENT_AFTER,
                (ev[0],),
            ).fetchone()
            stored = encode({"email": email, "name": name}).decode()
            pk = db.execute(
                _INSERT, (ev[0], reg_id, ev[13] - 1, "pending", stored, email.lower(), now, now)
            ).fetchone()[0]
            db.execute(_HISTORY, (pk, "pending", now))
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        at = self.utc(now)
        return 201, (
            b'{"data":{"id":"%s","event_id":%s,"attendee_name":%s,"attendee_email":%s,'
            b'"attendee_phone":null,"status":"PENDING","guest_count":0,"notes":null,'
            b'"created_at":%s,"checked_in_count":0,"checked_in_at":null,"updated_at":%s}}'
            % (reg_id.encode(), encode(event_id), encode(name), encode(email), at, at)
        )

    def availability(self, body: dict[str, Any]) -> bytes:
        ids = [item["bookable_event_id"] for item in body["bookable_events"]]
        marks = ", ".join("?" * len(ids))
        rows = self.db.execute(
            _EVENT.replace("AND id = ?", f"AND id IN ({marks})"), (self.tenant, *ids)
        ).fetchall()
        found = {r[1]: r for r in rows}
        now = int(time.time())
        out = []
        for event_id in ids:
            ev = found.get(event_id)
            if ev is None or ev[5] != "confirmed" or ev[3] <= now:
                continue
            if ev[6] is not None and ev[12] >= ev[6]:
                continue
            out.append(
                b'{"bookable_event_id":%s,"start":%s,"end":%s,"registration":{"capacity":%s,'
                b'"registered_count":%d,"seats_taken":%d}}'
                % (
                    encode(event_id),
                    self.utc(ev[2]),
                    self.utc(ev[3]),
                    b"null" if ev[6] is None else b"%d" % ev[6],
                    ev[7] + ev[8] + ev[9],
                    ev[12],
                )
            )
        return b'{"available_bookable_events":[' + b",".join(out) + b"]}"

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                await send({"type": message["type"] + ".complete"})
                if message["type"] == "lifespan.shutdown":
                    return
        parts = scope["path"].split("/")  # ['', 'v1', 'bookable_events', id, ...]
        status, payload = 404, b"{}"
        method = scope["method"]
        if method == "POST":
            body = decode(await read_body(receive))
            if parts[-1] == "availability":
                status, payload = 200, self.availability(body)
            elif parts[1] == "api":  # /api/v1/events/{id}/registrations
                status, payload = self.create(parts[4], body)
            else:  # /v1/bookable_events/{id}/registrations
                status, payload = self.upsert(parts[3], body)
        elif method == "GET" and len(parts) > 3:
            ev = self.find_event(parts[3])
            if ev is not None:
                if len(parts) == 4:
                    status, payload = 200, self.event_body(ev)
                elif (at := self.read_token(parts[-1], ev[0])) is not None:
                    status, payload = 200, self.event_body(ev, *at)
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"application/json; charset=utf-8"),
                    (b"content-length", b"%d" % len(payload)),
                ],
            }
        )
        await send({"type": "http.response.body", "body": payload})


async def read_body(receive: Any) -> bytes:
    chunks, more = [], True
    while more:
        message = await receive()
        chunks.append(message.get("body", b""))
        more = message.get("more_body", False)
    return b"".join(chunks)


def from_env() -> Ceiling:
    return Ceiling(
        os.environ["CEILING_DB"],
        int(os.environ["CEILING_TENANT"]),
        os.environ["CEILING_SECRET"].encode(),
        os.environ["CEILING_BASE_URL"],
    )
