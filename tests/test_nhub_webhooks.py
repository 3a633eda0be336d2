"""Webhook messages for device changes on the Notification Hubs surface (issue 13 item 2,
docs/WEBHOOKS.md): real server, real receiver verifying with `standardwebhooks`, both databases.
Each change's messages are written by the change's own transaction, so a refused write and a write
that lost a race leave none."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from tests.live import LiveServer, Tenant
from tests.nhub import APPLE_TOKEN, HubClient, apple_entry
from tests.race import Request, burst
from tests.receiver import Receiver
from tests.test_webhook_delivery import hook_server, outbox_ids, subscribe
from tests.test_webhook_outbox import own_database_url

__all__ = ["hook_server", "own_database_url"]  # the fixtures: a server on a database of its own

HUB_TYPES = [
    f"hub.{kind}.{verb}"
    for kind in ("registration", "installation")
    for verb in ("created", "updated", "deleted")
]


@contextlib.contextmanager
def hub_with_admin(
    server: LiveServer, quota: int | None = None
) -> Iterator[tuple[HubClient, Tenant]]:
    """A hub, and an admin key of its tenant (to manage the tenant's webhook endpoints)."""
    hub = HubClient(server, quota=quota)
    admin = Tenant(server, hub.tenant, hub.tenant_id, "")
    try:
        admin.http.headers["Authorization"] = f"Bearer {admin.key_with('admin')}"
        yield hub, admin
    finally:
        admin.http.close()


def by_type(receiver: Receiver) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for r in receiver.received:
        found.setdefault(r["payload"]["type"], []).append(r["payload"])
    return found


def test_device_changes_arrive_signed(hook_server: LiveServer) -> None:
    with hub_with_admin(hook_server) as (hub, admin), Receiver() as receiver, hub.client() as http:
        endpoint = subscribe(admin, receiver, HUB_TYPES)
        made = http.post("/registrations", content=apple_entry(tags="a,b"))
        assert made.status_code == 200, made.text
        rid = made.headers["content-location"].split("/registrations/")[1].split("?")[0]
        same = http.put(f"/registrations/{rid}", content=apple_entry(tags="a,b"))
        assert same.headers["etag"] == 'W/"1"'  # the no-op rule: no write, no message
        assert http.put(f"/registrations/{rid}", content=apple_entry(tags="c")).status_code == 200
        assert http.delete(f"/registrations/{rid}").status_code == 200
        installation = {"platform": "apns", "pushChannel": "00fc13ad", "tags": ["x"]}
        assert http.put("/installations/i-1", json=installation).status_code == 200
        patch = [{"op": "add", "path": "/tags", "value": "y"}]
        assert http.patch("/installations/i-1", json=patch).status_code == 200
        assert http.delete("/installations/i-1").status_code == 204
        assert http.delete("/installations/i-1").status_code == 204  # absent: nothing changed
        receiver.wait_for(6)
        assert receiver.bad_signatures == 0
        assert sorted(outbox_ids(admin, endpoint["id"])) == sorted(receiver.ids())
    found = by_type(receiver)
    assert sorted(found) == sorted(HUB_TYPES) and all(len(v) == 1 for v in found.values())
    created = found["hub.registration.created"][0]["data"]
    assert created["hub"] == hub.name and created["kind"] == "registration"
    assert created["id"] == rid and created["version"] == 1 and created["tags"] == ["a", "b"]
    assert created["platform"] == "Apple" and created["handle"] == APPLE_TOKEN.upper()
    assert created["description"] == {
        "type": "AppleRegistrationDescription",
        "DeviceToken": APPLE_TOKEN.upper(),
    }
    assert created["expires_at"] is None and created["created_at"].endswith("Z")
    updated = found["hub.registration.updated"][0]["data"]
    assert updated["version"] == 2 and updated["tags"] == ["c"]
    assert found["hub.registration.deleted"][0]["data"]["version"] == 2  # as it was
    patched = found["hub.installation.updated"][0]["data"]
    assert patched["id"] == "i-1" and patched["tags"] == ["x", "y"]
    assert patched["installation"]["pushChannel"] == "00fc13ad"
    assert found["hub.installation.deleted"][0]["data"]["version"] == 2


def test_refused_and_lost_writes_produce_nothing(hook_server: LiveServer) -> None:
    with (
        hub_with_admin(hook_server, quota=2) as (hub, admin),
        Receiver() as receiver,
        hub.client() as http,
    ):
        endpoint = subscribe(admin, receiver, ["*"])
        # 20 concurrent identical creates of one ID: one row, so one message. The losers' writes
        # (on PostgreSQL, whole statements that hit the unique key) roll back with their messages.
        auth = {"Authorization": hub.auth()}
        put: Request = lambda h: h.put(  # noqa: E731
            f"/{hub.name}/registrations/same-1", content=apple_entry(), headers=auth
        )
        assert {r.status_code for r in burst(hook_server.url, "-", [put] * 20, threads=20)} == {200}
        stale = http.put(
            "/registrations/same-1", content=apple_entry(tags="z"), headers={"If-Match": '"7"'}
        )
        assert stale.status_code == 412
        missing = http.put("/registrations/nope", content=apple_entry(), headers={"If-Match": "*"})
        assert missing.status_code == 404
        assert http.delete("/registrations/same-1", headers={"If-Match": '"9"'}).status_code == 412
        bad = http.patch("/installations/none", json=[{"op": "add", "path": "/tags", "value": "y"}])
        assert bad.status_code == 404
        assert (
            http.put(
                "/installations/i-2", json={"platform": "apns", "pushChannel": "aa"}
            ).status_code
            == 200
        )
        over = http.put("/installations/i-3", json={"platform": "apns", "pushChannel": "bb"})
        assert over.status_code == 403  # the quota of 2 is reached: refused, no message
        assert http.post("/registrations", content=apple_entry()).status_code == 403
        # What committed is in the outbox the moment the writes answered; nothing else is.
        ids = outbox_ids(admin, endpoint["id"])
        assert len(ids) == 2
        receiver.wait_for(2)
    assert sorted(p["type"] for p in (r["payload"] for r in receiver.received)) == [
        "hub.installation.created",
        "hub.registration.created",
    ]
    assert sorted(receiver.ids()) == sorted(ids)
