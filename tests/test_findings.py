"""Issue 10's findings, one regression test each, on both databases: requests that got a 500, a
redirect to the Host header, a silently chosen credential, a draft reached through /v1, a page
token read through junk, a host-dependent time zone, or a refusal not replayed under its key."""

from __future__ import annotations

import logging
import secrets
import socket
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.builders import error_key, event_body, make_event, register
from tests.cronofy_errors import cronofy_body
from tests.live import Tenant
from tests.webkasa import code, create_event, create_registration


@pytest.fixture
def server_errors() -> Iterator[list[str]]:
    """Every ERROR (or worse) logged by uvicorn or turnout while the test runs."""
    lines: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.levelno >= logging.ERROR:
                lines.append(f"{record.name}: {record.getMessage()}")

    handler = Collect()
    loggers = [logging.getLogger(name) for name in ("uvicorn.error", "turnout", "turnout.errors")]
    for logger in loggers:
        logger.addHandler(handler)
    try:
        yield lines
    finally:
        for logger in loggers:
            logger.removeHandler(handler)


def test_patch_moving_a_long_event_past_9999_is_refused(tenant: Tenant) -> None:
    event = create_event(
        tenant.http, start_date="9990-01-01", end_date="9999-06-01", end_time="10:00"
    )
    r = tenant.http.patch(f"/api/v1/events/{event['id']}", json={"start_date": "9999-12-30"})
    assert r.status_code == 422, r.text
    assert code(r) == "VALIDATION_ERROR"
    assert tenant.http.get(f"/api/v1/events/{event['id']}").json()["data"]["end_date"] == (
        "9999-06-01"
    )


@pytest.mark.parametrize("surface", ["/v1/bookable_events", "/api/v1/events"])
def test_keyed_write_whose_client_hangs_up_mid_body_logs_no_error(
    tenant: Tenant, surface: str, server_errors: list[str], access_log: list[str]
) -> None:
    host, port = tenant.server.url.removeprefix("http://").split(":")
    head = (
        f"POST {surface} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {tenant.key}\r\n"
        f"Idempotency-Key: {secrets.token_hex(8)}\r\nContent-Type: application/json\r\n"
        "Content-Length: 1000\r\n\r\n"
    )
    with socket.create_connection((host, int(port))) as sock:
        sock.sendall(head.encode() + b'{"title": "half')
        time.sleep(0.2)
    deadline = time.monotonic() + 5
    while not any(f"POST {surface} " in line for line in access_log):
        assert time.monotonic() < deadline, "the request was never finished"
        time.sleep(0.05)
    time.sleep(0.2)
    assert server_errors == []
    assert not [line for line in access_log if f"POST {surface} 5" in line]


@pytest.mark.parametrize(
    ("path", "authenticated"),
    [
        ("/v1", True),
        ("/api/v1", True),
        ("/v1/", True),
        ("/v1/bookable_events/", True),
        ("/api/v1/events/", True),
        ("/healthz/", False),
        ("/readyz/", False),
        ("/docs/", False),
        ("/openapi.json/", False),
        ("/nowhere", False),
    ],
)
def test_no_path_redirects_to_the_host_header(
    tenant: Tenant, path: str, authenticated: bool
) -> None:
    anonymous = httpx.get(tenant.server.url + path, headers={"Host": "evil.example"})
    assert anonymous.status_code == (401 if authenticated else 404), anonymous.text
    assert "location" not in anonymous.headers
    with_key = tenant.http.get(path, headers={"Host": "evil.example"})
    assert with_key.status_code == 404, with_key.text
    assert "location" not in with_key.headers
    assert with_key.headers["content-type"].startswith("application/json")
    if path.startswith("/api/v1"):
        assert code(with_key) == "NOT_FOUND"
    elif path.startswith("/v1"):
        assert cronofy_body(with_key) == {}


def _keyed(http: httpx.Client, method: str, url: str, key: str, **kwargs: object) -> httpx.Response:
    return http.request(method, url, headers={"Idempotency-Key": key}, **kwargs)  # type: ignore[arg-type]


def test_full_event_refusal_is_replayed_under_its_key(tenant: Tenant) -> None:
    make_event(tenant.http, "full", capacity=1)
    key = secrets.token_hex(8)
    body = {"registration_id": "late", "status": "accepted"}
    url = "/v1/bookable_events/full/registrations"
    assert register(tenant.http, "full", "first").status_code == 200
    first = _keyed(tenant.http, "POST", url, key, json=body)
    assert first.status_code == 422 and error_key(first, "status") == "errors.capacity_reached"
    # Room appears; the retry still gets the first answer, as docs/RELIABILITY.md promises.
    assert tenant.http.delete("/v1/bookable_events/full/registrations/first").status_code == 200
    retry = _keyed(tenant.http, "POST", url, key, json=body)
    assert (retry.status_code, retry.content) == (first.status_code, first.content)
    assert retry.headers["idempotent-replayed"] == "true"


def test_cancelled_event_refusal_is_replayed_under_its_key(tenant: Tenant) -> None:
    make_event(tenant.http, "off", status="cancelled")
    key = secrets.token_hex(8)
    url = "/v1/bookable_events/off/registrations"
    body = {"registration_id": "r1", "status": "accepted"}
    first = _keyed(tenant.http, "POST", url, key, json=body)
    assert first.status_code == 422 and error_key(first, "status") == "errors.event_cancelled"
    make_event(tenant.http, "off")  # confirmed again
    retry = _keyed(tenant.http, "POST", url, key, json=body)
    assert (retry.status_code, retry.content) == (first.status_code, first.content)
    assert retry.headers["idempotent-replayed"] == "true"


def test_precondition_failure_is_replayed_under_its_key(tenant: Tenant) -> None:
    event = create_event(tenant.http)
    url = f"/api/v1/events/{event['id']}"
    key = secrets.token_hex(8)
    stale = {"If-Match": '"stale"', "Idempotency-Key": key}
    first = tenant.http.patch(url, json={"title": "New"}, headers=stale)
    assert first.status_code == 412, first.text
    retry = tenant.http.patch(url, json={"title": "New"}, headers=stale)
    assert (retry.status_code, retry.content) == (412, first.content)
    assert retry.headers["idempotent-replayed"] == "true"


def test_missing_registration_404_is_replayed_under_its_key(tenant: Tenant) -> None:
    event = create_event(tenant.http)
    url = f"/api/v1/events/{event['id']}/registrations/reg_later"
    key = secrets.token_hex(8)
    first = _keyed(tenant.http, "PATCH", url, key, json={"notes": "x"})
    assert first.status_code == 404, first.text
    retry = _keyed(tenant.http, "PATCH", url, key, json={"notes": "x"})
    assert (retry.status_code, retry.content) == (404, first.content)
    assert retry.headers["idempotent-replayed"] == "true"


@pytest.mark.parametrize("header", ["Authorization", "X-API-Key"])
def test_two_credential_headers_are_refused(tenant: Tenant, header: str) -> None:
    value = f"Bearer {tenant.key}" if header == "Authorization" else tenant.key
    both = httpx.Headers(
        [(header, value), (header, "Bearer tk_x_y" if header == "Authorization" else "tk_x_y")]
    )
    webkasa = httpx.get(tenant.server.url + "/api/v1/events", headers=both)
    assert webkasa.status_code == 401 and code(webkasa) == "UNAUTHORIZED"
    if header == "Authorization":
        cronofy = httpx.get(tenant.server.url + "/v1/bookable_events", headers=both)
        assert (cronofy.status_code, cronofy_body(cronofy)) == (401, {})
    same_twice = httpx.Headers([(header, value), (header, value)])
    assert httpx.get(tenant.server.url + "/api/v1/events", headers=same_twice).status_code == 401


def test_v1_upsert_does_not_reach_a_draft(tenant: Tenant) -> None:
    draft = create_event(tenant.http, status="draft")
    for headers in ({}, {"If-None-Match": "*"}, {"If-Match": '"x"'}):
        body = event_body(draft["id"], status="cancelled")
        r = tenant.http.post("/v1/bookable_events", json=body, headers=headers)
        assert (r.status_code, cronofy_body(r)) == (404, {}), (headers, r.text)
    assert tenant.http.get(f"/api/v1/events/{draft['id']}").json()["data"]["status"] == "draft"


def test_page_tokens_with_junk_around_them_are_not_found(tenant: Tenant) -> None:
    make_event(tenant.http, "paged")
    token = _event_list_token(tenant)
    assert tenant.http.get("/v1/bookable_events", params={"page_token": token}).status_code == 200
    for junk in (f"!{token}", f"{token}!!", f"{token[:10]}.{token[10:]}", f" {token}", f"{token}="):
        r = tenant.http.get("/v1/bookable_events", params={"page_token": junk})
        assert (r.status_code, cronofy_body(r)) == (404, {}), junk


def _event_list_token(tenant: Tenant) -> str:
    """A genuine event-list token, made with the server's own secret."""
    from turnout.core.paging import PageKind, PageToken, PageTokens

    tokens = PageTokens(tenant.server.settings.server_secret())
    return tokens.encode(PageToken(PageKind.EVENT_LIST, tenant.id, 0, 2, 50, 0))


@pytest.mark.parametrize(
    "zone",
    ["localtime", "Factory", "posixrules", "posix/Europe/Paris", "right/UTC", "Europe/Paris/"],
)
def test_host_dependent_zone_names_are_refused(tenant: Tenant, zone: str) -> None:
    r = tenant.http.post(
        "/api/v1/events", json={"title": "T", "start_date": "2030-05-01", "timezone": zone}
    )
    assert r.status_code == 422, r.text
    assert tenant.http.get("/api/v1/events").json()["meta"]["total"] == 0


def test_real_zone_names_are_accepted(tenant: Tenant) -> None:
    for zone in ("Europe/Paris", "UTC", "America/Argentina/Buenos_Aires", "Etc/GMT+5"):
        event = create_event(tenant.http, timezone=zone)
        assert event["timezone"] == zone
    assert create_registration(tenant.http, event["id"]).status_code == 201


def test_oversized_headers_on_the_bare_webkasa_prefix_are_in_its_shape(tenant: Tenant) -> None:
    # Found by the fuzzer (tests/test_fuzz.py) once `/api/v1` itself became part of the surface.
    headers = {f"x-h{i}": "v" * 100 for i in range(200)}
    r = tenant.http.get("/api/v1", headers=headers)
    assert r.status_code == 431 and code(r) == "HEADERS_TOO_LARGE"


@pytest.mark.parametrize("path", ["/healthz", "/readyz", "/openapi.json", "/docs"])
def test_wrong_method_on_operability_routes_is_json(tenant: Tenant, path: str) -> None:
    # Found by the fuzzer: Starlette's plain-text "Method Not Allowed".
    r = httpx.put(tenant.server.url + path)
    assert r.status_code == 405 and r.json() == {"status": "method_not_allowed"}
    assert "GET" in r.headers["allow"]


@pytest.mark.parametrize("name", ["limit", "offset"])
def test_numbers_in_queries_with_unit_separators_around_them(tenant: Tenant, name: str) -> None:
    # Found by the parser fuzzer (tests/fuzz/parsers.py): str.strip removes \x1f, int() does not.
    r = tenant.http.get(f"/api/v1/events?{name}=33%1F")
    assert r.status_code == 200, r.text
    assert r.json()["meta"][name] == 33


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("registration_quota", 10**30),
        ("registration_quota", 2**63),
        ("registration_ttl_seconds", 2**63 - 1),
        ("requests_per_second", 2**64),
    ],
)
def test_hub_numbers_past_what_the_database_holds_are_refused(
    tenant: Tenant, field: str, value: int
) -> None:
    # Found by the fuzzer once it used an admin key on the admin routes: 10**30 reached the
    # database's BIGINT (500 on both databases).
    name = "h" + secrets.token_hex(4)
    with tenant.client(tenant.key_with("admin")) as http:
        assert http.post("/v1/hubs", json={"name": name}).status_code == 200
        if field != "requests_per_second":
            r = http.post("/v1/hubs", json={"name": "x" + name, field: value})
            assert r.status_code == 422, r.text
            assert [e["key"] for e in cronofy_body(r)["errors"]["name"]] == ["errors.hub_refused"]
        r = http.post(f"/v1/hubs/{name}", json={field: value})
        assert r.status_code == 422, r.text
        assert http.get(f"/v1/hubs/{name}").json()["hub"][field] is None


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/v1/hubs/fzhub%00"),
        ("POST", "/v1/hubs/fzhub%00"),
        ("DELETE", "/v1/hubs/fzhub%00"),
        ("POST", "/v1/hub_rules/fzhub%00/rotate"),
        ("DELETE", "/v1/hub_rules/fzhub%00"),
        ("GET", "/v1/keys/tk_AAAAAAAAAAA%00"),
        ("DELETE", "/v1/keys/tk_AAAAAAAAAAA%00"),
        ("POST", "/v1/keys/tk_AAAAAAAAAAA%00/rotate"),
    ],
)
def test_admin_names_with_a_nul_are_not_found(tenant: Tenant, method: str, path: str) -> None:
    # Found by the fuzzer with an admin key: PostgreSQL refuses NUL in text, so the lookup of
    # `fzhub\0` was a 500 there.
    with tenant.client(tenant.key_with("admin")) as http:
        r = http.request(method, path, json={} if method == "POST" else None)
    assert r.status_code == 404, r.text
    assert cronofy_body(r) == {}


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/v1/webhook_endpoints/we_%00"),
        ("PATCH", "/v1/webhook_endpoints/we_%00"),
        ("DELETE", "/v1/webhook_endpoints/we_%00"),
        ("GET", "/v1/webhook_endpoints/we_%00/deliveries"),
        ("POST", "/v1/webhook_endpoints/{endpoint}/deliveries/msg_%00/redeliver"),
    ],
)
def test_webhook_ids_with_a_nul_are_not_found(tenant: Tenant, method: str, path: str) -> None:
    # Found by the HTTP fuzzer once it walked the webhook extension's routes: a 500 on PostgreSQL.
    with tenant.client(tenant.key_with("admin")) as http:
        made = http.post("/v1/webhook_endpoints", json={"url": "https://example.org/h"})
        assert made.status_code == 201, made.text
        endpoint = made.json()["webhook_endpoint"]["id"]
        body = {} if method in ("POST", "PATCH") else None
        r = http.request(method, path.format(endpoint=endpoint), json=body)
    assert r.status_code == 404, r.text
    assert cronofy_body(r) == {}
