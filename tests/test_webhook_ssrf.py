"""The SSRF guard refuses before connecting: addresses are checked after DNS resolution, at connect
time. No test here sends traffic anywhere but loopback: the backend under the guard only records."""

from __future__ import annotations

import asyncio
import ipaddress
from typing import Any

import httpcore
import httpx
import pytest

from tests.live import LiveServer, make_tenant
from tests.receiver import Receiver
from turnout.webhooks.guard import AllowList, client

NAMES = {  # what the test's resolver answers: names that resolve to internal addresses
    "loopback.test": "127.0.0.1",
    "lan.test": "10.0.0.1",
    "metadata.test": "169.254.169.254",
    "public.test": "93.184.215.14",
    "mapped.test": "::ffff:127.0.0.1",
}
INTERNAL = ["127.0.0.1", "10.0.0.1", "169.254.169.254", "[::1]", "224.0.0.1"]
INTERNAL += ["loopback.test", "lan.test", "metadata.test", "mapped.test"]
OPEN = AllowList.parse("127.0.0.0/8,10.0.0.0/8,169.254.0.0/16,::1/128,224.0.0.0/4")


class Recording(httpcore.AsyncNetworkBackend):
    def __init__(self) -> None:
        self.connects: list[tuple[str, int]] = []

    async def connect_tcp(self, host: str, port: int, *args: Any, **kwargs: Any) -> Any:
        self.connects.append((host, port))
        raise httpcore.ConnectError("recorded, not connected")


async def resolver(host: str, port: int) -> list[str]:
    return [NAMES.get(host, host.strip("[]"))]


def attempt(url: str, allow: AllowList) -> tuple[Exception | None, list[tuple[str, int]]]:
    inner = Recording()

    async def go() -> Exception | None:
        http = client(allow, 1.0, resolver, inner)
        try:
            await http.post(url, content=b"{}")
        except httpx.ConnectError as exc:
            return exc
        finally:
            await http.aclose()
        return None

    return asyncio.run(go()), inner.connects


@pytest.mark.parametrize("host", INTERNAL)
def test_internal_addresses_are_refused_before_connecting(host: str) -> None:
    error, connects = attempt(f"https://{host}/hook", AllowList())
    assert "refused to connect" in str(error)
    assert connects == []


@pytest.mark.parametrize("host", INTERNAL)
def test_allow_list_opens_them_negative_control(host: str) -> None:
    error, connects = attempt(f"https://{host}/hook", OPEN)
    assert "recorded, not connected" in str(error)
    assert len(connects) == 1  # the guard let it through, to the address it checked
    assert connects[0][0] == resolver_address(host)


def resolver_address(host: str) -> str:
    return str(ipaddress.ip_address(NAMES.get(host, host.strip("[]"))))


def test_plain_http_only_inside_the_allow_list() -> None:
    error, connects = attempt("http://public.test/hook", OPEN)
    assert "not in TURNOUT_WEBHOOK_ALLOW_NETWORKS" in str(error) and connects == []
    error, connects = attempt("https://public.test/hook", AllowList())
    assert connects == [("93.184.215.14", 443)]  # https to a public address may go


def test_dispatcher_refuses_a_loopback_endpoint_without_the_allow_list(
    server: LiveServer,
) -> None:
    """Through the whole server: nothing reaches the receiver, the delivery says why."""
    with Receiver() as receiver, make_tenant(server, scopes="admin") as admin:
        url = receiver.url.replace("http://", "https://")
        r = admin.http.post("/v1/webhook_endpoints", json={"url": url})
        assert r.status_code == 201, r.text
        endpoint = r.json()["webhook_endpoint"]["id"]
        admin.http.post(
            "/v1/bookable_events",
            json={
                "bookable_event_id": "e",
                "start": "2030-01-01T10:00:00Z",
                "end": "2030-01-01T11:00:00Z",
                "status": "confirmed",
            },
        )
        deliveries = _eventually_attempted(admin, endpoint)
        assert "127.0.0.1 is a loopback" in deliveries[0]["last_error"]
        assert receiver.raw == []


def test_http_urls_need_the_allow_list(server: LiveServer) -> None:
    with make_tenant(server, scopes="admin") as admin:
        r = admin.http.post("/v1/webhook_endpoints", json={"url": "http://example.com/h"})
        assert r.status_code == 422, r.text


def _eventually_attempted(admin: Any, endpoint: str) -> list[dict[str, Any]]:
    import time

    deadline = time.monotonic() + 20
    while True:
        r = admin.http.get(f"/v1/webhook_endpoints/{endpoint}/deliveries")
        deliveries = r.json()["deliveries"]
        if deliveries and deliveries[0]["attempts"] and deliveries[0]["last_error"]:
            return list(deliveries)
        assert time.monotonic() < deadline, deliveries
        time.sleep(0.1)
