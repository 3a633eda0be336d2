"""/v1 errors that explain themselves without breaking Cronofy's clients: RFC 6750 challenges, the
turnout_error member, which limit a 429 is, and per-tenant CORS with preflights that never count as
failed authentications."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.builders import make_event
from tests.conftest import base_settings
from tests.cronofy_errors import cronofy_body
from tests.live import LiveServer, Tenant, make_tenant

README_SAMPLE = "tk_AbCdEf012345_..."  # a key cut short, as a reader might paste it


def _explained(response: httpx.Response) -> dict[str, str]:
    member: dict[str, str] = response.json()["turnout_error"]
    return member


def test_no_credential_is_a_bare_challenge(tenant: Tenant) -> None:
    with tenant.client() as http:
        answer = http.get("/v1/bookable_events")
    assert answer.headers["WWW-Authenticate"] == 'Bearer realm="turnout"'  # RFC 6750 §3.1
    assert _explained(answer)["code"] == "no_credentials"
    assert "Authorization: Bearer" in _explained(answer)["fix"]


@pytest.mark.parametrize(
    ("headers", "fix"),
    [
        ({"X-API-Key": "{key}"}, "X-API-Key is read by /api/v1 only"),
        ({"Authorization": "{key}"}, "put the word Bearer before the key"),
        ({"Authorization": "Token {key}"}, "not the Token scheme"),
    ],
)
def test_a_key_in_the_wrong_place_says_where_it_goes(
    tenant: Tenant, headers: dict[str, str], fix: str
) -> None:
    sent = {name: value.replace("{key}", tenant.key) for name, value in headers.items()}
    with tenant.client(**sent) as http:
        answer = http.get("/v1/bookable_events")
    assert answer.status_code == 401
    assert fix in _explained(answer)["fix"]


def test_a_truncated_key_is_invalid_token_with_a_description(tenant: Tenant) -> None:
    with tenant.client(README_SAMPLE) as http:
        answer = http.get("/v1/bookable_events")
    challenge = answer.headers["WWW-Authenticate"]
    assert challenge.startswith(
        'Bearer realm="turnout", error="invalid_token", error_description="'
    )
    assert "not a turnout key" in challenge
    assert cronofy_body(answer) == {}


def test_an_unknown_key_and_a_revoked_key_say_different_things(tenant: Tenant) -> None:
    unknown = tenant.key[:15] + "_" + "x" * 32
    with tenant.client(unknown) as http:
        assert "not known" in _explained(http.get("/v1/bookable_events"))["problem"]
    tenant.server.run(lambda store: store.revoke_api_key(tenant.key[:15], 0))
    assert "revoked" in _explained(tenant.http.get("/v1/bookable_events"))["problem"]


def test_a_read_key_writing_is_insufficient_scope_naming_the_scope(tenant: Tenant) -> None:
    with tenant.client(tenant.key_with("read")) as http:
        answer = http.post("/v1/bookable_events", json={})
    assert answer.status_code == 403
    challenge = answer.headers["WWW-Authenticate"]
    assert 'error="insufficient_scope"' in challenge and 'scope="write"' in challenge
    assert "--scope write" in _explained(answer)["fix"]
    assert cronofy_body(answer) == {}


def test_404s_say_what_is_missing(tenant: Tenant) -> None:
    make_event(tenant.http, "real")
    event = tenant.http.get("/v1/bookable_events/nope")
    registration = tenant.http.get("/v1/bookable_events/real/registrations/nope")
    path = tenant.http.get("/v1/bookable_event")
    assert "no bookable event" in _explained(event)["problem"]
    assert "drafts" in _explained(event)["problem"]
    assert "no registration" in _explained(registration)["problem"]
    assert _explained(path)["code"] == "no_such_path" and "/docs" in _explained(path)["fix"]


def test_422_keeps_cronofys_errors_and_adds_the_fix(tenant: Tenant) -> None:
    answer = tenant.http.post("/v1/bookable_events", json={"bookable_event_id": "x"})
    assert answer.status_code == 422
    assert set(cronofy_body(answer)["errors"]) >= {"start", "end", "status"}
    assert "start" in _explained(answer)["fix"]


@pytest.fixture
def limited(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    settings = base_settings(
        str(tmp_path_factory.mktemp("limited")),
        database_url,
        rate_limits=True,
        rate_limit_failed_auth_per_minute=3,
        rate_limit_v1_per_second=2,
    )
    with LiveServer(settings) as live:
        yield live


def test_429s_name_the_limit(limited: LiveServer) -> None:
    with make_tenant(limited) as t, t.client("tk_wrongwrongwr_" + "x" * 32) as wrong:
        fumbled = [wrong.get(path) for path in ["/v1/bookable_events"] * 4 + ["/api/v1/events"]]
        v1, webkasa = fumbled[3], fumbled[4]
        assert (v1.status_code, webkasa.status_code) == (429, 429)
        assert _explained(v1)["limit"] == "per-address-failed-auth"
        assert "failed authentications" in _explained(v1)["problem"]
        assert webkasa.json()["limit"] == "per-address-failed-auth"
        busy = [t.http.get("/v1/bookable_events") for _ in range(6)]
        over = next(r for r in busy if r.status_code == 429)
        assert _explained(over)["limit"] == "per-tenant-second"


ORIGIN = "https://app.example.com"


def _preflight(
    http: httpx.Client, origin: str, path: str = "/v1/bookable_events"
) -> httpx.Response:
    return http.options(
        path,
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )


def test_cors_is_off_until_a_tenant_allows_an_origin(tenant: Tenant) -> None:
    origin = f"https://off-{tenant.name}.example"
    with tenant.client() as http:
        refused = _preflight(http, origin)
    assert refused.status_code == 204
    assert "access-control-allow-origin" not in refused.headers
    answer = tenant.http.get("/v1/bookable_events", headers={"Origin": origin})
    assert answer.status_code == 200 and "access-control-allow-origin" not in answer.headers


def test_cors_allows_the_tenants_origins_only(tenant: Tenant, other_tenant: Tenant) -> None:
    origin = f"https://{tenant.name}.example"
    tenant.server.run(lambda store: store.set_cors_origins(tenant.name, [origin]))
    with tenant.client() as http:
        for path in ("/v1/bookable_events", "/api/v1/events"):
            allowed = _preflight(http, origin, path)
            assert allowed.status_code == 204
            assert allowed.headers["access-control-allow-origin"] == origin
            assert "Authorization" in allowed.headers["access-control-allow-headers"]
    answer = tenant.http.get("/v1/bookable_events", headers={"Origin": origin})
    assert answer.headers["access-control-allow-origin"] == origin
    assert "ETag" in answer.headers["access-control-expose-headers"]
    theirs = other_tenant.http.get("/v1/bookable_events", headers={"Origin": origin})
    assert theirs.status_code == 200 and "access-control-allow-origin" not in theirs.headers


def test_preflights_never_count_as_failed_authentication(limited: LiveServer) -> None:
    with make_tenant(limited) as t, t.client() as http:
        for _ in range(10):  # over the limit of 3 failed authentications, were they counted
            assert _preflight(http, ORIGIN).status_code == 204
            assert _preflight(http, ORIGIN, "/api/v1/events").status_code == 204
        assert http.get("/v1/bookable_events").status_code == 401  # not 429
