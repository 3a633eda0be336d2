"""Keys you can manage: revocation and expiry apply to the next request, in every process; rotation
keeps the old key for its grace period; the last use is recorded without a write per request."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

from tests.live import LiveServer, Tenant
from turnout.auth import keys
from turnout.core import times


def _prefix(key: str) -> str:
    return key[:15]


def _status(server: LiveServer, key: str) -> int:
    with Tenant(server, "-", 0, key).http as http:
        return http.get("/v1/bookable_events").status_code


def _listing(server: LiveServer, key: str) -> Any:
    return server.run(lambda store: store.find_key_listing(_prefix(key)))


def test_revoked_key_is_refused_by_the_next_request(tenant: Tenant) -> None:
    assert _status(tenant.server, tenant.key) == 200
    assert tenant.server.run(lambda store: store.revoke_api_key(_prefix(tenant.key), times.now()))
    answer = tenant.http.get("/v1/bookable_events")
    assert answer.status_code == 401
    assert "revoked" in answer.headers["WWW-Authenticate"]


def test_key_revoke_from_another_process_applies_at_once(tenant: Tenant) -> None:
    """`turnout key revoke` in its own process; the server's very next request refuses the key."""
    assert _status(tenant.server, tenant.key) == 200
    settings = tenant.server.settings
    done = subprocess.run(
        [sys.executable, "-m", "turnout", "key", "revoke", _prefix(tenant.key)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={
            **os.environ,
            "TURNOUT_DATABASE_URL": settings.database_url,
            "TURNOUT_SECRET": settings.secret,
        },
    )
    assert done.returncode == 0, done.stderr
    assert "revoked key" in done.stdout
    assert _status(tenant.server, tenant.key) == 401


def test_expired_key_is_refused(tenant: Tenant) -> None:
    assert _status(tenant.server, tenant.key) == 200
    tenant.server.run(lambda store: store.expire_api_key(_prefix(tenant.key), times.now()))
    answer = tenant.http.get("/v1/bookable_events")
    assert answer.status_code == 401
    assert "expired" in answer.headers["WWW-Authenticate"]


def test_expiry_never_moves_later(tenant: Tenant) -> None:
    prefix, soon = _prefix(tenant.key), times.now() + 60
    tenant.server.run(lambda store: store.expire_api_key(prefix, soon))
    tenant.server.run(lambda store: store.expire_api_key(prefix, soon + 3600))
    assert _listing(tenant.server, tenant.key).expires_at == soon


def test_rotation_keeps_the_old_key_for_the_grace_period(tenant: Tenant) -> None:
    server = tenant.server
    old = _listing(server, tenant.key)
    now = times.now()
    new_key = server.run(
        lambda store: keys.rotate_key(store, server.settings.server_secret(), old, 3600, now)
    )
    assert _status(server, new_key) == 200
    assert _status(server, tenant.key) == 200
    assert _listing(server, tenant.key).expires_at == now + 3600
    rotated = _listing(server, new_key)
    assert (rotated.scopes, rotated.name, rotated.expires_at) == (old.scopes, old.name, None)


def test_rotation_without_grace_ends_the_old_key(tenant: Tenant) -> None:
    server = tenant.server
    old = _listing(server, tenant.key)
    new_key = server.run(
        lambda store: keys.rotate_key(store, server.settings.server_secret(), old, 0, times.now())
    )
    assert _status(server, tenant.key) == 401
    assert _status(server, new_key) == 200


def test_last_use_is_recorded(tenant: Tenant) -> None:
    assert _listing(tenant.server, tenant.key).last_used_at is None
    before = times.now()
    assert _status(tenant.server, tenant.key) == 200
    assert _listing(tenant.server, tenant.key).last_used_at >= before


def test_last_use_is_written_at_most_once_a_minute(tenant: Tenant) -> None:
    """A use recorded 30 s ago (by any process) is not rewritten; one 61 s ago is."""
    server, prefix = tenant.server, _prefix(tenant.key)

    def set_last_used(at: int) -> None:
        async def go(store: Any) -> None:
            await store._key_write(
                "UPDATE api_keys SET last_used_at = ? WHERE prefix = ?", at, prefix
            )

        server.run(go)

    recent = times.now() - 30
    set_last_used(recent)
    for _ in range(5):
        assert _status(server, tenant.key) == 200
    assert _listing(server, tenant.key).last_used_at == recent
    set_last_used(times.now() - 61)
    assert _status(server, tenant.key) == 200
    assert _listing(server, tenant.key).last_used_at >= times.now() - 1


def test_tenant_settings_apply_to_the_next_request(tenant: Tenant) -> None:
    body = {
        "bookable_event_id": "strict",
        "start": "2030-01-24T12:30:00Z",
        "end": "2030-01-24T17:00:00Z",
        "status": "confirmed",
        "registration": {"capacity": 5},
    }
    assert tenant.http.post("/v1/bookable_events", json=body).status_code == 200
    tenant.server.run(lambda store: store.set_require_precondition(tenant.name, True))
    assert tenant.http.post("/v1/bookable_events", json=body).status_code == 428


def test_a_changed_secret_is_refused_while_keys_depend_on_the_old_one(tenant: Tenant) -> None:
    server = tenant.server

    async def check(store: Any, secret: bytes) -> str | None:
        try:
            await keys.check_secret(store, secret, times.now())
        except keys.SecretChanged as exc:
            return str(exc)
        return None

    server.run(lambda store: check(store, server.settings.server_secret()))
    refused = server.run(lambda store: check(store, b"another secret entirely, 32 chars+"))
    assert refused is not None and "turnout secret adopt" in refused
