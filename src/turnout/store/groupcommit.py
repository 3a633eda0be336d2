"""Group commit for SQLite: many requests' writes share one transaction and one fsync.

A write runs at once, on the event loop, inside a SAVEPOINT of the batch transaction that is open
now (or that it opens, with BEGIN IMMEDIATE). The batch commits once every task already waiting to
run on the loop has had its turn, so writes that arrive together are made durable together. A
write's caller resumes only after the COMMIT that holds its write, so nothing is acknowledged before
it is on disk. A write that fails rolls back to its own savepoint and leaves the others in the batch
alone; a COMMIT that fails fails every write in the batch, none of which has been acknowledged.

The COMMIT (with synchronous=FULL, the fsync) runs on a thread of its own, so the event loop keeps
parsing, authenticating and answering reads while the disk works; writes that arrive meanwhile wait
for it and then form the next batch together. The connection is only ever used by one thread at a
time: nothing runs on it while a COMMIT is in flight.

Reads must not use this connection: between a write and its COMMIT it holds uncommitted data.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from turnout.core.errors import Unavailable

T = TypeVar("T")


class GroupCommit:
    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db
        self._waiting: list[asyncio.Future[None]] | None = None  # the open batch's writers
        self.batches = 0  # for tests and the benchmark: how many COMMITs
        self.writes = 0
        # For what caches what this connection read (store/outbox.py Subscriptions): how many
        # batches were begun, and how many writes or batches rolled back.
        self.begun = 0
        self.rollbacks = 0
        self._commit_soon: asyncio.Handle | None = None
        self._committing: asyncio.Future[None] | None = None  # the COMMIT on the thread, if any
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="turnout-commit")

    async def run(self, work: Callable[[], T]) -> T:
        """Run `work` (synchronous: no await inside) in the current batch; return once it is durable."""
        while self._committing is not None:  # the connection is the COMMIT's until it returns
            await asyncio.shield(self._committing)
        if self._waiting is None:
            try:
                self.db.execute("BEGIN IMMEDIATE")
            except (
                sqlite3.OperationalError
            ) as exc:  # another process holds the lock past busy_timeout
                raise Unavailable(str(exc)) from exc
            self.begun += 1
            self._waiting = []
            self._commit_soon = asyncio.get_running_loop().call_soon(self._commit)
        self.db.execute("SAVEPOINT write")
        try:
            result = work()
        except BaseException:
            self.rollbacks += 1
            self.db.execute("ROLLBACK TO write")
            self.db.execute("RELEASE write")
            raise
        self.db.execute("RELEASE write")
        done = asyncio.get_running_loop().create_future()
        self._waiting.append(done)
        await done
        return result

    def close(self) -> None:
        """Finish the COMMIT in flight, then commit the open batch now, before the connection
        closes. A batch whose only write failed is still open (its commit is scheduled), and
        committing it after the close was a traceback."""
        self._thread.shutdown(wait=True)
        if self._commit_soon is not None:
            self._commit_soon.cancel()
            self._commit_soon = None
            waiting, self._waiting = self._waiting or [], None
            self._finish(waiting, self._commit_now())

    def _commit(self) -> None:
        self._commit_soon = None
        waiting, self._waiting = self._waiting or [], None
        loop = asyncio.get_running_loop()
        try:
            pending = loop.run_in_executor(self._thread, self._commit_now)
        except RuntimeError:  # the thread is shut down (closing): commit here, as before it
            self._finish(waiting, self._commit_now())
            return
        self._committing = loop.create_future()
        pending.add_done_callback(lambda f: self._committed(waiting, f))

    def _commit_now(self) -> sqlite3.Error | None:
        """COMMIT (on the commit thread); the error, after rolling back, if it failed."""
        try:
            self.db.execute("COMMIT")
        except sqlite3.Error as exc:
            self.rollbacks += 1
            if self.db.in_transaction:
                self.db.execute("ROLLBACK")
            return exc
        return None

    def _committed(
        self, waiting: list[asyncio.Future[None]], pending: asyncio.Future[sqlite3.Error | None]
    ) -> None:
        committing, self._committing = self._committing, None
        error: BaseException | None
        try:
            error = pending.result()
        except BaseException as exc:  # the executor itself failed (say, shut down): not durable
            error = exc
        self._finish(waiting, error)
        if committing is not None and not committing.done():
            committing.set_result(None)

    def _finish(self, waiting: list[asyncio.Future[None]], error: BaseException | None) -> None:
        if error is not None:
            for done in waiting:
                if not done.done():
                    done.set_exception(Unavailable(f"commit failed: {error}"))
            return
        self.batches += 1
        self.writes += len(waiting)
        for done in waiting:
            if not done.done():  # a cancelled caller still had its write committed
                done.set_result(None)
