"""Group commit for SQLite: many requests' writes share one transaction and one fsync.

A write runs at once, on the event loop, inside a SAVEPOINT of the batch transaction that is open
now (or that it opens, with BEGIN IMMEDIATE). The batch commits once every task already waiting to
run on the loop has had its turn, so writes that arrive together are made durable together. A
write's caller resumes only after the COMMIT that holds its write, so nothing is acknowledged before
it is on disk. A write that fails rolls back to its own savepoint and leaves the others in the batch
alone; a COMMIT that fails fails every write in the batch, none of which has been acknowledged.

Reads must not use this connection: between a write and its COMMIT it holds uncommitted data.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from typing import TypeVar

from turnout.core.errors import Unavailable

T = TypeVar("T")


class GroupCommit:
    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db
        self._waiting: list[asyncio.Future[None]] | None = None  # the open batch's writers
        self.batches = 0  # for tests and the benchmark: how many COMMITs
        self.writes = 0
        self._commit_soon: asyncio.Handle | None = None

    async def run(self, work: Callable[[], T]) -> T:
        """Run `work` (synchronous: no await inside) in the current batch; return once it is durable."""
        if self._waiting is None:
            try:
                self.db.execute("BEGIN IMMEDIATE")
            except (
                sqlite3.OperationalError
            ) as exc:  # another process holds the lock past busy_timeout
                raise Unavailable(str(exc)) from exc
            self._waiting = []
            self._commit_soon = asyncio.get_running_loop().call_soon(self._commit)
        self.db.execute("SAVEPOINT write")
        try:
            result = work()
        except BaseException:
            self.db.execute("ROLLBACK TO write")
            self.db.execute("RELEASE write")
            raise
        self.db.execute("RELEASE write")
        done = asyncio.get_running_loop().create_future()
        self._waiting.append(done)
        await done
        return result

    def close(self) -> None:
        """Commit the open batch now, before the connection closes. A batch whose only write failed
        is still open (its commit is scheduled), and committing it after the close was a traceback."""
        if self._commit_soon is not None:
            self._commit_soon.cancel()
            self._commit()

    def _commit(self) -> None:
        self._commit_soon = None
        waiting, self._waiting = self._waiting or [], None
        try:
            self.db.execute("COMMIT")
        except sqlite3.Error as exc:
            if self.db.in_transaction:
                self.db.execute("ROLLBACK")
            for done in waiting:
                if not done.done():
                    done.set_exception(Unavailable(f"commit failed: {exc}"))
            return
        self.batches += 1
        self.writes += len(waiting)
        for done in waiting:
            if not done.done():  # a cancelled caller still had its write committed
                done.set_result(None)
