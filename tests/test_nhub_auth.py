"""Authentication and authorisation on the Notification Hubs surface, over real HTTP
(spec notification-hubs §11 rows AUTH-1, AUTH-3, AUTH-4, AUTH-5, AUTH-6, AUTH-7, SEC-1)."""

from __future__ import annotations

import re
import socket
import time

import httpx
import pytest

from tests.conftest import base_settings
from tests.live import LiveServer
from tests.nhub import HubClient, apple_entry, foreign_and_missing, sas_token, without_tracking
from turnout.surfaces.nhub.routes import ROUTES


@pytest.fixture
def hub(server: LiveServer) -> HubClient:
    return HubClient(server)


def test_no_authorization(hub: HubClient) -> None:  # AUTH-1
    r = httpx.get(f"{hub.server.url}/{hub.name}/registrations/x")
    assert r.status_code == 401
    assert "<Code>401</Code>" in r.text and r.headers["www-authenticate"]
    assert r.headers["x-ms-error-code"] == "MalformedToken"
    assert r.headers["content-type"] == "application/xml; charset=utf-8"


def test_expired_wrong_key_and_unknown_name(hub: HubClient) -> None:  # AUTH-3
    url = f"{hub.server.url}/{hub.name}/registrations/x"
    expired = sas_token(hub.endpoint, hub.full_name, hub.full_key, lifetime=-1)
    r = httpx.get(url, headers={"Authorization": expired})
    assert r.status_code == 401 and r.headers["x-ms-error-code"] == "ExpiredToken"
    wrong = httpx.get(
        url, headers={"Authorization": sas_token(hub.endpoint, hub.full_name, "x" * 44)}
    )
    unknown = httpx.get(url, headers={"Authorization": sas_token(hub.endpoint, "nobody", "x" * 44)})
    assert wrong.status_code == unknown.status_code == 401
    assert (
        wrong.headers["x-ms-error-code"] == unknown.headers["x-ms-error-code"] == "InvalidSignature"
    )
    assert _plain(wrong.text) == _plain(unknown.text)


def _audience_status(hub: HubClient, sr: str) -> tuple[int, str]:
    token = sas_token(sr, hub.full_name, hub.full_key)
    r = httpx.get(f"{hub.server.url}/{hub.name}/registrations/x", headers={"Authorization": token})
    return r.status_code, r.headers.get("x-ms-error-code", "")


def test_audience(hub: HubClient) -> None:  # AUTH-4
    refused = (401, "InvalidAudience")
    assert _audience_status(hub, "https://other.example/") == refused
    assert _audience_status(hub, f"{hub.server.url}/{hub.name}-other") == refused
    assert _audience_status(hub, f"{hub.server.url}/{hub.name[:-2]}") == refused  # /my on /myhub
    found = (404, "RegistrationNotFound")  # past authentication
    assert _audience_status(hub, f"{hub.server.url}/{hub.name}") == found
    assert _audience_status(hub, f"{hub.server.url}/{hub.name}/registrations") == found


def test_audience_host_check_off(
    database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> None:  # AUTH-4: for proxies that rewrite Host, the setting turns the host check off
    settings = base_settings(
        str(tmp_path_factory.mktemp("aud")), database_url, hub_check_audience_host=False
    )
    with LiveServer(settings) as server:
        hub = HubClient(server)
        assert _audience_status(hub, "https://other.example/") == (404, "RegistrationNotFound")
        assert _audience_status(hub, f"https://other.example/{hub.name}-other")[0] == 401


def test_lower_case_hex_token_with_path_and_query(hub: HubClient) -> None:  # azure-sb, .NET
    url = f"{hub.server.url}/{hub.name}/registrations?api-version=2016-07"
    token = sas_token(url, hub.full_name, hub.full_key, upper=False)
    assert httpx.get(url, headers={"Authorization": token}).status_code == 200


def test_listen_key_cannot_list(hub: HubClient) -> None:  # AUTH-5
    with hub.client(full=False) as http:
        for path in ("/registrations", "/tags/a/registrations"):
            assert http.get(path).status_code == 403
            old = http.get(path, params={"api-version": "2016-07"})
            assert old.status_code == 401 and old.headers["x-ms-error-code"] == "MissingClaim"
        assert (
            http.get("/registrations", params={"$filter": "DeviceToken eq 'AA'"}).status_code == 200
        )


def test_scopes_and_tenants(server: LiveServer) -> None:  # AUTH-6
    a, x = HubClient(server), HubClient(server)
    key = a.add_rule(f"{a.name}-only", "listen,manage", a.name)
    second = "b" + a.name
    with httpx.Client(timeout=30) as http:
        # A hub B in tenant A, created through the CLI's core path.
        from turnout.core import hub_admin, times
        from turnout.core.hubs import KeySeal
        from turnout.store.hubs import hub_store

        async def make(store: object) -> None:
            hubs = hub_store(store, KeySeal(server.settings.server_secret()), 3600)  # type: ignore[arg-type]
            await hub_admin.create_hub(hubs, a.tenant_id, second, None, None, times.now())

        server.run(make)
        token = sas_token(a.endpoint, f"{a.name}-only", key)
        r = http.get(f"{server.url}/{second}/registrations", headers={"Authorization": token})
        assert r.status_code == 401 and r.headers["x-ms-error-code"] == "UnauthorizedAccess"
        foreign = http.get(
            f"{server.url}/{a.name}/registrations", headers={"Authorization": x.auth()}
        )
        missing = http.get(
            f"{server.url}/nohub{x.name}/registrations", headers={"Authorization": x.auth()}
        )
        assert foreign.status_code == missing.status_code == 404
        assert (
            foreign.headers["x-ms-error-code"]
            == missing.headers["x-ms-error-code"]
            == "HubNotFound"
        )
        assert _plain(foreign.text) == _plain(missing.text)


def test_logs_hold_no_token(hub: HubClient, access_log: list[str]) -> None:  # AUTH-7
    with hub.client() as http:
        made = http.post("/registrations", content=apple_entry())
        missing = http.get("/registrations/nope", params={"sig": "leak"})
    sig = re.search(r"sig=([^&]+)", hub.auth()).group(1)  # type: ignore[union-attr]
    assert access_log
    assert not any(
        sig in line or "SharedAccessSignature" in line or "leak" in line for line in access_log
    )
    # §2.3: each response's TrackingId (fresh per response, in an error's Detail too) is on its line.
    for response in (made, missing):
        tracking = response.headers["trackingid"]
        assert re.fullmatch(r"[0-9a-f-]{36}", tracking)
        assert [line for line in access_log if f"tracking={tracking}" in line], access_log
    assert made.headers["trackingid"] != missing.headers["trackingid"]
    assert f"TrackingId:{missing.headers['trackingid']}" in missing.text


BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
    "<AppleRegistrationDescription><DeviceToken>&lol2;</DeviceToken></AppleRegistrationDescription>"
)
EXTERNAL_ENTITY = (
    '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    "<AppleRegistrationDescription><DeviceToken>&x;</DeviceToken></AppleRegistrationDescription>"
)
EXTERNAL_DTD = (
    '<?xml version="1.0"?><!DOCTYPE r SYSTEM "http://127.0.0.1:9/x.dtd">'
    "<AppleRegistrationDescription><DeviceToken>AA</DeviceToken></AppleRegistrationDescription>"
)


@pytest.mark.parametrize(
    "body", [BILLION_LAUGHS, EXTERNAL_ENTITY, EXTERNAL_DTD, "<a>" * 40 + "</a>" * 40, "<x"]
)
def test_hostile_xml_is_400(hub: HubClient, body: str) -> None:  # SEC-1
    with hub.client() as http:
        r = http.post("/registrations", content=body)
    assert r.status_code == 400, r.text
    assert "passwd" not in r.text and "root:" not in r.text


def test_client_gone_mid_body_is_no_server_error(hub: HubClient, access_log: list[str]) -> None:
    host, port = hub.server.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port))) as sock:
        sock.sendall(
            f"POST /{hub.name}/registrations HTTP/1.1\r\nHost: {host}:{port}\r\n"
            f"Authorization: {hub.auth()}\r\nContent-Length: 1000\r\n\r\n<entry>".encode()
        )
    deadline = time.monotonic() + 10
    while not any(f"POST /{hub.name}/registrations " in line for line in access_log):
        assert time.monotonic() < deadline, access_log
        time.sleep(0.05)
    line = next(x for x in access_log if f"POST /{hub.name}/registrations " in x)
    assert "/registrations 400 " in line, line


def test_oversized_body_is_413(hub: HubClient) -> None:  # SEC-1
    with hub.client() as http:
        r = http.post("/registrations", content=b"x" * (64 * 1024 + 1))
    assert r.status_code == 413 and r.headers["x-ms-error-code"] == "RequestTooLarge"


def _plain(body: str) -> str:
    """An error body without its TrackingId and TimeStamp."""
    return re.sub(r"\.TrackingId:.*</Detail>", "</Detail>", body)


def test_every_route_answers_a_foreign_hub_like_a_missing_one(server: LiveServer) -> None:  # SEC-1
    """Generated from the route table: tenant X's full key on tenant Y's hub is 404 HubNotFound on
    every route and method, with the body of a missing hub (test_tenancy.py runs the same)."""
    for route in ROUTES:
        for method in route.methods:
            foreign, missing = foreign_and_missing(server, method, "/{hub}" + route.path)
            assert foreign.status_code == missing.status_code == 404, (method, route.path)
            assert foreign.headers["x-ms-error-code"] == "HubNotFound"
            assert without_tracking(foreign.text) == without_tracking(missing.text)


def test_headers_too_large_is_431_as_xml(hub: HubClient) -> None:  # LIM-2, in this surface's shape
    r = httpx.get(f"{hub.server.url}/{hub.name}/registrations", headers={"X-Big": "a" * 20_000})
    assert r.status_code == 431
    assert r.text.startswith("<Error><Code>431</Code>") and r.headers["x-ms-error-code"]


def test_nul_and_control_characters_are_4xx_on_both_databases(hub: HubClient) -> None:
    """PostgreSQL refuses NUL in text outright: every place a client's text reaches a query is
    checked first, so it answers as the spec says for a bad or missing thing, never a 500."""
    with hub.client() as http:
        got = {
            ("GET", "/registrations/a%00b"): 404,
            ("DELETE", "/registrations/a%00b"): 404,
            ("GET", "/installations/a%00b"): 404,
            ("DELETE", "/installations/a%00b"): 204,
            ("GET", "/tags/a%00b/registrations"): 400,
        }
        for (method, path), status in got.items():
            assert http.request(method, path).status_code == status, (method, path)
        assert http.put("/registrations/a%00b", content=apple_entry()).status_code == 410
        assert http.put("/installations/a%00b", json={"platform": "apns"}).status_code == 400
        for channel in ("a\x00b", {"endpoint": "https://x/\x00", "p256dh": "p", "auth": "a"}):
            platform = "browser" if isinstance(channel, dict) else "apns"
            body = {"platform": platform, "pushChannel": channel}
            assert http.put("/installations/nul", json=body).status_code == 400
        found = http.get("/registrations", params={"$filter": "DeviceToken eq 'a\x00'"})
        assert found.status_code == 200 and "<entry" not in found.text
    url = f"{hub.server.url}/a%00b/registrations/x"
    missing = httpx.get(url, headers={"Authorization": hub.auth()})
    assert missing.status_code == 404 and missing.headers["x-ms-error-code"] == "HubNotFound"
    token = sas_token(hub.endpoint, "a%00b", hub.full_key)
    r = httpx.get(f"{hub.server.url}/{hub.name}/registrations/x", headers={"Authorization": token})
    assert r.status_code == 401 and r.headers["x-ms-error-code"] == "InvalidSignature"
