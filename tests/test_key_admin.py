"""The /v1 key-management extension: an admin key manages its own tenant's keys, nothing more."""

from __future__ import annotations

import httpx

from tests.cronofy_errors import cronofy_body
from tests.live import Tenant
from turnout.core import times


def _admin(tenant: Tenant) -> httpx.Client:
    return tenant.client(tenant.key_with("admin"))


def _works(tenant: Tenant, key: str) -> bool:
    with tenant.client(key) as http:
        return http.get("/v1/bookable_events").status_code == 200


def test_admin_key_lists_its_tenants_keys_without_secrets(tenant: Tenant) -> None:
    with _admin(tenant) as http:
        answer = http.get("/v1/keys")
    assert answer.status_code == 200
    listed = answer.json()["keys"]
    assert {k["prefix"] for k in listed} >= {tenant.key[:15]}
    assert all(
        set(k)
        == {
            "prefix",
            "name",
            "scopes",
            "created_at",
            "last_used_at",
            "expires_at",
            "revoked_at",
            "state",
        }
        for k in listed
    )
    assert tenant.key not in answer.text


def test_a_write_key_cannot_manage_keys(tenant: Tenant) -> None:
    answer = tenant.http.get("/v1/keys")
    assert (answer.status_code, cronofy_body(answer)) == (403, {})
    challenge = answer.headers["WWW-Authenticate"]
    assert 'error="insufficient_scope"' in challenge and 'scope="admin"' in challenge
    assert tenant.http.post("/v1/keys", json={"scope": "admin"}).status_code == 403


def test_admin_key_makes_keys_of_any_scope(tenant: Tenant) -> None:
    with _admin(tenant) as http:
        read = http.post("/v1/keys", json={"scope": "read", "name": "reporting"})
        admin = http.post("/v1/keys", json={"scope": "admin"})
    assert read.status_code == 200 and admin.status_code == 200
    made = read.json()
    assert made["key"]["scopes"] == ["read"] and made["key"]["name"] == "reporting"
    assert made["api_key"].startswith(made["key"]["prefix"] + "_")
    assert _works(tenant, made["api_key"])
    with tenant.client(made["api_key"]) as http:
        assert http.post("/v1/bookable_events", json={}).status_code == 403
    with tenant.client(admin.json()["api_key"]) as http:
        assert http.get("/v1/keys").status_code == 200


def test_a_key_with_an_expiry(tenant: Tenant) -> None:
    soon = times.format_utc(times.now() + 3600)
    with _admin(tenant) as http:
        made = http.post("/v1/keys", json={"expires_at": soon}).json()
        past = http.post("/v1/keys", json={"expires_at": "2001-01-01T00:00:00Z"})
    assert made["key"]["expires_at"] == soon
    assert past.status_code == 422 and "expires_at" in past.json()["errors"]


def test_bad_fields_are_422_naming_each(tenant: Tenant) -> None:
    with _admin(tenant) as http:
        answer = http.post("/v1/keys", json={"scope": "owner", "name": 5})
    assert answer.status_code == 422
    assert set(answer.json()["errors"]) == {"scope", "name"}


def test_revoking_through_the_api_applies_to_the_next_request(tenant: Tenant) -> None:
    assert _works(tenant, tenant.key)
    with _admin(tenant) as http:
        answer = http.delete(f"/v1/keys/{tenant.key[:15]}")
        again = http.delete(f"/v1/keys/{tenant.key[:15]}")
    assert answer.status_code == 200 and answer.json()["key"]["state"] == "revoked"
    assert again.status_code == 200
    assert not _works(tenant, tenant.key)


def test_another_tenants_key_is_404(tenant: Tenant, other_tenant: Tenant) -> None:
    with _admin(tenant) as http:
        assert http.get(f"/v1/keys/{other_tenant.key[:15]}").status_code == 404
        assert http.delete(f"/v1/keys/{other_tenant.key[:15]}").status_code == 404
        assert http.post(f"/v1/keys/{other_tenant.key[:15]}/rotate").status_code == 404
    assert _works(other_tenant, other_tenant.key)


def test_rotation_through_the_api(tenant: Tenant) -> None:
    with _admin(tenant) as http:
        answer = http.post(f"/v1/keys/{tenant.key[:15]}/rotate", json={"grace_seconds": 600})
        too_long = http.post(f"/v1/keys/{tenant.key[:15]}/rotate", json={"grace_seconds": -1})
    assert answer.status_code == 200
    rotated = answer.json()
    assert rotated["replaces"]["prefix"] == tenant.key[:15]
    assert rotated["replaces"]["expires_at"] is not None
    assert _works(tenant, rotated["api_key"]) and _works(tenant, tenant.key)
    assert too_long.status_code == 422 and "grace_seconds" in too_long.json()["errors"]


def test_admin_key_reads_its_tenant(tenant: Tenant) -> None:
    with _admin(tenant) as http:
        answer = http.get("/v1/tenant")
    assert answer.json() == {
        "tenant": {"name": tenant.name, "require_precondition": False, "cors_origins": []}
    }
