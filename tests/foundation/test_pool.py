"""Pooled connections go out first come, first served (``foundation.db.pool``), on every
database: a connection given back goes to the oldest waiter, never to a newcomer."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text
from sqlalchemy.util import greenlet_spawn
from sqlalchemy.util import queue as sqla_queue

from foundation import Database, DatabaseSettings
from foundation.db.pool import FairAsyncQueue, FairQueuePool


@pytest.fixture
async def database(db_url: str) -> AsyncIterator[Database]:
    settings = DatabaseSettings(url=db_url, pool_size=1, max_overflow=0, pool_timeout=10)  # type: ignore[arg-type]
    database = Database.from_settings(settings)
    yield database
    await database.dispose()


async def _until(condition: object, what: str) -> None:
    for _ in range(200):
        if callable(condition) and condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"never: {what}")


async def _hold(database: Database, holding: asyncio.Event, release: asyncio.Event) -> None:
    """Hold the pool's only connection until ``release`` is set."""
    async with database.unit() as unit:
        await unit.execute(text("SELECT 1"))
        holding.set()
        await release.wait()


async def test_a_connection_given_back_goes_to_the_oldest_waiter(database: Database) -> None:
    """The holder gives its connection back and asks again at once, before the woken
    waiter has run: it queues behind both waiters instead of taking the connection."""
    assert isinstance(database.engine.sync_engine.pool, FairQueuePool)
    order: list[str] = []
    holding = asyncio.Event()
    release = asyncio.Event()

    async def holder() -> None:
        await _hold(database, holding, release)
        async with database.unit() as unit:  # at once: nothing awaited in between
            await unit.execute(text("SELECT 1"))
            order.append("holder again")

    async def waiter(name: str) -> None:
        async with database.unit() as unit:
            await unit.execute(text("SELECT 1"))
            order.append(name)

    pool = database.engine.sync_engine.pool
    tasks = [asyncio.create_task(holder())]
    await holding.wait()
    for name in ("first", "second"):
        tasks.append(asyncio.create_task(waiter(name)))
        await _until(lambda n=len(tasks) - 1: len(pool._pool._waiters) == n, f"{name} waits")  # type: ignore[attr-defined]
    release.set()
    await asyncio.wait_for(asyncio.gather(*tasks), 10)
    assert order == ["first", "second", "holder again"]
    assert pool.checkedout() == 0  # type: ignore[attr-defined]


async def test_a_waiter_that_gives_up_passes_its_turn_on(database: Database) -> None:
    holding = asyncio.Event()
    release = asyncio.Event()

    async def waiter() -> int:
        async with database.unit() as unit:
            return int(await unit.scalar(text("SELECT 1")))

    pool = database.engine.sync_engine.pool
    held = asyncio.create_task(_hold(database, holding, release))
    await holding.wait()
    gone = asyncio.create_task(waiter())
    await _until(lambda: len(pool._pool._waiters) == 1, "the first waiter waits")  # type: ignore[attr-defined]
    gone.cancel()
    patient = asyncio.create_task(waiter())
    await _until(lambda: len(pool._pool._waiters) == 2, "the second waiter waits")  # type: ignore[attr-defined]
    release.set()
    assert await asyncio.wait_for(patient, 10) == 1
    await held
    with pytest.raises(asyncio.CancelledError):
        await gone
    assert pool.checkedout() == 0  # type: ignore[attr-defined]


async def test_a_connection_handed_to_a_waiter_as_it_gives_up_is_not_lost() -> None:
    """The hand-over and the cancellation in the same turn of the loop: the waiter either
    keeps the connection or puts it back for the next one; it is never dropped."""
    queue: FairAsyncQueue[str] = FairAsyncQueue(maxsize=1)
    waiting = asyncio.create_task(greenlet_spawn(queue.get, True, 10))
    await _until(lambda: len(queue._waiters) == 1, "the waiter waits")
    queue.put_nowait("connection")  # handed to the waiter...
    waiting.cancel()  # ...which gives up before it runs again
    try:  # Python 3.11's wait_for answers the result; later ones raise the cancellation
        taken = await waiting
    except asyncio.CancelledError:
        taken = queue.get_nowait()  # given back: the next waiter's
    assert taken == "connection"
    assert queue.qsize() == 0


async def test_a_waiter_past_the_timeout_finds_the_queue_empty() -> None:
    queue: FairAsyncQueue[str] = FairAsyncQueue(maxsize=1)
    with pytest.raises(sqla_queue.Empty):
        await greenlet_spawn(queue.get, True, 0.05)
    queue.put_nowait("connection")  # the waiter that gave up takes nothing
    assert queue.qsize() == 1


def test_a_waiter_whose_event_loop_is_gone_is_skipped() -> None:
    """An engine outlives an event loop (a test's, a script's): a waiter abandoned there
    never takes the connection; it waits in the queue for the next one."""
    queue: FairAsyncQueue[str] = FairAsyncQueue(maxsize=1)
    old = asyncio.new_event_loop()
    abandoned = old.create_task(greenlet_spawn(queue.get, True, None))
    old.run_until_complete(asyncio.sleep(0.01))
    assert len(queue._waiters) == 1
    old.close()  # the waiter's task never finishes
    queue.put_nowait("connection")
    assert queue.qsize() == 1
    assert not abandoned.done()
