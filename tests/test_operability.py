"""Health, readiness and migrations on both databases."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.live import LiveServer, Tenant
from turnout.store import open_store


def test_healthz_and_readyz(server: LiveServer) -> None:
    import httpx

    assert httpx.get(server.url + "/healthz").json() == {"status": "ok"}
    ready = httpx.get(server.url + "/readyz")
    assert ready.status_code == 200
    assert ready.json()["database"] in ("sqlite", "postgres")


def test_migrations_are_recorded_and_not_reapplied(server: LiveServer) -> None:
    async def go(store: Any) -> list[int]:
        return list(await store.migrate())

    assert server.run(go) == []


def test_schema_has_the_same_tables_and_columns_on_both(database_url: str) -> None:
    async def columns() -> dict[str, list[str]]:
        from turnout.config import Settings

        store = await open_store(Settings(database_url=database_url, secret="x" * 32))
        try:
            tables = list(EXPECTED)
            found = {}
            for table in tables:
                if store.dialect == "sqlite":
                    rows = store.db.execute(f"PRAGMA table_info({table})").fetchall()  # type: ignore[attr-defined]
                    found[table] = [r[1] for r in rows]
                else:
                    rows = await store.pool.fetch(  # type: ignore[attr-defined]
                        "SELECT column_name FROM information_schema.columns WHERE table_name = $1"
                        " ORDER BY ordinal_position",
                        table,
                    )
                    found[table] = [r[0] for r in rows]
            return found
        finally:
            await store.close()

    found = asyncio.run(columns())
    assert found["registrations"][:4] == ["pk", "event_pk", "id", "seq"]
    assert "seats_taken" in found["events"] and "key_hash" in found["api_keys"]
    assert found == EXPECTED


EXPECTED = {
    "tenants": ["id", "name", "created_at", "require_precondition", "cors_origins"],
    "server_secret": ["id", "fingerprint", "recorded_at"],
    "idempotency_keys": ["scope", "key", "fingerprint", "created_at", "status", "headers", "body"],
    "api_keys": [
        "id",
        "tenant_id",
        "prefix",
        "key_hash",
        "scopes",
        "name",
        "created_at",
        "revoked_at",
        "expires_at",
        "last_used_at",
    ],
    "events": [
        "pk",
        "tenant_id",
        "id",
        "title",
        "description",
        "location",
        "cost_cents",
        "start_at",
        "end_at",
        "timezone",
        "start_date",
        "status",
        "capacity",
        "count_pending",
        "count_tentative",
        "count_accepted",
        "count_declined",
        "count_removed",
        "count_attended",
        "seats_taken",
        "checked_in",
        "next_seq",
        "version",
        "created_at",
        "updated_at",
    ],
    "registrations": [
        "pk",
        "event_pk",
        "id",
        "seq",
        "status",
        "guest_count",
        "metadata",
        "email_key",
        "notes",
        "checked_in_count",
        "checked_in_at",
        "version",
        "created_at",
        "updated_at",
    ],
    "registration_history": ["pk", "registration_pk", "status", "checked_in_count", "at"],
}


def test_a_client_hanging_up_mid_body_is_not_a_server_error(tenant: Tenant, caplog: Any) -> None:
    import socket
    import time

    import httpx

    for path in ("/v1/bookable_events", "/api/v1/events"):
        with socket.create_connection(("127.0.0.1", tenant.server.settings.port)) as s:
            s.sendall(
                f"POST {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {tenant.key}\r\n"
                'Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"a":'.encode()
            )
    time.sleep(0.3)
    assert httpx.get(tenant.server.url + "/healthz").status_code == 200
    assert not [r for r in caplog.records if r.levelname in ("ERROR", "CRITICAL")]
