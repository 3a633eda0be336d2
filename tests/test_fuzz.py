"""The HTTP fuzzer (tests/fuzz/) against `turnout serve` as a real process, on SQLite and PostgreSQL.

Every route of every surface, from the app's route table; a bounded budget in `make test`
(FUZZ_SECONDS, default 25 per database), a long one under `make soak`. FUZZ_SEED replays a run.
Any finding fails the test with the request that caused it; each crash found so far has a
regression test of its own (tests/test_findings.py).
"""

from __future__ import annotations

import asyncio
import os
import random
import re
import secrets
import sqlite3
from collections.abc import Iterator
from typing import Any

import asyncpg
import httpx
import pytest

from tests.fuzz import routes
from tests.fuzz.run import SHAPES, Target, needs_admin, run, summary
from tests.live import make_tenant
from tests.processes import ServerProcess
from turnout import openapi
from turnout.app import build_app
from turnout.surfaces import registry

BUDGET = float(os.environ.get("FUZZ_SECONDS", "25"))
SOAK_BUDGET = float(os.environ.get("FUZZ_SOAK_SECONDS", "300"))
SERVER_ERROR = re.compile(rb"Traceback|Exception in ASGI| 5\d\d [\d.]+ms ")

FINGERPRINT = [
    "SELECT count(*), coalesce(sum(version), 0), coalesce(sum(seats_taken), 0),"
    " coalesce(sum(capacity), 0) FROM events WHERE tenant_id = {p}",
    "SELECT count(*), coalesce(sum(r.version), 0), coalesce(sum(r.checked_in_count), 0)"
    " FROM registrations r JOIN events e ON e.pk = r.event_pk WHERE e.tenant_id = {p}",
    "SELECT count(*) FROM registration_history h JOIN registrations r ON r.pk = h.registration_pk"
    " JOIN events e ON e.pk = r.event_pk WHERE e.tenant_id = {p}",
]

ACTIVITY = """
SELECT pid, application_name, state, wait_event_type, wait_event, pg_blocking_pids(pid),
       round(extract(epoch FROM now() - xact_start)::numeric, 2) AS xact_seconds,
       left(regexp_replace(query, '\\s+', ' ', 'g'), 160)
FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()
ORDER BY xact_start NULLS LAST
"""


class Rows:
    """A direct connection to the server's database, to read the tenant's rows between requests."""

    def __init__(self, database_url: str, tenant_id: int) -> None:
        self.tenant_id = tenant_id
        self.loop: asyncio.AbstractEventLoop | None = None
        if database_url.startswith("sqlite:///"):
            self.sqlite = sqlite3.connect(database_url.removeprefix("sqlite:///"))
        else:
            self.loop = asyncio.new_event_loop()
            self.pg = self.loop.run_until_complete(asyncpg.connect(database_url))

    def fingerprint(self) -> tuple[Any, ...]:
        if self.loop is None:
            return tuple(
                tuple(self.sqlite.execute(q.format(p="?"), (self.tenant_id,)).fetchone())
                for q in FINGERPRINT
            )
        return tuple(
            tuple(self.loop.run_until_complete(self.pg.fetchrow(q.format(p="$1"), self.tenant_id)))
            for q in FINGERPRINT
        )

    def deliveries(self) -> dict[str, int]:
        """The outbox the run left, every tenant's: the in-process dispatcher works through it
        beside the fuzzed requests (each reset adds an endpoint whose deliveries all fail)."""
        sql = "SELECT state, count(*) FROM webhook_deliveries GROUP BY state"
        if self.loop is None:
            return dict(self.sqlite.execute(sql).fetchall())
        return dict(self.loop.run_until_complete(self.pg.fetch(sql)))  # type: ignore[arg-type]

    def activity(self) -> str:
        """PostgreSQL's other sessions on this database: state, what each waits for and on whom,
        how long its transaction has been open, and its query. SQLite has no such view: ''."""
        if self.loop is None:
            return ""
        rows = self.loop.run_until_complete(self.pg.fetch(ACTIVITY))
        return "\n".join("    " + " | ".join(str(v) for v in row.values()) for row in rows)

    def close(self) -> None:
        if self.loop is None:
            self.sqlite.close()
        else:
            self.loop.run_until_complete(self.pg.close())
            self.loop.close()


@pytest.fixture(scope="module")
def fuzzed(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    env = {
        "TURNOUT_ACCESS_LOG": "on",  # every 5xx leaves a line
        "TURNOUT_PAGE_SIZE": "1",  # so the objects below have page tokens
        "TURNOUT_HEADER_TIMEOUT_SECONDS": "2",
        "TURNOUT_BODY_TIMEOUT_SECONDS": "2",
    }
    if database_url.startswith("postgres") and os.environ.get("FUZZ_PG_LOG"):
        asyncio.run(_log_slow_statements(database_url))
    with ServerProcess(database_url, str(tmp_path_factory.mktemp("fuzz")), **env) as server:
        yield server


async def _log_slow_statements(database_url: str) -> None:
    """FUZZ_PG_LOG=1: PostgreSQL's server log gets this database's statements over 300 ms, its
    lock waits over deadlock_timeout, and (auto_explain) the plans of statements over 1 s — how
    the dispatcher's 300 s claim was found. Set before the server connects; the database is the
    session's own, dropped afterwards."""
    conn = await asyncpg.connect(database_url)
    name = database_url.rsplit("/", 1)[1]
    try:
        for setting in (
            "log_min_duration_statement = 300",
            "log_lock_waits = on",
            "session_preload_libraries = 'auto_explain'",
            "auto_explain.log_min_duration = 1000",
        ):
            await conn.execute(f"ALTER DATABASE {name} SET {setting}")
    finally:
        await conn.close()


def fuzz_once(server: ServerProcess, seconds: float, complete: bool = False) -> None:
    settings = server.settings.with_(page_size=1, access_log=True)  # as the other tests' apps
    app = build_app(settings)
    operations = routes.operations(app, openapi.document(settings), UNDOCUMENTED)
    assert len(operations) >= 23  # both surfaces and the operability routes
    seed = int(os.environ.get("FUZZ_SEED", random.randrange(2**32)))
    with make_tenant(server) as tenant:  # type: ignore[arg-type]
        rows = Rows(server.settings.database_url, tenant.id)
        admin_key = tenant.key_with("admin")
        admin = tenant.client(admin_key)
        try:
            values = _objects(tenant.http, admin)
            probe = (
                f"GET /api/v1/events/{values['event_id']} HTTP/1.1\r\nhost: fuzz\r\n"
                f"authorization: Bearer {tenant.key}\r\n\r\n"
            ).encode()
            target = Target(
                server.port,
                tenant.key,
                values,
                rows.fingerprint,
                lambda: values.update(_objects(tenant.http, admin)),
                probe,
                routes.top_routes(app),
                admin_key=admin_key,
                activity=rows.activity,
            )
            target.admin = needs_admin(operations, target)
            assert target.admin, "no operation needs the admin key: the derivation is broken"
            report = run(operations, target, seconds, seed)
            print(f"\nwebhook deliveries by state: {rows.deliveries()}")
        finally:
            admin.close()
            rows.close()
    text = summary(report)
    print(f"\nfuzz seed {seed} on {server.settings.database_url.split(':')[0]}: {text}")
    untouched = {f"{o.method} {o.path}" for o in operations} - set(report.operations)
    errors = [line for line in server.log().encode().splitlines() if SERVER_ERROR.search(line)]
    assert not report.findings, f"FUZZ_SEED={seed}\n{text}"
    assert not errors, b"\n".join(errors[:20]).decode(errors="replace")
    assert not untouched or seconds < 5, untouched
    # The long run must also get every admin operation past its scope check to a 2xx; a short one
    # may not, since most mutations make a request invalid.
    unreached = target.admin - set(report.admin_successes)
    print(f"admin operations: {len(target.admin)}, never 2xx: {sorted(unreached)}")
    assert not (complete and unreached), unreached


# Valid bodies for the routes the OpenAPI document leaves out: /v1's webhook endpoints
# (docs/WEBHOOKS.md), whose messages go nowhere (a loopback URL the delivery guard refuses).
WEBHOOK = "/v1/webhook_endpoints"
UNDOCUMENTED = {
    ("POST", WEBHOOK): {"url": "https://127.0.0.1:9/fz", "event_types": ["*"]},
    ("PATCH", WEBHOOK + "/{endpoint_id}"): {"description": "fuzzed", "enabled": True},
    ("POST", WEBHOOK + "/{endpoint_id}/replay"): {"since": "2020-01-01T00:00:00Z"},
    ("POST", WEBHOOK + "/{endpoint_id}/rotate_secret"): {},
    ("POST", WEBHOOK + "/{endpoint_id}/deliveries/{message_id}/redeliver"): {},
}


def _objects(http: httpx.Client, admin: httpx.Client) -> dict[str, str]:
    """An event with two registrations (so, with a page size of 1, a page token), as they were;
    for the admin routes, a hub and a rule both named `fzhub`, a key to revoke and rotate, and a
    webhook endpoint with a message (made anew each time: the fuzzer may delete it)."""
    made = admin.post(WEBHOOK, json=UNDOCUMENTED[("POST", WEBHOOK)])
    assert made.status_code == 201, made.text
    endpoint_id = made.json()["webhook_endpoint"]["id"]
    http.patch("/api/v1/events/fz_event", json={"status": "published"})
    body = {
        "bookable_event_id": "fz_event",
        "start": "2031-01-24T12:30:00Z",
        "end": "2031-01-24T17:00:00Z",
        "status": "confirmed",
        "registration": {"capacity": None},  # no limit: fuzzed writes fill seats
    }
    event = http.post("/v1/bookable_events", json=body)
    assert event.status_code == 200, event.text
    for rid in ("fz_reg", "fz_reg2"):
        r = http.post(
            "/v1/bookable_events/fz_event/registrations",
            json={
                "registration_id": rid,
                "status": "accepted",
                "metadata": {"email": f"{rid}@x.io"},
            },
        )
        assert r.status_code == 200, r.text
    page = http.get("/v1/bookable_events/fz_event").json()["registration"]["pages"]["next_page"]
    http.post(  # a change, so a message for the new endpoint
        "/v1/bookable_events/fz_event/registrations",
        json={"registration_id": "fz_hook_" + secrets.token_hex(3), "status": "declined"},
    )
    messages = admin.get(f"{WEBHOOK}/{endpoint_id}/deliveries").json()["deliveries"]
    # Hubs and rules the fuzzed creates made are deleted, so their examples' names are free again.
    for kind, listed in (("hub_rules", "hub_rules"), ("hubs", "hubs")):
        for made_by_fuzzer in admin.get(f"/v1/{kind}").json()[listed]:
            if made_by_fuzzer["name"] != "fzhub":
                admin.delete(f"/v1/{kind}/{made_by_fuzzer['name']}")
    admin.post("/v1/hubs", json={"name": "fzhub"})  # 422 once it exists: kept as it is
    admin.post("/v1/hub_rules", json={"name": "fzhub", "hub": "fzhub", "rights": ["listen"]})
    victim = admin.post("/v1/keys", json={"scope": "read", "name": "fuzzed"})
    assert victim.status_code == 200, victim.text
    return {
        "event_id": "fz_event",
        "registration_id": "fz_reg",
        "token": page.rsplit("/", 1)[1],
        # Notification hubs: /v1/hubs/{name} and /v1/hub_rules/{name} (admin keys), and /{hub}/…
        # (SAS tokens), which the fuzzer's API key reaches only as far as their refusals.
        "name": "fzhub",
        "hub": "fzhub",
        "tag": "fztag",
        "installation_id": "fzinstallation",
        "prefix": victim.json()["key"]["prefix"],  # /v1/keys/{prefix}: a fresh key each reset
        "endpoint_id": endpoint_id,
        "message_id": messages[0]["message_id"],
    }


def test_every_registered_surface_has_an_error_shape_to_check() -> None:
    assert {surface.name for surface in registry.SURFACES} <= set(SHAPES)


def test_fuzz_every_route(fuzzed: ServerProcess) -> None:
    fuzz_once(fuzzed, BUDGET)


@pytest.mark.soak
def test_fuzz_every_route_long(fuzzed: ServerProcess) -> None:
    fuzz_once(fuzzed, SOAK_BUDGET, complete=True)
