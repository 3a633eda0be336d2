"""SQLite group commit: writes that arrive together share a COMMIT, and each is still its own."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest

from turnout.core.errors import Unavailable, ValidationFailed
from turnout.core.events import EventChanges, put_event
from turnout.core.registrations import RegistrationChanges, takes_no_more_seats, write_registration
from turnout.store.sqlite import SqliteStore


async def open_store(tmp_path: Path) -> tuple[SqliteStore, int]:
    store = SqliteStore(str(tmp_path / "t.db"))
    await store.migrate()
    tenant = await store.create_tenant("t", 0)
    changes = EventChanges(
        start_at=1_900_000_000, end_at=1_900_003_600, status="confirmed", capacity=10
    )
    await put_event(store, tenant.id, "e", changes)
    return store, tenant.id


def register(store: SqliteStore, tenant_id: int, rid: str, changes: Any = None) -> Any:
    return write_registration(
        store,
        tenant_id,
        "e",
        rid,
        changes or RegistrationChanges(status="accepted"),
        include_drafts=False,
        cancel_rule=takes_no_more_seats,
    )


class Ticks:
    """Turns of a 10 ms ticker on the running loop: few if something holds the loop."""

    def __init__(self) -> None:
        self.count = 0
        self._task = asyncio.create_task(self._tick())

    async def _tick(self) -> None:
        while True:
            self.count += 1
            await asyncio.sleep(0.01)

    def stop(self) -> None:
        self._task.cancel()


def committed_rows(tmp_path: Path) -> int:
    with sqlite3.connect(tmp_path / "t.db") as other:
        return int(other.execute("SELECT count(*) FROM registrations").fetchone()[0])


def test_writes_that_arrive_together_share_one_commit(tmp_path: Path) -> None:
    async def go() -> None:
        store, tenant = await open_store(tmp_path)
        before = store.writes.batches
        results = await asyncio.gather(*(register(store, tenant, f"r{i}") for i in range(8)))
        assert [r.created for r in results] == [True] * 8
        assert store.writes.batches - before == 1
        await store.close()

    asyncio.run(go())
    assert committed_rows(tmp_path) == 8


def test_acknowledged_means_committed(tmp_path: Path) -> None:
    async def go() -> None:
        store, tenant = await open_store(tmp_path)
        await register(store, tenant, "r1")
        assert committed_rows(tmp_path) == 1  # another connection sees it as soon as we return
        await store.close()

    asyncio.run(go())


def test_a_failing_write_leaves_the_rest_of_its_batch_alone(tmp_path: Path) -> None:
    def refuse(old: Any) -> RegistrationChanges:
        raise ValidationFailed([])

    async def go() -> None:
        store, tenant = await open_store(tmp_path)
        results = await asyncio.gather(
            register(store, tenant, "r1"),
            register(store, tenant, "bad", refuse),
            register(store, tenant, "r2"),
            return_exceptions=True,
        )
        assert isinstance(results[1], ValidationFailed)
        assert not isinstance(results[0], BaseException) and not isinstance(
            results[2], BaseException
        )
        event = await store.get_event(tenant, "e")
        assert event is not None and event.seats_taken == 2
        await store.close()

    asyncio.run(go())
    assert committed_rows(tmp_path) == 2


def open_temp_files() -> list[str]:
    """SQLite's temp files this process holds open (its unix VFS names them etilqs_…)."""
    fds = Path("/proc/self/fd")
    found = []
    for fd in fds.iterdir():
        try:
            found.append(str(fd.readlink()))
        except OSError:  # closed meanwhile (the iteration's own descriptor)
            continue
    return [name for name in found if "etilqs_" in name]


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc")
def test_a_write_that_changes_many_pages_keeps_its_savepoint_journal_in_memory(
    tmp_path: Path,
) -> None:
    """Each write's SAVEPOINT journals the pages it changes; past 64 KiB SQLite moved that journal
    to a temp file for the rest of the batch, two pwrite()s a page (a write with an outbox row
    crossed it: docs/WEBHOOKS.md "Cost and throughput")."""

    def change_every_row() -> list[str]:
        store.db.execute("UPDATE wide SET body = upper(body)")  # 40 rows, a page each
        return open_temp_files()

    async def go() -> list[str]:
        store.db.execute("CREATE TABLE wide (body TEXT)")
        store.db.executemany("INSERT INTO wide VALUES (?)", [("x" * 3000,)] * 40)
        try:
            return await store.writes.run(change_every_row)
        finally:
            await store.close()

    store = SqliteStore(str(tmp_path / "t.db"))
    assert asyncio.run(go()) == []


def test_migrations_sort_in_temp_files_and_writes_journal_in_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In memory, a migration's CREATE INDEX would sort the whole table in RAM."""
    store = SqliteStore(str(tmp_path / "t.db"))
    seen: list[int] = []
    transaction = store._transaction

    def spy(work: Any) -> Any:
        seen.append(store.db.execute("PRAGMA temp_store").fetchone()[0])
        return transaction(work)

    monkeypatch.setattr(store, "_transaction", spy)

    async def go() -> int:
        await store.migrate()
        try:
            return int(store.db.execute("PRAGMA temp_store").fetchone()[0])
        finally:
            await store.close()

    assert asyncio.run(go()) == 2  # MEMORY
    assert seen and set(seen) == {0}  # DEFAULT: temp files


def test_a_failed_commit_fails_every_write_in_the_batch(tmp_path: Path) -> None:
    async def go() -> None:
        store, tenant = await open_store(tmp_path)

        def poison() -> None:  # a deferred foreign key violation: only COMMIT notices
            store.db.execute("PRAGMA defer_foreign_keys = ON")
            store.db.execute(
                "INSERT INTO registration_history (registration_pk, status, checked_in_count, at)"
                " VALUES (999999, 'accepted', 0, 0)"
            )

        results = await asyncio.gather(
            register(store, tenant, "r1"),
            store.writes.run(poison),
            register(store, tenant, "r2"),
            return_exceptions=True,
        )
        assert all(isinstance(r, Unavailable) for r in results), results
        assert await store.get_registration(1, "r1") is None
        after = await register(store, tenant, "r3")  # the store carries on
        assert after.created
        await store.close()

    asyncio.run(go())
    assert committed_rows(tmp_path) == 1


@pytest.mark.parametrize("n", [1, 50])
def test_counters_match_rows_after_a_burst(tmp_path: Path, n: int) -> None:
    async def go() -> None:
        store, tenant = await open_store(tmp_path)
        results = await asyncio.gather(
            *(register(store, tenant, f"r{i}") for i in range(n)), return_exceptions=True
        )
        ok = [r for r in results if not isinstance(r, BaseException)]
        event = await store.get_event(tenant, "e")
        assert event is not None
        assert event.seats_taken == len(ok) == min(n, 10)
        await store.close()

    asyncio.run(go())


def test_the_loop_serves_while_a_commit_syncs_and_late_writes_share_the_next(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The COMMIT runs on its own thread: the event loop keeps running meanwhile, a write that
    arrives waits for it (and is not acknowledged before its own COMMIT), and the writes that
    arrived during one COMMIT go into the next batch together."""
    from turnout.store.groupcommit import GroupCommit

    slow = GroupCommit._commit_now

    def slow_commit(self: GroupCommit) -> Any:
        time.sleep(0.3)  # a slow disk
        return slow(self)

    async def go() -> None:
        store, tenant = await open_store(tmp_path)
        monkeypatch.setattr(GroupCommit, "_commit_now", slow_commit)
        before = store.writes.batches
        ticks = Ticks()
        first = asyncio.create_task(register(store, tenant, "r0"))
        await asyncio.sleep(0.05)  # r0's COMMIT is on the thread now
        late = [asyncio.create_task(register(store, tenant, f"r{i}")) for i in (1, 2, 3)]
        await asyncio.sleep(0.05)
        assert not first.done() and not any(t.done() for t in late)
        assert ticks.count >= 5  # the loop ran during the COMMIT
        await asyncio.gather(first, *late)
        ticks.stop()
        assert store.writes.batches - before == 2  # r0's batch, then r1-r3's together
        assert committed_rows(tmp_path) == 4
        await store.close()

    asyncio.run(go())


def hold_write_lock(tmp_path: Path) -> sqlite3.Connection:
    """Another connection (as another process would) holding SQLite's write lock."""
    other = sqlite3.connect(tmp_path / "t.db", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    return other


def test_a_write_waiting_for_another_process_lock_does_not_hold_the_loop(tmp_path: Path) -> None:
    """While another process holds the write lock, the waiting writes wait off the loop (it keeps
    ticking), and go through together once the lock is let go."""

    async def go() -> None:
        store, tenant = await open_store(tmp_path)
        ticks = Ticks()
        other = hold_write_lock(tmp_path)
        asyncio.get_running_loop().call_later(0.5, other.execute, "ROLLBACK")
        started = time.monotonic()
        await asyncio.gather(*(register(store, tenant, f"r{i}") for i in range(3)))
        waited = time.monotonic() - started
        ticks.stop()
        assert 0.45 < waited < 3
        assert ticks.count >= 20, ticks.count  # ~50 when the loop is free; 1 when the wait holds it
        assert committed_rows(tmp_path) == 3
        other.close()
        await store.close()

    asyncio.run(go())


def test_writes_past_the_busy_timeout_are_unavailable_each_from_its_arrival(
    tmp_path: Path,
) -> None:
    """Each write waits at most the busy timeout from its own arrival (not one timeout after
    another), gets Unavailable, and leaves the connection fit for the next write."""

    async def go() -> None:
        store, tenant = await open_store(tmp_path)
        store.writes.busy_timeout = 0.4
        other = hold_write_lock(tmp_path)
        started = time.monotonic()
        results = await asyncio.gather(
            *(register(store, tenant, f"r{i}") for i in range(4)), return_exceptions=True
        )
        waited = time.monotonic() - started
        assert all(isinstance(r, Unavailable) for r in results), results
        assert 0.35 < waited < 1.0, waited  # one timeout, not four in a row
        other.execute("ROLLBACK")
        await register(store, tenant, "after")
        assert committed_rows(tmp_path) == 1
        other.close()
        await store.close()

    asyncio.run(go())


def test_a_writer_that_goes_away_while_waiting_for_the_lock_leaves_no_transaction(
    tmp_path: Path,
) -> None:
    async def go() -> None:
        store, tenant = await open_store(tmp_path)
        other = hold_write_lock(tmp_path)
        waiting = asyncio.create_task(register(store, tenant, "gone"))
        await asyncio.sleep(0.2)
        waiting.cancel()
        other.execute("ROLLBACK")
        other.close()
        await asyncio.sleep(0.2)
        assert not store.db.in_transaction  # the thread's wait let go of the lock it took
        await register(store, tenant, "next")
        assert committed_rows(tmp_path) == 1
        await store.close()

    asyncio.run(go())
