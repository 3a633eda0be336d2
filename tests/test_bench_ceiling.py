"""The benchmark's ceiling (bench/ceiling.py) answers every scenario with turnout's body, byte for
byte, on the same seeded data: otherwise "× ceiling" would compare different work."""

from __future__ import annotations

import asyncio
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from bench.ceiling import Ceiling
from bench.requests import encoded, sample
from bench.run import SCENARIOS, copy_sqlite
from bench.seed import Seeded, seed

from tests.live import SECRET, LiveServer, free_port
from turnout.config import Settings

PUBLIC_URL = "http://turnout.test"


class CeilingServer:
    def __init__(self, app: Ceiling) -> None:
        self.url = f"http://127.0.0.1:{free_port()}"
        port = int(self.url.rsplit(":", 1)[1])
        config = uvicorn.Config(app, port=port, log_level="warning", access_log=False)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    def __enter__(self) -> CeilingServer:
        self._thread.start()
        deadline = time.monotonic() + 20
        while not self._server.started:
            assert self._thread.is_alive() and time.monotonic() < deadline
            time.sleep(0.01)
        return self

    def __exit__(self, *_: object) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=20)


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, Seeded]]:
    work: Path = tmp_path_factory.mktemp("bench")
    settings = Settings(
        database_url=f"sqlite:///{work}/turnout.db",
        secret=SECRET,
        public_url=PUBLIC_URL,
        rate_limits=False,
    )
    seeded = asyncio.run(seed(settings, 120))  # the big event has three pages
    copy_sqlite(work / "turnout.db", work / "ceiling.db")
    ceiling = Ceiling(str(work / "ceiling.db"), seeded.tenant_id, SECRET.encode(), PUBLIC_URL)
    with LiveServer(settings) as turnout, CeilingServer(ceiling) as other:
        yield turnout.url, other.url, seeded


def test_every_scenario_is_compared() -> None:
    covered = {"new_upserts", "reupserts", "webkasa_create", "event_read", "big_first_page"}
    covered |= {"big_deep_page", "availability", "upserts_small_event", "upserts_big_event"}
    assert set(SCENARIOS) == covered


# /api/v1 creates make random ids, which every later page of those events shows: compared last.
@pytest.mark.parametrize("scenario", sorted(SCENARIOS, key=lambda s: s == "webkasa_create"))
def test_the_ceiling_answers_with_turnouts_body(
    scenario: str, pair: tuple[str, str, Seeded], monkeypatch: pytest.MonkeyPatch
) -> None:
    turnout_url, ceiling_url, seeded = pair
    # One clock for both servers (they run in this process), so written timestamps agree.
    frozen = float(int(time.time()))
    monkeypatch.setattr(time, "time", lambda: frozen)
    headers = {"Authorization": f"Bearer {seeded.key}", "Content-Type": "application/json"}
    for n in (1, 2, 60):  # a second write to the same event sees the first in its page
        method, path, body = sample(scenario, n, seeded.deep_path)
        content = None if body is None else encoded(body)
        answers = [
            httpx.request(method, url + path, content=content, headers=headers, timeout=30)
            for url in (turnout_url, ceiling_url)
        ]
        mine, ceiling = answers
        assert mine.status_code == ceiling.status_code, mine.text
        assert mine.status_code in (200, 201)
        if scenario == "webkasa_create":  # the one field that differs: a fresh random id
            ids = [re.search(rb'"id":"(reg_[A-Za-z0-9]{20})"', a.content) for a in answers]
            assert ids[0] and ids[1]
            mine_body = mine.content.replace(ids[0].group(1), b"reg_ID")
            assert mine_body == ceiling.content.replace(ids[1].group(1), b"reg_ID")
        else:
            assert mine.content == ceiling.content
    if scenario == "big_first_page":
        assert b'"next_page":"http://turnout.test/v1/bookable_events/big/' in mine.content
