"""/api/v1 credentials, scopes, tenancy, rate limits and error shapes: K01–K05, K11–K13."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

from tests.conftest import base_settings
from tests.live import LiveServer, Tenant, make_tenant
from tests.webkasa import code, create_event, create_registration

RATE_HEADERS = ("x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset")


def test_no_key_is_401(tenant: Tenant) -> None:  # K01
    with tenant.client() as http:
        r = http.get("/api/v1/events")
    assert (r.status_code, code(r)) == (401, "UNAUTHORIZED")
    assert r.headers["www-authenticate"] == 'Bearer realm="turnout"'
    assert set(r.json()) == {"error", "code"}


def test_x_api_key_works_like_bearer(tenant: Tenant) -> None:  # K02
    with tenant.client(**{"X-API-Key": tenant.key}) as http:
        assert http.get("/api/v1/events").status_code == 200


def test_two_different_keys_are_401(tenant: Tenant) -> None:  # K02
    other = tenant.key_with("*")
    with tenant.client(tenant.key, **{"X-API-Key": other}) as http:
        assert http.get("/api/v1/events").status_code == 401
    with tenant.client(tenant.key, **{"X-API-Key": tenant.key}) as http:
        assert http.get("/api/v1/events").status_code == 200


def test_events_read_scope(tenant: Tenant) -> None:  # K03
    event = create_event(tenant.http)
    with tenant.client(tenant.key_with("events:read")) as http:
        assert http.get("/api/v1/events").status_code == 200
        assert http.get(f"/api/v1/events/{event['id']}").status_code == 200
        r = http.post("/api/v1/events", json={"title": "T", "start_date": "2030-01-01"})
        assert (r.status_code, code(r)) == (403, "INSUFFICIENT_SCOPE")
        assert "events:write" in r.json()["error"]
        assert http.get(f"/api/v1/events/{event['id']}/registrations").status_code == 403


def test_star_read_reads_everything_and_writes_nothing(tenant: Tenant) -> None:  # K04
    event = create_event(tenant.http)
    rid = create_registration(tenant.http, event["id"]).json()["data"]["id"]
    base = f"/api/v1/events/{event['id']}"
    with tenant.client(tenant.key_with("*:read")) as http:
        for path in (
            "/api/v1/events",
            base,
            base + "/registrations",
            f"{base}/registrations/{rid}",
        ):
            assert http.get(path).status_code == 200, path
        writes = [
            http.post("/api/v1/events", json={}),
            http.patch(base, json={}),
            http.post(base + "/registrations", json={}),
            http.patch(f"{base}/registrations/{rid}", json={}),
            http.delete(f"{base}/registrations/{rid}"),
            http.post(f"{base}/registrations/{rid}/check-in", json={}),
        ]
        assert [r.status_code for r in writes] == [403] * 6


def test_star_allows_everything_and_write_alone_cannot_read(tenant: Tenant) -> None:  # K04
    with tenant.client(tenant.key_with("*")) as http:
        event = create_event(http)
        assert http.get(f"/api/v1/events/{event['id']}/registrations").status_code == 200
    with tenant.client(tenant.key_with("events:write")) as http:
        assert http.get("/api/v1/events").status_code == 403
        assert (
            http.post("/api/v1/events", json={"title": "T", "start_date": "2030-01-01"}).status_code
            == 201
        )


def test_unrelated_webkasa_scopes_grant_nothing(tenant: Tenant) -> None:
    with tenant.client(tenant.key_with("bookings:read")) as http:
        assert http.get("/api/v1/events").status_code == 403


def test_other_organizations_objects_are_404(tenant: Tenant, other_tenant: Tenant) -> None:  # K05
    event = create_event(tenant.http)
    rid = create_registration(tenant.http, event["id"]).json()["data"]["id"]
    base, b = f"/api/v1/events/{event['id']}", other_tenant.http
    for r in (
        b.get(base),
        b.patch(base, json={"title": "x"}),
        b.get(base + "/registrations"),
        b.post(base + "/registrations", json={"attendee_email": "z@z.org", "attendee_name": "Z"}),
        b.get(f"{base}/registrations/{rid}"),
        b.patch(f"{base}/registrations/{rid}", json={"notes": "x"}),
        b.delete(f"{base}/registrations/{rid}"),
        b.post(f"{base}/registrations/{rid}/check-in", json={}),
    ):
        assert (r.status_code, code(r)) == (404, "NOT_FOUND")
    data = tenant.http.get(f"{base}/registrations/{rid}").json()["data"]
    assert (data["status"], data["notes"]) == ("PENDING", None)


def test_malformed_json_names_the_body(tenant: Tenant) -> None:  # K13
    r = tenant.http.post(
        "/api/v1/events", content=b"{nope", headers={"Content-Type": "application/json"}
    )
    assert (r.status_code, code(r)) == (422, "VALIDATION_ERROR")
    assert r.json()["details"][0]["field"] == "body"


def test_oversized_body_is_413(tenant: Tenant) -> None:
    r = tenant.http.post("/api/v1/events", json={"title": "x" * 70_000})
    assert (r.status_code, code(r)) == (413, "PAYLOAD_TOO_LARGE")


def test_unknown_routes_and_methods(tenant: Tenant) -> None:
    r = tenant.http.get("/api/v1/bookings")
    assert (r.status_code, code(r)) == (404, "NOT_FOUND")
    r = tenant.http.put("/api/v1/events")
    assert (r.status_code, code(r)) == (405, "METHOD_NOT_ALLOWED")
    assert r.headers["allow"] == "GET, HEAD, POST"  # RFC 9110: every method of the path


def test_a_path_with_a_newline_stays_in_the_surface(tenant: Tenant) -> None:
    # Starlette's mount stopped at the newline: a plain-text 404, before authentication.
    with tenant.client() as http:
        r = http.get("/api/v1/events/a%0Ab")
        assert (r.status_code, code(r)) == (401, "UNAUTHORIZED")
    r = tenant.http.get("/api/v1/events/a%0Ab")
    assert (r.status_code, code(r)) == (404, "NOT_FOUND")


@pytest.fixture
def limited(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    settings = base_settings(
        str(tmp_path_factory.mktemp("limited")),
        database_url,
        rate_limits=True,
        rate_limit_reads_per_minute=20,
        rate_limit_writes_per_minute=5,
    )
    with LiveServer(settings) as live:
        yield live


def test_every_response_carries_rate_limit_headers(limited: LiveServer) -> None:  # K11
    with make_tenant(limited) as t, t.client() as anonymous:
        event = create_event(t.http, slots=1)
        responses = [
            t.http.get(f"/api/v1/events/{event['id']}"),  # 200
            create_registration(t.http, event["id"], "a@x.org"),  # 201
            create_registration(t.http, event["id"], "b@x.org"),  # 409
            t.http.get("/api/v1/events/nope"),  # 404
            t.http.post("/api/v1/events", json={}),  # 422
            anonymous.get("/api/v1/events"),  # 401
        ]
        assert [r.status_code for r in responses] == [200, 201, 409, 404, 422, 401]
        now = time.time()
        for r in responses:
            assert all(h in r.headers for h in RATE_HEADERS), r
            assert int(r.headers["x-ratelimit-reset"]) >= now
        assert responses[0].headers["x-ratelimit-limit"] == "20"
        assert responses[1].headers["x-ratelimit-limit"] == "5"


def test_over_the_limit_is_429_with_retry_after(limited: LiveServer) -> None:  # K12
    with make_tenant(limited) as t:
        statuses = [t.http.post("/api/v1/events", json={}).status_code for _ in range(6)]
        assert statuses == [422] * 5 + [429]
        r = t.http.post("/api/v1/events", json={})
        retry = int(r.headers["retry-after"])
        assert 1 <= retry <= 60
        assert r.json() == {
            "error": "Rate limit exceeded",
            "code": "RATE_LIMITED",
            "retry_after": retry,
            "limit": "per-key-writes",
        }
        assert r.headers["x-ratelimit-remaining"] == "0"
        assert t.http.get("/api/v1/events").status_code == 200  # reads have their own budget


def test_limits_are_per_key(limited: LiveServer) -> None:
    with make_tenant(limited) as a, make_tenant(limited) as b:
        for _ in range(6):
            a.http.post("/api/v1/events", json={})
        assert a.http.post("/api/v1/events", json={}).status_code == 429
        assert b.http.post("/api/v1/events", json={}).status_code == 422


def test_rate_limits_off_sends_no_headers(tenant: Tenant) -> None:
    r = tenant.http.get("/api/v1/events")
    assert not any(h in r.headers for h in RATE_HEADERS)
    assert isinstance(r, httpx.Response)
