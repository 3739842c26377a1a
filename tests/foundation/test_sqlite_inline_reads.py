"""SQLite plain reads on the event loop's thread (``foundation.db.sqlite_driver``): the same
answers and errors as in aiosqlite's thread, and a read that would stall the loop (a lock
to wait for, a long run) moves to the thread instead."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text

from foundation import Database, DatabaseSettings, NotFoundError
from foundation.db.plain_reads import PLAIN_READ_OPTIONS
from foundation.repository import SQLAlchemyRepository
from tests.foundation.sqlite_trips import trips_of
from tests.models import Widget

TABLE = Widget.__table__


class WidgetRepository(SQLAlchemyRepository[Widget]):
    model = Widget


def _database(path: Path, **overrides: Any) -> Database:
    settings = DatabaseSettings(
        url=f"sqlite:///{path}",
        pool_size=1,
        max_overflow=0,
        **overrides,
    )
    return Database.from_settings(settings)


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[Database]:
    database = _database(tmp_path / "inline.db")
    await database.create_all(Widget.metadata)
    async with database.unit() as unit:
        await WidgetRepository(unit).create({"id": uuid.uuid4(), "sku": "a", "name": "n"})
    yield database
    await database.dispose()


@asynccontextmanager
async def _ticking(interval: float) -> AsyncIterator[list[int]]:
    """While the block runs, a task counts its turns of the event loop (one per
    ``interval`` seconds at most): ``[turns]``."""
    ticks = [0]

    async def tick() -> None:
        while True:
            await asyncio.sleep(interval)
            ticks[0] += 1

    ticker = asyncio.create_task(tick())
    try:
        yield ticks
    finally:
        ticker.cancel()


async def _register(database: Database, name: str, fn: Callable[..., Any], args: int) -> None:
    """A SQL function on the pool's only connection, run by whichever thread runs SQL."""
    async with database.engine.connect() as connection:
        raw = (await connection.get_raw_connection()).driver_connection
        raw._conn.create_function(name, args, fn)  # type: ignore[union-attr]


async def test_a_plain_read_runs_on_the_event_loops_thread(database: Database) -> None:
    threads: list[int] = []
    await _register(database, "thread_id", lambda: threads.append(threading.get_ident()), 0)
    async with database.engine.connect() as connection:
        trips = await trips_of(connection)
    async with database.unit(readonly=True) as unit:
        await unit.execute(select(func.thread_id()), execution_options=PLAIN_READ_OPTIONS)
        assert [w.sku for w in (await WidgetRepository(unit).list()).items] == ["a"]
    assert threads == [threading.get_ident()]
    assert trips == []
    async with database.unit(readonly=True) as unit:  # not marked: in the thread, as ever
        await unit.execute(select(func.thread_id()))
    assert threads[1] != threading.get_ident()
    assert len(trips) == 2  # BEGIN with the statement, ROLLBACK


async def test_inline_reads_let_the_event_loop_turn(database: Database) -> None:
    """Each inline read takes a turn of the loop: a request that never yields made uvloop
    starve other connections (keyset pages under wrk had a p99 of 410-620 ms)."""
    async with _ticking(0) as ticks:
        await asyncio.sleep(0)
        before = ticks[0]
        async with database.unit(readonly=True) as unit:
            count = select(func.count()).select_from(TABLE)
            for _ in range(20):
                await unit.execute(count, None, PLAIN_READ_OPTIONS)
    assert ticks[0] - before >= 20


async def test_a_plain_read_that_fails_fails_as_in_the_thread(database: Database) -> None:
    """An error that is not a wait is the read's own: the same error, no second try."""
    async with database.engine.connect() as connection:
        trips = await trips_of(connection)
    missing = text("SELECT * FROM no_such_table")
    async with database.unit(readonly=True) as unit:
        with pytest.raises(Exception, match="no such table") as inline:
            await unit.execute(missing, execution_options=PLAIN_READ_OPTIONS)
        with pytest.raises(NotFoundError):
            await WidgetRepository(unit).get(uuid.uuid4())
    assert trips == []
    async with database.unit(readonly=True) as unit:
        with pytest.raises(Exception, match="no such table") as threaded:
            await unit.execute(missing)
    assert type(inline.value) is type(threaded.value)


async def test_a_write_after_inline_reads_waits_for_another_writer(
    database: Database, tmp_path: Path
) -> None:
    """Inline reads run with a busy timeout of 0 (a lock to wait for sends them to the
    thread); a write in the thread gets the configured timeout back and waits for another
    writer's lock instead of failing at once, while the event loop goes on serving."""
    async with database.unit(readonly=True) as unit:  # inline: busy timeout 0
        assert len((await WidgetRepository(unit).list()).items) == 1
    holder = sqlite3.connect(tmp_path / "inline.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # the write lock

    def release() -> None:
        holder.execute("COMMIT")

    asyncio.get_running_loop().call_later(0.3, release)
    start = time.monotonic()
    try:
        async with _ticking(0.01) as ticks, database.unit() as unit:
            await WidgetRepository(unit).create({"id": uuid.uuid4(), "sku": "b", "name": "n"})
    finally:
        holder.close()
    assert time.monotonic() - start >= 0.3
    assert ticks[0] >= 10  # the loop ran while the write waited
    async with database.unit(readonly=True) as unit:
        assert sorted(w.sku for w in (await WidgetRepository(unit).list()).items) == ["a", "b"]


async def test_a_plain_read_past_its_budget_runs_again_in_the_thread(tmp_path: Path) -> None:
    """Interrupted on the loop after its budget, run in full in the thread, and sent
    there from the start the next time."""
    database = _database(tmp_path / "slow.db", sqlite_inline_read_ms=0.001)
    rows = 20_000
    calls = 0

    def step(value: int) -> int:
        nonlocal calls
        calls += 1
        return value

    slow = text(
        "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < :rows) "
        "SELECT sum(step(x)) FROM n"
    )
    try:
        await _register(database, "step", step, 1)
        async with database.engine.connect() as connection:
            trips = await trips_of(connection)
        for attempt in ("interrupted, then in the thread", "in the thread"):
            calls = 0
            async with database.unit(readonly=True) as unit:
                total = await unit.scalar(slow, {"rows": rows}, PLAIN_READ_OPTIONS)
            assert total == rows * (rows + 1) // 2, attempt
            assert len(trips) == 1, attempt
            trips.clear()
            if attempt.startswith("interrupted"):
                assert rows < calls < 2 * rows  # part of it on the loop, all of it after
            else:
                assert calls == rows
    finally:
        await database.dispose()


async def test_inline_reads_can_be_turned_off(tmp_path: Path) -> None:
    database = _database(tmp_path / "off.db", sqlite_inline_read_ms=0)
    try:
        await database.create_all(Widget.metadata)
        async with database.unit() as unit:
            await WidgetRepository(unit).create({"id": uuid.uuid4(), "sku": "a", "name": "n"})
        async with database.engine.connect() as connection:
            trips = await trips_of(connection)
        async with database.unit(readonly=True) as unit:
            assert len((await WidgetRepository(unit).list()).items) == 1
        assert len(trips) == 1  # the page (short: its total needs no count)
    finally:
        await database.dispose()
