"""Installations, TTL and throttling on the Notification Hubs surface (spec notification-hubs §11
rows INST-1..3, VAL-3, THR-1), over real HTTP."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.conftest import base_settings
from tests.live import LiveServer
from tests.nhub import HubClient, apple_entry, sas_token
from turnout.core import hub_admin
from turnout.core.hub_ports import KEEP
from turnout.core.hubs import KeySeal
from turnout.store.hubs import hub_store


@pytest.fixture
def hub(server: LiveServer) -> HubClient:
    return HubClient(server)


def test_put_and_get(hub: HubClient) -> None:  # INST-1
    with hub.client() as http:
        put = http.put(
            "/installations/inst1",
            json={"platform": "APNS", "pushChannel": "00fc13ad", "tags": ["x"]},
        )
        assert put.status_code == 200 and put.content == b""
        assert put.headers["content-location"].endswith(
            f"/{hub.name}/installations/inst1?api-version=2020-06"
        )
        got = http.get("/installations/inst1")
    assert got.status_code == 200 and got.headers["content-type"].startswith("application/json")
    assert list(got.json()) == [
        "installationId",
        "pushChannel",
        "pushChannelExpired",
        "platform",
        "expirationTime",
        "tags",
    ]
    assert got.json()["pushChannelExpired"] is False and got.json()["platform"] == "apns"


def test_patch(hub: HubClient) -> None:  # INST-2
    with hub.client() as http:
        http.put("/installations/i2", json={"platform": "apns", "pushChannel": "aa", "tags": ["x"]})
        ops = [
            {"op": "add", "path": "/tags", "value": "y"},
            {"op": "remove", "path": "/tags/x"},
            {"op": "replace", "path": "/pushChannel", "value": "bb"},
            {"op": "add", "path": "/templates/t1", "value": '{"body":"{\\"a\\":1}","tags":["t"]}'},
        ]
        assert http.patch("/installations/i2", json=ops).status_code == 200
        got = http.get("/installations/i2").json()
    assert got["tags"] == ["y"] and got["pushChannel"] == "bb"
    assert got["templates"] == {"t1": {"body": '{"a":1}', "tags": ["t"]}}


def test_bad_patch_changes_nothing_and_delete(hub: HubClient) -> None:  # INST-3
    with hub.client() as http:
        http.put("/installations/i3", json={"platform": "apns", "pushChannel": "aa"})
        ops = [
            {"op": "replace", "path": "/pushChannel", "value": "cc"},
            {"op": "test", "path": "/x"},
        ]
        assert http.patch("/installations/i3", json=ops).status_code == 400
        assert http.get("/installations/i3").json()["pushChannel"] == "aa"
        assert http.patch("/installations/none", json=[]).status_code == 404
        assert http.delete("/installations/i3").status_code == 204
        assert http.delete("/installations/i3").status_code == 204
        missing = http.get("/installations/i3")
    assert missing.status_code == 404 and "Installation not found." in missing.text


def test_ttl_sets_expiry_and_expired_is_missing(server: LiveServer) -> None:  # VAL-3
    hub = HubClient(server, ttl=1)
    with hub.client() as http:
        made = http.put("/registrations/ttl-1", content=apple_entry())
        assert "9999-12-31" not in made.text and "<ExpirationTime>" in made.text
        time.sleep(2.1)
        assert http.get("/registrations/ttl-1").status_code == 404
        assert "ttl-1" not in http.get("/registrations").text
        again = http.put("/registrations/ttl-1", content=apple_entry())
        assert again.status_code == 200 and again.headers["etag"] == 'W/"1"'


@pytest.fixture
def limited(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    settings = base_settings(
        str(tmp_path_factory.mktemp("thr")),
        database_url,
        rate_limits=True,
        hub_requests_per_second=3,
    )
    with LiveServer(settings) as live:
        yield live


@pytest.mark.parametrize(("version", "status"), [("2020-06", 429), ("2016-07", 409)])
def test_throttled(limited: LiveServer, version: str, status: int) -> None:  # THR-1
    hub = HubClient(limited)
    with hub.client() as http:
        codes = [http.get("/registrations/x", params={"api-version": version}) for _ in range(8)]
    refused = [r for r in codes if r.status_code == status]
    assert refused and all(int(r.headers["retry-after"]) >= 1 for r in refused)
    assert refused[0].headers["x-ms-error-code"] == "Throttled"


def test_purge_deletes_expired_devices_and_keeps_the_count(server: LiveServer) -> None:
    hub = HubClient(server, ttl=1)
    with hub.client() as http:
        http.put("/registrations/p-1", content=apple_entry())
        http.put("/installations/p-2", json={"platform": "apns", "pushChannel": "aa"})
        http.delete("/registrations/p-1")
        http.put("/registrations/p-3", content=apple_entry())
    time.sleep(2.1)

    async def purge(store: Any) -> tuple[int, Any]:
        hubs = hub_store(store, KeySeal(server.settings.server_secret()), 3600)
        purged = await hubs.purge(int(time.time()), int(time.time()) + 1)
        return purged, await hubs.find_hub(hub.tenant_id, hub.name)

    purged, after = server.run(purge)
    # The app's own purge loop may have got there first, so only the outcome is asserted.
    assert purged >= 0 and after.device_count == 0
    with hub.client() as http:  # the tombstone of p-1 was purged too
        assert http.put("/registrations/p-1", content=apple_entry()).status_code == 200


def test_throttle_is_shared_through_redis(
    database_url: str, redis_url: str, tmp_path_factory: pytest.TempPathFactory
) -> None:  # RL-2 for hubs: two processes' requests count in one bucket per hub
    directory = str(tmp_path_factory.mktemp("thr-redis"))
    prefix = f"turnout-test-{time.time_ns()}:"
    settings = base_settings(
        directory,
        database_url,
        rate_limits=True,
        hub_requests_per_second=4,
        redis_url=redis_url,
        redis_prefix=prefix,
    )
    with LiveServer(settings) as first, LiveServer(settings) as second:
        hub = HubClient(first)
        servers = [first, second]
        tokens = [sas_token(s.url + "/", hub.full_name, hub.full_key) for s in servers]
        statuses = []
        clients = [
            httpx.Client(base_url=sv.url, headers={"Authorization": t})
            for sv, t in zip(servers, tokens, strict=True)
        ]
        started = time.time()
        for i in range(24):  # alternating between the two processes
            statuses.append(clients[i % 2].get(f"/{hub.name}/registrations/x").status_code)
        windows = int(time.time()) - int(started) + 1  # one-second windows the burst touched
        for client in clients:
            client.close()
    # Shared: at most 4 per window in all. Per process, it would be up to 8.
    assert statuses.count(404) <= 4 * windows, (windows, statuses)
    assert statuses.count(429) >= 24 - 4 * windows


def test_a_hub_may_have_its_own_rate(limited: LiveServer) -> None:  # §8.2 per-hub override
    hub = HubClient(limited)

    async def raise_rate(store: Any) -> None:
        hubs = hub_store(store, KeySeal(limited.settings.server_secret()), 3600)
        await hub_admin.set_hub(hubs, hub.tenant_id, hub.name, KEEP, KEEP, 50)

    limited.run(raise_rate)
    with hub.client() as http:
        codes = [http.get("/registrations/x").status_code for _ in range(8)]
    assert codes == [404] * 8  # the server's 3 a second would have refused most


@pytest.mark.parametrize(
    "operation",
    [
        # A template given as a string must hold JSON (spec §7's [V] form); these raised
        # JSONDecodeError and RecursionError, each a 500.
        {"op": "add", "path": "/templates/t", "value": "{not json"},
        {"op": "add", "path": "/templates/t/tags", "value": "[1,"},
        {"op": "replace", "path": "/templates/t/headers", "value": "[" * 20_000},
        # secondaryTiles is stored verbatim, so it may be a number: it has no member to set (it
        # was a TypeError, a 500).
        {"op": "add", "path": "/secondaryTiles/tile1", "value": {"pushChannel": "x"}},
    ],
)
def test_patch_values_the_installation_cannot_take_are_400(
    hub: HubClient, operation: dict[str, Any]
) -> None:
    put = {"platform": "apns", "pushChannel": "aa", "secondaryTiles": 5}
    put["templates"] = {"t": {"body": "{}"}}
    with hub.client() as http:
        assert http.put("/installations/i9", json=put).status_code == 200
        before = http.get("/installations/i9").json()
        refused = http.patch("/installations/i9", json=[operation])
        after = http.get("/installations/i9").json()
    assert refused.status_code == 400 and refused.headers["x-ms-error-code"] == "InvalidPatch"
    assert after == before
