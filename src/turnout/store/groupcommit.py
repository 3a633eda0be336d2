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

The loop never waits for SQLite's lock either. The connection's own busy timeout is 0, so BEGIN
IMMEDIATE on the loop either takes the write lock at once or fails at once; when another process
(a migration, `turnout` commands, a second server) holds the lock, the wait for it runs on the
commit thread, up to the busy timeout counted from the write's arrival, and ends in Unavailable (a
503). Before, each waiting write held the whole event loop for up to 5 s: no read, no health check
and no other refusal could be answered meanwhile.

Reads must not use this connection: between a write and its COMMIT it holds uncommitted data.
"""

from __future__ import annotations

import asyncio
import functools
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from turnout.core.errors import Unavailable

T = TypeVar("T")

BUSY_TIMEOUT = 5.0  # seconds a write waits for another process's write lock before its 503


def begin_waiting(db: sqlite3.Connection, seconds: float) -> None:
    """BEGIN IMMEDIATE, waiting up to `seconds` for another process's write lock (blocking: on the
    commit thread, or before serving). The connection's busy timeout is 0 again afterwards."""
    db.execute(f"PRAGMA busy_timeout = {max(1, int(seconds * 1000))}")
    try:
        db.execute("BEGIN IMMEDIATE")
    finally:
        db.execute("PRAGMA busy_timeout = 0")


def _busy(exc: sqlite3.OperationalError) -> bool:
    return exc.sqlite_errorcode & 0xFF == sqlite3.SQLITE_BUSY


class GroupCommit:
    def __init__(self, db: sqlite3.Connection, busy_timeout: float = BUSY_TIMEOUT) -> None:
        self.db = db
        self.busy_timeout = busy_timeout  # seconds a write waits for another process's lock
        self._waiting: list[asyncio.Future[None]] | None = None  # the open batch's writers
        self.batches = 0  # for tests and the benchmark: how many COMMITs
        self.writes = 0
        # For what caches what this connection read (store/outbox.py Subscriptions): how many
        # batches were begun, and how many writes or batches rolled back.
        self.begun = 0
        self.rollbacks = 0
        self._commit_soon: asyncio.Handle | None = None
        # The commit thread's job in flight (a COMMIT, or a wait for the lock), if any: the
        # connection is the thread's until it is done.
        self._lent: asyncio.Future[None] | None = None
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="turnout-commit")

    async def run(self, work: Callable[[], T]) -> T:
        """Run `work` (synchronous: no await inside) in the current batch; return once it is durable."""
        if self._waiting is None:  # no batch open: join the next one, or open it
            loop = asyncio.get_running_loop()
            deadline = loop.time() + self.busy_timeout
        while self._waiting is None:
            if self._lent is not None:
                await asyncio.shield(self._lent)
            elif not self._begin():  # another process holds the write lock
                if loop.time() >= deadline:
                    raise Unavailable("database is locked: another process holds its write lock")
                self._lend(functools.partial(self._wait_for_lock, deadline - loop.time()))
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

    def _begin(self) -> bool:
        """Open a batch if the write lock is free now; False if another process holds it."""
        try:
            self.db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if _busy(exc):
                return False
            raise Unavailable(str(exc)) from exc
        self.begun += 1
        self._waiting = []
        self._commit_soon = asyncio.get_running_loop().call_soon(self._commit)
        return True

    def _wait_for_lock(self, seconds: float) -> None:
        """(On the commit thread.) Wait until the write lock is free, or `seconds` have passed.
        It takes the lock and lets go at once: the batch is opened on the loop, where the writer
        that waited retries, so nothing is left half-done if that writer has gone away. It never
        raises: any error but the timeout comes back from that retry, as Unavailable (an error
        raised here would sit in a future nobody reads, logged as never retrieved)."""
        try:
            begin_waiting(self.db, seconds)
        except sqlite3.Error:
            return
        self.db.execute("ROLLBACK")

    def _lend(self, job: Callable[[], T]) -> asyncio.Future[T]:
        """Run `job` on the commit thread; writers wait for it (`_lent`) before using the connection."""
        loop = asyncio.get_running_loop()
        pending = loop.run_in_executor(self._thread, job)
        lent = self._lent = loop.create_future()

        def returned(_: asyncio.Future[T]) -> None:
            self._lent = None
            lent.set_result(None)

        pending.add_done_callback(returned)
        return pending

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
        try:
            pending = self._lend(self._commit_now)
        except RuntimeError:  # the thread is shut down (closing): commit here, as before it
            self._finish(waiting, self._commit_now())
            return
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
        error: BaseException | None
        try:
            error = pending.result()
        except BaseException as exc:  # the executor itself failed (say, shut down): not durable
            error = exc
        self._finish(waiting, error)

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
