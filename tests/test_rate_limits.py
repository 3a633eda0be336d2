"""Rate limits: /v1 per tenant (Cronofy's 429), /api/v1 per key, the stricter limit on failed
authentication (SEC-8), the RateLimit headers, limits shared through Redis, and Redis down.

Windows are fixed, so a burst may straddle a boundary: each test sends enough requests that the
limit must bite even if it does, and tests that count per window tell windows apart by the
headers. RL-1 and RL-2 are the rows of reliability.md.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import math
import os
import re
import secrets
import shutil
import socket
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
import redis

from tests.builders import event_body
from tests.conftest import base_settings
from tests.cronofy_errors import cronofy_body
from tests.live import LiveServer, free_port, make_tenant
from turnout import redislimit
from turnout.ratelimit import Decision, Limiter, LocalLimiter, Policy
from turnout.redislimit import RedisLimiter


@contextlib.contextmanager
def limited(
    database_url: str, factory: pytest.TempPathFactory, **limits: object
) -> Iterator[LiveServer]:
    """A server with rate limits on, and `limits` in place of the default settings."""
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
        assert all(cronofy_body(r) == {} and int(r.headers["retry-after"]) >= 1 for r in refused)
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
            assert cronofy_body(refused) == {}
        assert t.http.get(path).status_code == 200  # the same address, a valid key: unaffected


# RL-1: a client at twice its key's limit, and an honest one


def rate_limit(response: httpx.Response) -> dict[str, tuple[int, int]]:
    """The RateLimit header as {policy: (r, t)}; fails on anything but the draft's syntax."""
    items = {}
    for item in response.headers["RateLimit"].split(","):
        match = re.fullmatch(r'\s*"([a-z-]+)";r=(\d+);t=(\d+)\s*', item)
        assert match, response.headers["RateLimit"]
        items[match[1]] = (int(match[2]), int(match[3]))
    return items


def limiter_settings(request: pytest.FixtureRequest, limiter: str) -> dict[str, object]:
    if limiter == "in-process":
        return {}
    prefix = f"test:{secrets.token_hex(4)}:"  # counters of this test only
    return {"redis_url": request.getfixturevalue("redis_url"), "redis_prefix": prefix}


@pytest.mark.parametrize("limiter", ["in-process", "redis"])
def test_rl1_twice_the_key_limit_is_refused_with_retry_after_and_honest_clients_get_through(
    database_url: str,
    tmp_path_factory: pytest.TempPathFactory,
    request: pytest.FixtureRequest,
    limiter: str,
) -> None:
    limit = 4  # GETs per key per one-second window: the "minute" is shortened to a second
    with (
        limited(
            database_url,
            tmp_path_factory,
            rate_limit_reads_per_minute=limit,
            debug_rate_limit_minute_seconds=1,
            **limiter_settings(request, limiter),
        ) as server,
        make_tenant(server) as t,
    ):
        start = time.monotonic()
        flood = []
        for i in range(20):  # 2.5 s at 8 requests a second: twice the limit
            time.sleep(max(0.0, start + i / (2 * limit) - time.monotonic()))
            flood.append(t.http.get("/api/v1/events"))
        assert {r.status_code for r in flood} == {200, 429}  # and so no 5xx
        windows: dict[str, list[httpx.Response]] = {}
        for r in flood:
            windows.setdefault(r.headers["X-RateLimit-Reset"], []).append(r)
            assert r.headers["RateLimit-Policy"] == f'"per-key-reads";q={limit};w=1'
            remaining, _ = rate_limit(r)["per-key-reads"]
            assert remaining == int(r.headers["X-RateLimit-Remaining"])
            if r.status_code == 429:
                assert remaining == 0 and int(r.headers["Retry-After"]) >= 1
                assert r.json()["code"] == "RATE_LIMITED"
        for in_window in windows.values():
            admitted = [r for r in in_window if r.status_code == 200]
            assert len(admitted) <= limit
            left = [rate_limit(r)["per-key-reads"][0] for r in in_window]
            assert left == sorted(left, reverse=True), left  # r never rises within a window
        assert sum(r.status_code == 429 for r in flood) >= len(flood) // 4

        # An honest client sleeps Retry-After after each 429, and then always gets through. It
        # goes on until it has been refused at least once (more than `limit` requests in a row
        # must be, unless a window ends among them).
        successes, after_sleep = 0, []
        while successes < limit + 1 or not after_sleep:
            assert successes < 10 * limit
            response = t.http.get("/api/v1/events")
            if response.status_code == 429:
                time.sleep(int(response.headers["Retry-After"]))
                after_sleep.append(t.http.get("/api/v1/events"))
                response = after_sleep[-1]
            assert response.status_code == 200
            successes += 1
        assert all(r.status_code == 200 for r in after_sleep)


def test_v1_responses_name_both_tenant_policies(
    database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    with (
        limited(database_url, tmp_path_factory, rate_limit_v1_per_second=3) as server,
        make_tenant(server) as t,
    ):
        responses = [t.http.get("/v1/bookable_events") for _ in range(8)]
        for r in responses:
            assert r.headers["RateLimit-Policy"] == (
                '"per-tenant-second";q=3;w=1, "per-tenant-minute";q=500;w=60'
            )
            left = rate_limit(r)
            assert list(left) == ["per-tenant-second", "per-tenant-minute"]
            if r.status_code == 429:
                assert left["per-tenant-second"][0] == 0
                assert int(r.headers["Retry-After"]) >= left["per-tenant-second"][1]
        assert {r.status_code for r in responses} == {200, 429}
        with t.client("tk_aaaaaaaaaaaa_" + "b" * 32) as wrong:
            refused = wrong.get("/v1/bookable_events")
        assert refused.status_code == 401
        assert refused.headers["RateLimit-Policy"] == '"per-address-failed-auth";q=20;w=60'


# RL-2: three servers, one Redis


@dataclasses.dataclass
class Seen:
    sent: float
    received: float
    response: httpx.Response

    def window(self, policy: str, seconds: int) -> int:
        """The end of the window the request counted in, from the RateLimit header's t.

        The server saw the request between `sent` and `received`, and its window ends within t
        seconds of that moment (t - 1 < end - then ≤ t). Windows end on multiples of their
        length, so exactly one such end fits when the round trip is well under the window.
        """
        _, t = rate_limit(self.response)[policy]
        end = (math.floor((self.sent + t - 1) / seconds) + 1) * seconds
        assert end <= self.received + t, (self.sent, self.received, t)
        return end


def flood(servers: list[LiveServer], path: str, key: str, per_server: int) -> list[Seen]:
    """`per_server` requests to each server, all servers at once, with the same key."""

    def one(server: LiveServer) -> list[Seen]:
        seen = []
        auth = {"Authorization": f"Bearer {key}"}
        with httpx.Client(base_url=server.url, headers=auth, timeout=30) as client:
            for _ in range(per_server):
                sent = time.time()
                response = client.get(path)
                seen.append(Seen(sent, time.time(), response))
        return seen

    with ThreadPoolExecutor(len(servers)) as pool:
        return [seen for part in pool.map(one, servers) for seen in part]


@contextlib.contextmanager
def three_servers(
    database_url: str, factory: pytest.TempPathFactory, **settings: object
) -> Iterator[list[LiveServer]]:
    """Three servers on one database, each with limiter state of its own, as three processes.

    They share the server secret, as processes of one deployment do, so a key works on all three.
    """
    shared = {"secret": secrets.token_hex(32), **settings}
    with contextlib.ExitStack() as stack:
        yield [stack.enter_context(limited(database_url, factory, **shared)) for _ in range(3)]


RL2_LIMIT = 30
# What is limited, the request that spends it, the policy that counts it, the answer it gets.
RL2_CASES = {
    "per-key": ("/api/v1/events", "per-key-reads", 200, "rate_limit_reads_per_minute"),
    "per-tenant": ("/v1/bookable_events", "per-tenant-minute", 200, "rate_limit_v1_per_minute"),
    "failed-auth": (
        "/api/v1/events",
        "per-address-failed-auth",
        401,
        "rate_limit_failed_auth_per_minute",
    ),
}


def admitted_per_window(
    database_url: str, factory: pytest.TempPathFactory, case: str, **settings: object
) -> list[int]:
    """Flood three servers with 4/3 of the limit each; how many got through in each window."""
    path, policy, admitted, setting = RL2_CASES[case]
    with (
        three_servers(database_url, factory, **{setting: RL2_LIMIT}, **settings) as servers,
        make_tenant(servers[0]) as t,
    ):
        key = t.key if case != "failed-auth" else "tk_aaaaaaaaaaaa_" + "b" * 32
        seen = flood(servers, path, key, RL2_LIMIT * 4 // 3)
    assert {s.response.status_code for s in seen} <= {admitted, 429}  # and so no 5xx
    counts = Counter(s.window(policy, 60) for s in seen if s.response.status_code == admitted)
    return sorted(counts.values())


@pytest.mark.parametrize("case", list(RL2_CASES))
def test_rl2_three_servers_sharing_redis_admit_the_limit_once(
    postgres_url: str, redis_url: str, tmp_path_factory: pytest.TempPathFactory, case: str
) -> None:
    """PostgreSQL only: SQLite is served by one process (reliability.md, Topologies)."""
    prefix = f"test:{secrets.token_hex(4)}:"
    counts = admitted_per_window(
        postgres_url, tmp_path_factory, case, redis_url=redis_url, redis_prefix=prefix
    )
    # 120 requests against a limit of 30: some window saw at least 60, and admitted exactly 30.
    assert counts[-1] == RL2_LIMIT, counts
    assert sum(counts) <= 2 * RL2_LIMIT  # at most two windows


def test_rl2_negative_control_without_redis_each_server_admits_the_limit(
    postgres_url: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """The same harness without Redis sees per-process limits: up to three times the limit."""
    counts = admitted_per_window(postgres_url, tmp_path_factory, "per-key")
    assert counts[-1] > RL2_LIMIT * 1.1, counts


# Redis unreachable: limits fall back to each process, requests go on


def test_unreachable_redis_falls_back_to_in_process_limits_and_never_fails_a_request(
    database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    warnings: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            warnings.append(record.getMessage())

    handler = Collect(logging.WARNING)
    logging.getLogger("turnout.ratelimit").addHandler(handler)
    closed = f"redis://:sekrit@127.0.0.1:{free_port()}/0"  # nothing listens there
    try:
        with (
            limited(
                database_url, tmp_path_factory, redis_url=closed, rate_limit_reads_per_minute=5
            ) as server,
            make_tenant(server) as t,
        ):
            statuses = [t.http.get("/api/v1/events").status_code for _ in range(12)]
            ready = httpx.get(server.url + "/readyz")
    finally:
        logging.getLogger("turnout.ratelimit").removeHandler(handler)
    assert set(statuses) == {200, 429}  # still limited, and no 5xx
    assert statuses.count(200) <= 10  # 5 a minute, over at most two minutes
    assert ready.status_code == 200
    assert ready.json()["rate_limits"] == "in-process (redis unreachable)"
    assert len(warnings) == 1 and "Redis is unreachable" in warnings[0]  # once, not per request
    assert "sekrit" not in warnings[0]


@contextlib.contextmanager
def private_redis(port: int) -> Iterator[subprocess.Popen[bytes]]:
    """A Redis of this test's own, which the test may stop: never the shared one."""
    binary = shutil.which("redis-server")
    if binary is None:
        if os.environ.get("CI") == "true":
            pytest.fail("redis-server is not installed; under CI=true the Redis tests are required")
        pytest.skip("redis-server is not installed")
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.1):
                break
            assert time.monotonic() < deadline, "the private Redis did not start"
            time.sleep(0.02)
        yield process
    finally:
        process.terminate()
        process.wait(10)


def test_limits_survive_redis_going_away_and_are_shared_again_when_it_returns(
    database_url: str, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(redislimit, "RETRY_AFTER_SECONDS", 0.2)  # try Redis again sooner
    port = free_port()
    url = f"redis://127.0.0.1:{port}/0"
    with limited(database_url, tmp_path_factory, redis_url=url) as server, make_tenant(server) as t:

        def where() -> str:
            return str(httpx.get(server.url + "/readyz").json()["rate_limits"])

        with private_redis(port):
            assert t.http.get("/api/v1/events").status_code == 200
            assert where() == "redis"
        # Redis has gone away under the running server, leaving its pooled connection dead.
        assert [t.http.get("/api/v1/events").status_code for _ in range(5)] == [200] * 5
        assert where() == "in-process (redis unreachable)"
        with private_redis(port):
            time.sleep(0.3)
            assert t.http.get("/api/v1/events").status_code == 200
            assert where() == "redis"
            with redis.Redis(port=port) as fresh:
                assert len(fresh.keys("turnout:rl:per-key-reads:*")) == 1  # counted there


# The two limiters behave alike


@pytest.mark.parametrize("limiter", ["in-process", "redis"])
def test_a_request_counts_in_every_window_or_in_none(
    request: pytest.FixtureRequest, limiter: str
) -> None:
    wide, narrow = Policy("wide", 3, 60), Policy("narrow", 2, 60)

    url = request.getfixturevalue("redis_url") if limiter == "redis" else ""

    def clock() -> float:
        return 1_800_000_030.0  # mid-window, so reset_in is 30 for both

    async def go() -> list[Decision]:
        chosen: Limiter = LocalLimiter(clock)
        if url:
            chosen = RedisLimiter(url, f"test:{secrets.token_hex(4)}:", clock)
        try:
            both = [await chosen.hit([wide, narrow], "b") for _ in range(3)]
            return both + [await chosen.hit([wide], "b") for _ in range(2)]
        finally:
            await chosen.close()

    decisions = asyncio.run(go())
    assert [d.allowed for d in decisions] == [True, True, False, True, False]
    assert [[q.remaining for q in d.quotas] for d in decisions] == [
        [2, 1],
        [1, 0],
        [1, 0],  # refused by narrow, and not counted in wide either
        [0],  # so wide has one left
        [0],
    ]
    assert [d.retry_after for d in decisions] == [0, 0, 30, 0, 30]
    assert all(q.reset == 1_800_000_060 for d in decisions for q in d.quotas)
