"""Credentials, scopes and tenancy: C01–C04, plus unknown routes and methods."""

from __future__ import annotations

import pytest

from tests.builders import counters, make_event, register
from tests.cronofy_errors import cronofy_body
from tests.live import Tenant


@pytest.mark.parametrize(
    "authorization",
    [None, "Basic dXNlcjpwYXNz", "Bearer", "Bearer tk_unknownunkno_" + "x" * 32, "Bearer nonsense"],
)
def test_missing_or_bad_credentials_are_401(
    tenant: Tenant, authorization: str | None
) -> None:  # C01
    headers = {"Authorization": authorization} if authorization else {}
    with tenant.client(**headers) as http:
        r = http.get("/v1/bookable_events")
    assert r.status_code == 401
    assert cronofy_body(r) == {}
    challenge = r.headers["www-authenticate"]
    assert challenge.startswith('Bearer realm="turnout"')
    # RFC 6750 §3.1: no error code when the request carried no bearer credential at all.
    sent = authorization not in (None, "Basic dXNlcjpwYXNz", "Bearer")
    assert ('error="invalid_token"' in challenge) == sent, challenge


def test_a_near_miss_key_is_401(tenant: Tenant) -> None:
    near = tenant.key[:-1] + ("a" if tenant.key[-1] != "a" else "b")
    with tenant.client(near) as http:
        assert http.get("/v1/bookable_events").status_code == 401


def test_bearer_token_in_query_is_not_a_credential(tenant: Tenant) -> None:  # C02
    with tenant.client() as http:
        r = http.get("/v1/bookable_events", params={"bearer_token": tenant.key})
    assert r.status_code == 401


def test_unknown_path_checks_the_credential_first(tenant: Tenant) -> None:
    with tenant.client() as http:
        assert http.get("/v1/nowhere").status_code == 401
    r = tenant.http.get("/v1/nowhere")
    assert (r.status_code, cronofy_body(r)) == (404, {})


def test_wrong_method_is_405(tenant: Tenant) -> None:
    r = tenant.http.put("/v1/bookable_events")
    assert (r.status_code, cronofy_body(r)) == (405, {})
    assert r.headers["allow"] == "GET, HEAD, POST"  # RFC 9110: every method of the path


def test_a_path_with_a_newline_stays_in_the_surface(tenant: Tenant) -> None:
    # Starlette's mount stopped at the newline: a plain-text 404, before authentication.
    path = "/v1/bookable_events/a%0Ab/registrations"
    with tenant.client() as http:
        r = http.get(path)
        assert (r.status_code, cronofy_body(r)) == (401, {})
    r = tenant.http.get(path)
    assert (r.status_code, cronofy_body(r)) == (404, {})


def test_read_scope_cannot_write(tenant: Tenant) -> None:
    make_event(tenant.http, "be_1")
    with tenant.client(tenant.key_with("read")) as http:
        assert http.get("/v1/bookable_events/be_1").status_code == 200
        assert (
            http.post(
                "/v1/availability", json={"bookable_events": [{"bookable_event_id": "be_1"}]}
            ).status_code
            == 200
        )
        r = register(http, "be_1", "r1")
        assert (r.status_code, cronofy_body(r)) == (403, {})
        assert http.post("/v1/bookable_events", json={}).status_code == 403
        assert http.delete("/v1/bookable_events/be_1/registrations/r1").status_code == 403


def test_other_tenants_events_look_missing(tenant: Tenant, other_tenant: Tenant) -> None:  # C03
    make_event(tenant.http, "be_1", capacity=5)
    register(tenant.http, "be_1", "r1")
    before = counters(tenant.http, "be_1")
    b = other_tenant.http
    for r in (
        b.get("/v1/bookable_events/be_1"),
        b.get("/v1/bookable_events/be_1/registrations"),
        b.get("/v1/bookable_events/be_1/registrations/r1"),
        register(b, "be_1", "r2"),
        b.delete("/v1/bookable_events/be_1/registrations/r1"),
    ):
        assert (r.status_code, cronofy_body(r)) == (404, {})
    assert counters(tenant.http, "be_1") == before
    assert b.get("/v1/bookable_events").json()["bookable_events"] == []


def test_same_event_id_in_two_tenants_is_two_events(tenant: Tenant, other_tenant: Tenant) -> None:
    make_event(tenant.http, "be_1", capacity=1)
    make_event(other_tenant.http, "be_1", capacity=7)
    assert counters(tenant.http, "be_1")["capacity"] == 1
    assert counters(other_tenant.http, "be_1")["capacity"] == 7


def test_access_log_never_holds_the_key(
    tenant: Tenant, access_log: list[str]
) -> None:  # C04 (HTTP)
    make_event(tenant.http, "be_1")
    tenant.http.get("/v1/bookable_events/be_1", params={"bearer_token": tenant.key})
    tenant.http.post(
        "/v1/bookable_events", json={"bearer_token": tenant.key, "bookable_event_id": "x"}
    )
    lines = [line for line in access_log if "/v1/bookable_events" in line]
    assert len(lines) >= 3
    assert all(tenant.key not in line and "bearer_token" not in line for line in lines)
    assert any(f"tenant={tenant.name}" in line and " 200 " in line for line in lines)
