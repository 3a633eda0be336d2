"""API keys remembered per process on PostgreSQL, forgotten on the NOTIFY of any change to them.

Every request authenticates; reading the key's row is a round trip to PostgreSQL (about what a read
request's own query costs; docs/PERFORMANCE.md). This cache answers from memory instead, and stays
right because the database tells it of every change: triggers (functions.sql) send NOTIFY
turnout_keys from the very transaction that revokes, expires or changes a key or its tenant, so the
notice arrives at COMMIT, before the revoking client has its answer back, in every process.

Whenever this process is not listening — before the LISTEN connection is up, after it is lost,
while it reconnects, or when the database lacks the triggers — the cache is off and every request
reads its key's row as before. A notice that arrives while a row is being read voids that read
(generations), so a row read before a revocation is never remembered after it.

The one window left: PostgreSQL sends the notice when the revoking transaction commits, and the
revoker's client hears of the COMMIT at about the same moment; a request that reached this process
before the notice reached its socket is answered from the cache. Before trusting an entry the store
lets the loop take in what the socket already holds (PostgresStore.find_api_key), which closed it in
the tests (tests/test_keys.py revokes from another connection or process, then asks at once).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from typing import Any

import asyncpg

from turnout.core.ports import ApiKeyRecord

CHANNEL = "turnout_keys"
_CHECK_EVERY = 5.0  # seconds between checks that the LISTEN connection still answers
_RETRY_AFTER = 1.0
_SIZE = 10_000
log = logging.getLogger("turnout.keys")


class KeyCache:
    def __init__(self, url: str) -> None:
        self._url = url
        self._records: dict[str, ApiKeyRecord] = {}
        self._live = False
        self._generation = 0  # moves on every notice and every loss: voids reads in flight
        self._task: asyncio.Task[None] | None = None

    @property
    def live(self) -> bool:
        return self._live

    def get(self, prefix: str) -> ApiKeyRecord | None:
        if self._task is None:  # the first use starts the listener (CLI commands never need it)
            self._task = asyncio.get_running_loop().create_task(self._listen())
        return self._records.get(prefix) if self._live else None

    def generation(self) -> int:
        return self._generation

    def put(self, prefix: str, record: ApiKeyRecord, generation: int) -> None:
        """Remember a row read when the generation was `generation`, if nothing changed since."""
        if self._live and generation == self._generation:
            if len(self._records) >= _SIZE:
                self._records.clear()
            self._records[prefix] = record

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def _forget(self, prefix: str | None = None) -> None:
        self._generation += 1
        if prefix is None or prefix == "*":
            self._records.clear()
        else:
            self._records.pop(prefix, None)

    def _notified(self, _conn: Any, _pid: int, _channel: str, payload: str) -> None:
        self._forget(payload)

    async def _listen(self) -> None:
        while True:
            try:
                if not await self._session():
                    return
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # any failure: off, then try again
                log.warning("key cache off, reading keys per request: %s", exc)
            await asyncio.sleep(_RETRY_AFTER)

    async def _session(self) -> bool:
        """Listen on one connection until it is lost; False if this database cannot notify."""
        conn = await asyncpg.connect(
            self._url, server_settings={"application_name": f"turnout-keys/{os.getpid()}"}
        )
        lost = asyncio.Event()
        conn.add_termination_listener(lambda _: lost.set())
        try:
            await conn.add_listener(CHANNEL, self._notified)
            if not await conn.fetchval(
                "SELECT count(*) = 2 FROM pg_trigger WHERE tgname IN"
                " ('turnout_api_keys_notify', 'turnout_tenants_notify')"
            ):
                log.warning("no key-change triggers in this database: keys are read per request")
                return False
            self._forget()  # what happened before LISTEN took hold was never heard
            self._live = True
            while not lost.is_set():  # a silent network loss shows as an unanswered query
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(lost.wait(), _CHECK_EVERY)
                if not lost.is_set():
                    await conn.fetchval("SELECT 1", timeout=_CHECK_EVERY)
            return True
        finally:
            self._live = False
            self._forget()
            if not conn.is_closed():
                conn.terminate()
