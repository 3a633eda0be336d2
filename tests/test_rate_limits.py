"""/v1 limits per tenant (Cronofy's 429) and the stricter limit on failed authentication (SEC-8).

Windows are fixed, so a burst may straddle a boundary: each test sends enough requests that the
limit must bite even if it does.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest

from tests.builders import event_body
from tests.conftest import base_settings
from tests.live import LiveServer, make_tenant


@contextlib.contextmanager
def limited(
    database_url: str, factory: pytest.TempPathFactory, **limits: int
) -> Iterator[LiveServer]:
    """A server with rate limits on, and `limits` in place of the defaults."""
    settings = base_settings(
        str(factory.mktemp("limited")), database_url, rate_limits=True, **limits
    )
    with LiveServer(settings) as live:
        yield live


def test_v1_over_the_per_second_limit_is_429_with_retry_after(
    database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    with (
        limited(database_url, tmp_path_factory, rate_limit_v1_per_second=3) as server,
        make_tenant(server) as t,
        make_tenant(server) as other,
    ):
        responses = [t.http.get("/v1/bookable_events") for _ in range(10)]
        refused = [r for r in responses if r.status_code == 429]
        assert len(refused) >= 4  # at most 3 a second, over at most two seconds
        assert all(r.json() == {} and int(r.headers["retry-after"]) >= 1 for r in refused)
        assert {r.status_code for r in responses} == {200, 429}
        assert other.http.get("/v1/bookable_events").status_code == 200  # per tenant


def test_v1_over_the_per_minute_limit_is_429(
    database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    with (
        limited(database_url, tmp_path_factory, rate_limit_v1_per_minute=5) as server,
        make_tenant(server) as t,
    ):
        statuses = [
            t.http.post("/v1/bookable_events", json=event_body(f"e{i}")).status_code
            for i in range(12)
        ]
        assert statuses.count(429) >= 2 and statuses[0] == 200
        assert set(statuses) == {200, 429}


@pytest.mark.parametrize("path", ["/v1/bookable_events", "/api/v1/events"])
def test_failed_authentication_is_throttled_and_good_keys_are_not(
    database_url: str, tmp_path_factory: pytest.TempPathFactory, path: str
) -> None:
    with (
        limited(database_url, tmp_path_factory, rate_limit_failed_auth_per_minute=5) as server,
        make_tenant(server) as t,
        t.client("tk_aaaaaaaaaaaa_" + "b" * 32) as wrong,
    ):
        statuses = [wrong.get(path).status_code for _ in range(12)]
        assert (
            statuses[0] == 401 and statuses.count(429) >= 2
        )  # 5 a minute, over at most two minutes
        refused = wrong.get(path)
        assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1
        if path.startswith("/api/"):
            assert refused.json()["code"] == "RATE_LIMITED"
        else:
            assert refused.json() == {}
        assert t.http.get(path).status_code == 200  # the same address, a valid key: unaffected
