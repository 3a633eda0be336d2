"""QUO-2 and REG-11 of spec notification-hubs §11: the hub quota and one registration ID under
concurrency, on each database, with 1 and (PostgreSQL) 3 server processes. The negative control runs
the same burst with the quota checked on a stale read (TURNOUT_DEBUG_UNSAFE_HUB_QUOTA) and must see
the hub overshoot."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.conftest import base_settings
from tests.live import LiveServer
from tests.nhub import HubClient, apple_entry
from tests.processes import ServerProcess
from tests.race import Request, burst

QUOTA, CREATES = 10, 50


def creates(hub: HubClient) -> list[Request]:
    """50 creates, registrations and installations alternating."""
    base, auth = f"/{hub.name}", {"Authorization": hub.auth()}

    def registration(http: httpx.Client) -> httpx.Response:
        return http.post(f"{base}/registrations", content=apple_entry(), headers=auth)

    def installation(i: int) -> Request:
        body = {"platform": "apns", "pushChannel": f"{i:04x}"}
        return lambda http: http.put(f"{base}/installations/i{i}", json=body, headers=auth)

    return [registration if i % 2 else installation(i) for i in range(CREATES)]


def counts(hub: HubClient) -> tuple[int, int]:
    """(device_count, live rows) of the hub, read from the database."""

    async def go(store: Any) -> tuple[int, int]:
        if store.dialect == "sqlite":
            count = store.reader.execute(
                "SELECT device_count FROM hubs WHERE id = ?", (hub.hub.id,)
            )
            rows = store.reader.execute(
                "SELECT count(*) FROM hub_devices WHERE hub_id = ?", (hub.hub.id,)
            )
            return count.fetchone()[0], rows.fetchone()[0]
        count = await store._fetch("SELECT device_count FROM hubs WHERE id = $1", hub.hub.id)
        rows = await store._fetch("SELECT count(*) FROM hub_devices WHERE hub_id = $1", hub.hub.id)
        return count[0][0], rows[0][0]

    return tuple(hub.server.run(go))  # type: ignore[return-value]


def rush(server: Any) -> tuple[list[int], tuple[int, int]]:
    hub = HubClient(server, quota=QUOTA)
    responses = burst(server.url, "-", creates(hub))
    return [r.status_code for r in responses], counts(hub)


@pytest.mark.parametrize("run", [1, 2])
def test_quota_holds_under_concurrent_creates(server: LiveServer, run: int) -> None:  # QUO-2
    statuses, (count, rows) = rush(server)
    assert statuses.count(200) == QUOTA and statuses.count(403) == CREATES - QUOTA, statuses
    assert count == rows == QUOTA


@pytest.fixture
def unguarded(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    settings = base_settings(
        str(tmp_path_factory.mktemp("nhub")),
        database_url,
        debug_unsafe_hub_quota=True,
        debug_race_window_ms=5,
    )
    with LiveServer(settings) as live:
        yield live


def test_negative_control_quota_overshoots_without_the_guard(unguarded: LiveServer) -> None:
    statuses, (_count, rows) = rush(unguarded)
    assert statuses.count(200) > QUOTA and rows > QUOTA, statuses


def test_quota_holds_across_three_processes(
    postgres_url: str, tmp_path_factory: pytest.TempPathFactory
) -> None:  # QUO-2, ≥ 3 processes
    with ServerProcess(postgres_url, str(tmp_path_factory.mktemp("nhub3")), workers=3) as server:
        statuses, (count, rows) = rush(server)
    assert statuses.count(200) == QUOTA and statuses.count(403) == CREATES - QUOTA, statuses
    assert count == rows == QUOTA


def test_concurrent_identical_creates_of_one_id(server: LiveServer) -> None:  # REG-11
    hub = HubClient(server)
    auth = {"Authorization": hub.auth()}
    put: Request = lambda http: http.put(  # noqa: E731
        f"/{hub.name}/registrations/same-1", content=apple_entry(), headers=auth
    )
    responses = burst(server.url, "-", [put] * 20, threads=20)
    assert {r.status_code for r in responses} == {200}
    assert {r.headers["etag"] for r in responses} == {'W/"1"'}
    assert counts(hub) == (1, 1)


def test_concurrent_identical_creates_across_three_processes(
    postgres_url: str, tmp_path_factory: pytest.TempPathFactory
) -> None:  # REG-11, ≥ 3 processes
    with ServerProcess(postgres_url, str(tmp_path_factory.mktemp("reg11")), workers=3) as server:
        hub = HubClient(server)
        auth = {"Authorization": hub.auth()}
        put: Request = lambda http: http.put(  # noqa: E731
            f"/{hub.name}/registrations/same-3", content=apple_entry(), headers=auth
        )
        responses = burst(server.url, "-", [put] * 20, threads=20)
        assert {r.status_code for r in responses} == {200}
        assert {r.headers["etag"] for r in responses} == {'W/"1"'}
        assert counts(hub) == (1, 1)
