"""Webhooks end to end: real server, real receiver verifying with `standardwebhooks`, both databases."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests import webkasa
from tests.builders import make_event, register
from tests.conftest import base_settings
from tests.live import LiveServer, Tenant, make_tenant
from tests.receiver import Receiver
from tests.test_webhook_outbox import own_database_url

__all__ = ["own_database_url"]  # the fixture


@pytest.fixture(scope="module")
def hook_server(
    own_database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """A server whose dispatcher may reach loopback, on a database of its own: the session's
    other servers (whose dispatchers may not) must never claim its messages."""
    settings = base_settings(
        str(tmp_path_factory.mktemp("hooks")),
        own_database_url,
        webhook_allow_networks="127.0.0.0/8",
        webhook_lease_seconds=5,
    )
    with LiveServer(settings) as live:
        yield live


@pytest.fixture
def admin(hook_server: LiveServer) -> Iterator[Tenant]:
    with make_tenant(hook_server, scopes="admin") as t:
        yield t


def subscribe(tenant: Tenant, receiver: Receiver, types: list[str] | None = None) -> dict[str, Any]:
    r = tenant.http.post(
        "/v1/webhook_endpoints", json={"url": receiver.url, "event_types": types or ["*"]}
    )
    assert r.status_code == 201, r.text
    endpoint = dict(r.json()["webhook_endpoint"])
    receiver.secret = endpoint["secret"]
    return endpoint


def outbox_ids(tenant: Tenant, endpoint_id: str) -> list[str]:
    ids, cursor = [], "0"
    while True:
        r = tenant.http.get(f"/v1/webhook_endpoints/{endpoint_id}/deliveries?cursor={cursor}")
        assert r.status_code == 200, r.text
        ids += [d["message_id"] for d in r.json()["deliveries"]]
        if "next_cursor" not in r.json():
            return ids
        cursor = r.json()["next_cursor"]


def test_changes_arrive_signed_from_both_surfaces(admin: Tenant) -> None:
    with Receiver() as receiver:
        endpoint = subscribe(admin, receiver)
        make_event(admin.http, "ev", capacity=3)
        assert register(admin.http, "ev", "r1", "accepted").status_code == 200
        assert admin.http.delete("/v1/bookable_events/ev/registrations/r1").status_code == 200
        event = webkasa.create_event(admin.http, slots=1)
        created = webkasa.create_registration(admin.http, event["id"], status="CONFIRMED")
        assert created.status_code == 201, created.text
        registration = created.json()["data"]["id"]
        path = f"/api/v1/events/{event['id']}/registrations/{registration}"
        assert admin.http.delete(path).status_code in (200, 204)
        receiver.wait_for(7)
        assert receiver.bad_signatures == 0
        types = [r["payload"]["type"] for r in receiver.received]
        assert types.count("registration.cancelled") == 2  # one from each surface
        assert types.count("event.full") == 1
        assert sorted(outbox_ids(admin, endpoint["id"])) == sorted(receiver.ids())
        cancelled = [
            r["payload"]
            for r in receiver.received
            if r["payload"]["type"] == "registration.cancelled"
        ]
        v1 = next(p for p in cancelled if p["data"]["bookable_event_id"] == "ev")
        api = next(p for p in cancelled if p["data"]["bookable_event_id"] == event["id"])
        assert set(v1["data"]) == set(api["data"])  # the same /v1 rendering, whichever surface
        assert v1["data"]["status"] == "removed"


def test_write_key_cannot_manage_endpoints(hook_server: LiveServer) -> None:
    with make_tenant(hook_server, scopes="write") as writer:
        r = writer.http.post("/v1/webhook_endpoints", json={"url": "https://example.com/h"})
        assert r.status_code == 403, r.text
        assert writer.http.get("/v1/webhook_endpoints").status_code == 403


def test_endpoint_lifecycle(admin: Tenant) -> None:
    r = admin.http.post(
        "/v1/webhook_endpoints",
        json={"url": "https://example.com/h", "event_types": ["event.full"], "description": "d"},
    )
    assert r.status_code == 201, r.text
    created = r.json()["webhook_endpoint"]
    assert created["secret"].startswith("whsec_")
    one = f"/v1/webhook_endpoints/{created['id']}"
    read = admin.http.get(one).json()["webhook_endpoint"]
    assert "secret" not in read and read["event_types"] == ["event.full"]
    patched = admin.http.patch(one, json={"enabled": False, "event_types": ["*"]})
    assert patched.json()["webhook_endpoint"]["enabled"] is False
    rotated = admin.http.post(one + "/rotate_secret").json()["webhook_endpoint"]
    assert rotated["secret"].startswith("whsec_") and rotated["secret"] != created["secret"]
    assert [
        e["id"] for e in admin.http.get("/v1/webhook_endpoints").json()["webhook_endpoints"]
    ] == [created["id"]]
    assert admin.http.delete(one).status_code == 204
    assert admin.http.get(one).status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        {"url": "ftp://example.com/h"},
        {"url": "https://"},
        {"url": "https://u:p@example.com/"},
        {"url": "https://example.com/h", "event_types": ["nope"]},
        {"url": "https://example.com/h", "event_types": []},
        {"url": "https://example.com/h", "signing": "v2"},
        {"url": 5},
    ],
)
def test_bad_endpoints_are_422(admin: Tenant, body: dict[str, Any]) -> None:
    r = admin.http.post("/v1/webhook_endpoints", json=body)
    assert r.status_code == 422, r.text


def test_redeliver_and_replay(admin: Tenant) -> None:
    with Receiver() as receiver:
        endpoint = subscribe(admin, receiver, ["event.created"])
        make_event(admin.http, "ev")
        receiver.wait_for(1)
        (first,) = receiver.received
        one = f"/v1/webhook_endpoints/{endpoint['id']}"
        r = admin.http.post(f"{one}/deliveries/{first['id']}/redeliver")
        assert r.status_code == 202, r.text
        _wait(lambda: len(receiver.received) == 2)
        assert receiver.received[1]["id"] == first["id"]  # the same webhook-id
        r = admin.http.post(f"{one}/replay", json={"since": "2000-01-01T00:00:00Z"})
        assert r.json() == {"redelivered": 1}
        _wait(lambda: len(receiver.received) == 3)
        assert admin.http.post(f"{one}/deliveries/msg_nope/redeliver").status_code == 404
        assert receiver.bad_signatures == 0


def _wait(done: Any, timeout: float = 30) -> None:
    import time

    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)
