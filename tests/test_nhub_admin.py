"""Hub management as /v1 extensions for admin keys (docs/NOTIFICATION_HUBS.md; spec RT-3)."""

from __future__ import annotations

import re
import secrets

import httpx

from tests.live import Tenant
from tests.nhub import sas_token

CONNECTION = re.compile(
    r"Endpoint=http://([^/]+)/;SharedAccessKeyName=([^;]+);SharedAccessKey=(.{44})\Z"
)


def admin(tenant: Tenant) -> httpx.Client:
    return tenant.client(tenant.key_with("admin"))


def test_admin_creates_a_hub_whose_keys_work(tenant: Tenant) -> None:
    name = "adm" + secrets.token_hex(4)
    with admin(tenant) as http:
        made = http.post("/v1/hubs", json={"name": name, "registration_quota": 5})
        assert made.status_code == 200, made.text
        assert made.json()["hub"] == {
            "name": name,
            "registration_quota": 5,
            "registration_ttl_seconds": None,
            "device_count": 0,
            "requests_per_second": None,
        }
        _, rule, key = CONNECTION.match(made.json()["connection_strings"]["full"]).groups()  # type: ignore[union-attr]
        assert [h["name"] for h in http.get("/v1/hubs").json()["hubs"]] == [name]
        changed = http.post(f"/v1/hubs/{name}", json={"registration_quota": None})
        assert changed.json()["hub"]["registration_quota"] is None
    token = sas_token(tenant.server.url + "/", rule, key)
    r = httpx.get(f"{tenant.server.url}/{name}/registrations", headers={"Authorization": token})
    assert r.status_code == 200


def test_admin_rules_rotate_and_delete(tenant: Tenant) -> None:
    name = "adm" + secrets.token_hex(4)
    with admin(tenant) as http:
        http.post("/v1/hubs", json={"name": name})
        rule = f"{name}-backend"
        made = http.post(
            "/v1/hub_rules", json={"name": rule, "hub": name, "rights": ["listen", "manage"]}
        )
        assert made.status_code == 200, made.text
        old = CONNECTION.match(made.json()["connection_string"]).group(3)  # type: ignore[union-attr]
        new = CONNECTION.match(
            http.post(f"/v1/hub_rules/{rule}/rotate").json()["connection_string"]
        ).group(3)  # type: ignore[union-attr]
        for key in (old, new):
            token = sas_token(tenant.server.url + "/", rule, key)
            r = httpx.get(
                f"{tenant.server.url}/{name}/registrations", headers={"Authorization": token}
            )
            assert r.status_code == 200
        assert rule in [r["name"] for r in http.get("/v1/hub_rules").json()["hub_rules"]]
        assert http.delete(f"/v1/hub_rules/{rule}").status_code == 200
        assert http.delete(f"/v1/hub_rules/{rule}").status_code == 404
        assert http.delete(f"/v1/hubs/{name}").status_code == 200
        assert http.get(f"/v1/hubs/{name}").status_code == 404


def test_reserved_names_and_non_admin_keys_are_refused(tenant: Tenant) -> None:  # RT-3
    with admin(tenant) as http:
        for name in ("Health2", "admin", "v1"):
            r = http.post("/v1/hubs", json={"name": name})
            assert r.status_code == 422 and "errors" in r.json(), r.text
    assert tenant.http.get("/v1/hubs").status_code == 403
    assert (
        tenant.http.post("/v1/hubs", json={"name": "x" + secrets.token_hex(3)}).status_code == 403
    )


def test_bodies_are_checked_against_their_declarations(tenant: Tenant) -> None:
    with admin(tenant) as http:
        for body in (
            {"name": "x1", "registration_quota": -1},
            {"registration_quota": 1},
            {"name": 5},
        ):
            r = http.post("/v1/hubs", json=body)
            assert r.status_code == 422 and r.json()["errors"], (body, r.text)
        r = http.post("/v1/hub_rules", json={"name": "r" + secrets.token_hex(3), "rights": ["own"]})
        assert r.status_code == 422 and "rights" in r.json()["errors"], r.text
