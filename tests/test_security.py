"""SEC-2, SEC-3, SEC-4, SEC-5 and SEC-7 of reliability.md, on each database.

The route lists come from the surfaces' own route tables, so a route added later is covered too.
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from tests.builders import make_event, register
from tests.live import Tenant, surface_routes
from turnout.surfaces.registry import SURFACES

SRC = Path(__file__).resolve().parent.parent / "src" / "turnout"


ROUTES = [(method, path) for _, method, path in surface_routes()]
READS = {("POST", "/v1/availability")}  # a POST that only reads
WRITES = [(m, p) for m, p in ROUTES if m != "GET" and (m, p) not in READS]
IDS = {"event_id": "own_event", "registration_id": "own_reg", "token": "AAAA"}


def fill(path: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: IDS[m.group(1)], path)


def own_objects(tenant: Tenant) -> bytes:
    make_event(tenant.http, "own_event", capacity=5)
    assert register(tenant.http, "own_event", "own_reg", guest_count=1).status_code == 200
    return snapshot(tenant)


def snapshot(tenant: Tenant) -> bytes:
    return tenant.http.get("/v1/bookable_events/own_event").content


def test_the_route_lists_cover_every_surface() -> None:
    found = surface_routes()
    assert {name for name, _, _ in found} == {surface.name for surface in SURFACES}
    writes = {name for name, m, p in found if (m, p) in WRITES}
    assert writes == {surface.name for surface in SURFACES}  # each has writes to check


def revoke(tenant: Tenant, key: str) -> None:
    prefix = key[:15]

    async def go(store: Any) -> None:
        if store.dialect == "sqlite":
            store.db.execute("UPDATE api_keys SET revoked_at = 1 WHERE prefix = ?", (prefix,))
        else:
            await store.pool.execute("UPDATE api_keys SET revoked_at = 1 WHERE prefix = $1", prefix)

    tenant.server.run(go)


# SEC-2


def bad_keys(tenant: Tenant) -> dict[str, str]:
    revoked = tenant.key_with("write")
    with tenant.client(revoked) as http:  # it worked until it was revoked
        assert http.get("/v1/bookable_events").status_code == 200
    revoke(tenant, revoked)
    time.sleep(1.1)  # verified keys are cached for a second
    secret_part = tenant.key[16:]
    return {
        "revoked": revoked,
        "webkasa prefix": "wk_live_" + secret_part,
        "unknown prefix": "tk_AAAAAAAAAAAA_" + secret_part,
        "wrong secret": tenant.key[:16] + "B" * 32,
        "wrong last character": tenant.key[:-1] + ("x" if tenant.key[-1] != "x" else "y"),
        "truncated": tenant.key[:-1],
        "extended": tenant.key + "A",
        "not a key": "hello",
        "non-ascii": tenant.key[:-1] + "é",
    }


def test_bad_keys_are_401_on_every_route(tenant: Tenant) -> None:
    before = own_objects(tenant)
    http = tenant.client()  # one client; each request carries its own credential
    for label, key in bad_keys(tenant).items():
        for method, path in ROUTES:
            webkasa = path.startswith("/api")
            for header in ("Authorization", "X-API-Key") if webkasa else ("Authorization",):
                value = f"Bearer {key}" if header == "Authorization" else key
                body = {} if method != "GET" else None
                r = http.request(method, fill(path), json=body, headers={header: value.encode()})
                where = (label, header, method, path, r.status_code, r.text)
                assert r.status_code == 401, where
                assert r.headers["www-authenticate"] == "Bearer", where
                assert r.json() == (
                    {"error": "A valid API key is required", "code": "UNAUTHORIZED"}
                    if webkasa
                    else {}
                ), where
    http.close()
    assert snapshot(tenant) == before


# SEC-3


def test_read_only_keys_are_403_on_every_write_route(tenant: Tenant) -> None:
    before = own_objects(tenant)
    body = {"bookable_event_id": "own_event", "registration_id": "own_reg", "status": "removed"}
    for scope in ("read", "*:read", "events:read registrations:read"):
        with tenant.client(tenant.key_with(scope)) as http:
            for method, path in WRITES:
                r = http.request(method, fill(path), json=body)
                assert r.status_code == 403, (scope, method, path, r.status_code, r.text)
                if path.startswith("/api"):
                    assert r.json()["code"] == "INSUFFICIENT_SCOPE"
                else:
                    assert r.json() == {}
    assert snapshot(tenant) == before


# SEC-4


def test_read_only_fields_in_v1_bodies_change_nothing(tenant: Tenant) -> None:
    before = own_objects(tenant)
    event = {
        "bookable_event_id": "own_event",
        "start": "2030-01-24T12:30:00Z",
        "end": "2030-01-24T17:00:00Z",
        "status": "confirmed",
        "tenant_id": 1,
        "created_at": "2000-01-01T00:00:00Z",
        "etag": '"x"',
        "registration": {"seats_taken": 0, "registered_count": 0, "total_count": 99},
    }
    assert tenant.http.post("/v1/bookable_events", json=event).status_code == 200
    registration = {
        "registration_id": "own_reg",
        "status": "accepted",
        "guest_count": 1,
        "bookable_event_id": "another_event",
        "tenant_id": 1,
        "checked_in_count": 2,
        "checked_in_at": "2030-01-24T12:30:00Z",
        "created_at": "2000-01-01T00:00:00Z",
        "updated_at": "2000-01-01T00:00:00Z",
        "etag": '"x"',
    }
    url = "/v1/bookable_events/own_event/registrations"
    assert tenant.http.post(url, json=registration).status_code == 200
    assert snapshot(tenant) == before


def test_read_only_fields_in_webkasa_bodies_change_nothing(tenant: Tenant) -> None:
    before = own_objects(tenant)
    r = tenant.http.patch(
        "/api/v1/events/own_event",
        json={
            "id": "another_event",
            "tenant_id": 1,
            "created_at": "2000-01-01T00:00:00Z",
            "updated_at": "2000-01-01T00:00:00Z",
            "counts": {"registrations": 0, "seats_taken": 0, "checked_in": 9},
            "etag": '"x"',
        },
    )
    assert r.status_code == 200, r.text
    r = tenant.http.patch(
        "/api/v1/events/own_event/registrations/own_reg",
        json={
            "id": "another_reg",
            "event_id": "another_event",
            "checked_in_count": 2,
            "checked_in_at": "2030-01-24T12:30:00Z",
            "created_at": "2000-01-01T00:00:00Z",
            "tenant_id": 1,
            "etag": '"x"',
        },
    )
    assert r.status_code == 200, r.text
    assert snapshot(tenant) == before
    assert tenant.http.get("/api/v1/events/another_event").status_code == 404


# SEC-5


def stored_text(tenant: Tenant) -> bytes:
    """Everything the database holds: the SQLite files' bytes, or every PostgreSQL row as text."""
    settings = tenant.server.settings
    if not settings.is_postgres:
        path = settings.database_url.removeprefix("sqlite:///")
        return b"".join(Path(p).read_bytes() for p in (path, path + "-wal") if Path(p).exists())

    async def go(store: Any) -> bytes:
        tables = await store.pool.fetch(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
        )
        text = []
        for (table,) in tables:
            rows = await store.pool.fetch(f"SELECT t::text FROM {table} t")
            text += [row[0] for row in rows]
        return "\n".join(text).encode()

    return bytes(tenant.server.run(go))


def cli_key(tenant: Tenant) -> str:
    settings = tenant.server.settings
    env = {
        **os.environ,
        "TURNOUT_DATABASE_URL": settings.database_url,
        "TURNOUT_SECRET": settings.secret,
    }
    out = subprocess.run(
        [sys.executable, "-m", "turnout", "key", "create", "--tenant", tenant.name],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=True,
    )
    key = out.stdout.strip().splitlines()[-1]
    assert out.stdout.count(key) == 1 and key not in out.stderr  # printed once, nowhere else
    return key


def test_keys_are_stored_and_logged_only_as_hashes(tenant: Tenant, access_log: list[str]) -> None:
    keys = [tenant.key, cli_key(tenant), tenant.key_with("read")]
    for key in keys:  # each works, through each place a client may put it
        with tenant.client(key) as http:
            assert http.get("/v1/bookable_events").status_code == 200
            assert http.get("/v1/nowhere", params={"bearer_token": key}).status_code == 404
        with tenant.client(**{"X-API-Key": key}) as http:
            assert http.get("/api/v1/events").status_code == 200
        near_miss = key[:-1] + ("x" if key[-1] != "x" else "y")
        with tenant.client(near_miss) as http:
            assert http.get("/v1/bookable_events", params={"bearer_token": key}).status_code == 401
    stored = stored_text(tenant)
    lines = "\n".join(access_log)
    assert len(access_log) >= 4 * len(keys)
    for key in keys:
        secret_part = key[16:]
        assert secret_part.encode() not in stored
        assert key[:15].encode() in stored  # the public prefix is what lookups use
        assert secret_part not in lines


# SEC-7

SECRET_NAMES = re.compile(
    r"key|hash|token|signature|secret|digest|bearer|credential|password", re.I
)
# Names that match but hold no secret, with the reason.
NOT_SECRETS = {
    ("core/metadata.py", "key"),  # a metadata key name
    ("core/registrations.py", "email_key"),  # a normalised email address
    ("surfaces/webkasa/parse.py", "key"),  # the kind of a parsed query value
}


def equality_on_secrets(source: str) -> list[tuple[int, str]]:
    """(line, name) for every `==`/`!=` with an operand named like a secret."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Compare):
            continue
        if not any(isinstance(op, ast.Eq | ast.NotEq) for op in node.ops):
            continue
        for operand in (node.left, *node.comparators):
            target = operand.func if isinstance(operand, ast.Call) else operand
            name = getattr(target, "id", None) or getattr(target, "attr", None)
            if isinstance(name, str) and SECRET_NAMES.search(name):
                found.append((node.lineno, name))
    return found


def test_the_scan_finds_a_secret_compared_with_equals() -> None:
    assert equality_on_secrets("ok = stored_hash == presented") == [(1, "stored_hash")]
    assert equality_on_secrets("ok = x.signature != sign(body)") == [(1, "signature")]
    assert equality_on_secrets("ok = hmac.compare_digest(stored_hash, presented)") == []


def test_secrets_are_compared_only_with_compare_digest() -> None:
    found = []
    for path in sorted(SRC.rglob("*.py")):
        relative = path.relative_to(SRC).as_posix()
        found += [
            (relative, line, name)
            for line, name in equality_on_secrets(path.read_text())
            if (relative, name) not in NOT_SECRETS
        ]
    assert found == []
    assert "compare_digest" in (SRC / "auth" / "keys.py").read_text()
