"""Transient failures are retried with backoff (a real deadlock included); others never."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from sqlalchemy import delete, text, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from foundation import Database, logger
from foundation.db.retry import backoff_delay, retry_transient, run_in_transaction
from foundation.errors import DuplicateError, TransactionConflictError
from tests.foundation.repository.models import Gadget, GadgetRepository


@pytest.fixture
def warnings() -> Iterator[list[str]]:
    """Warning messages logged during the test."""
    messages: list[str] = []
    sink = logger.add(lambda message: messages.append(str(message)), level="WARNING")
    yield messages
    logger.remove(sink)


def test_backoff_grows_exponentially_within_bounds() -> None:
    for attempt in range(1, 8):
        ceiling = min(1.0, 0.1 * 2 ** (attempt - 1))
        for _ in range(20):
            assert ceiling / 2 <= backoff_delay(attempt, 0.1, 1.0) <= ceiling


async def test_a_transient_error_is_retried_until_it_succeeds(warnings: list[str]) -> None:
    calls = 0

    async def flaky() -> str:
        nonlocal calls
        calls += 1
        if calls < 3:
            raise TransactionConflictError()
        return "done"

    assert await retry_transient(flaky, attempts=3, base_delay=0.001) == "done"
    assert calls == 3
    assert len(warnings) == 2
    assert "transaction_conflict" in warnings[0]
    assert "attempt 1 of 3" in warnings[0]


async def test_retries_stop_after_the_last_attempt() -> None:
    calls = 0

    async def always() -> None:
        nonlocal calls
        calls += 1
        raise TransactionConflictError()

    with pytest.raises(TransactionConflictError):
        await retry_transient(always, attempts=2, base_delay=0.001)
    assert calls == 2
    with pytest.raises(ValueError, match="attempts"):
        await retry_transient(always, attempts=0)


async def test_a_non_transient_database_error_is_never_retried(
    database: Database, warnings: list[str]
) -> None:
    calls = 0

    async def insert_twice(session: AsyncSession) -> None:
        nonlocal calls
        calls += 1
        await GadgetRepository(session).create_many(
            [{"sku": "same", "name": "a"}, {"sku": "same", "name": "b"}]
        )

    with pytest.raises(DuplicateError):
        await run_in_transaction(database, insert_twice, base_delay=0.001)
    assert calls == 1
    assert warnings == []


async def test_inside_an_outer_unit_of_work_the_work_runs_once(database: Database) -> None:
    calls = 0

    async def conflict(session: AsyncSession) -> None:
        nonlocal calls
        calls += 1
        raise TransactionConflictError()

    async with database.transaction():
        with pytest.raises(TransactionConflictError):
            await run_in_transaction(database, conflict, base_delay=0.001)
    assert calls == 1


@pytest.fixture
async def two_rows(db_engine: AsyncEngine) -> AsyncIterator[tuple[Database, list[Any]]]:
    """Two committed gadgets on a database outside the test transaction; removed after."""
    database = Database(db_engine)
    async with database.transaction() as session:
        rows = await GadgetRepository(session).create_many(
            [{"sku": "retry-a", "name": "a"}, {"sku": "retry-b", "name": "b"}]
        )
    try:
        yield database, [row.id for row in rows]
    finally:
        async with database.transaction() as session:
            await session.execute(delete(Gadget).where(Gadget.sku.like("retry-%")))


async def test_a_real_deadlock_is_retried_and_then_succeeds(
    two_rows: tuple[Database, list[Any]], warnings: list[str]
) -> None:
    database, (first_id, second_id) = two_rows
    if database.dialect == "sqlite":
        pytest.skip("SQLite has one writer at a time: transactions cannot deadlock")
    both_hold_a_lock = asyncio.Barrier(2)
    attempts: list[str] = []

    def worker(name: str, first: Any, second: Any) -> Any:
        async def unit(session: AsyncSession) -> None:
            attempts.append(name)
            if database.dialect == "postgresql":  # detect the deadlock sooner than 1 s
                await session.execute(text("SET LOCAL deadlock_timeout = '100ms'"))
            await session.execute(
                update(Gadget).where(Gadget.id == first).values(quantity=Gadget.quantity + 1)
            )
            if attempts.count(name) == 1:
                await both_hold_a_lock.wait()
            await session.execute(
                update(Gadget).where(Gadget.id == second).values(quantity=Gadget.quantity + 1)
            )

        unit.__qualname__ = f"deadlock-{name}"
        return run_in_transaction(database, unit, attempts=3, base_delay=0.01)

    await asyncio.gather(worker("one", first_id, second_id), worker("two", second_id, first_id))
    assert len(attempts) == 3  # exactly one victim, retried once
    assert len(warnings) == 1
    assert "transaction_conflict" in warnings[0]
    async with database.session() as session:
        quantities = [(await GadgetRepository(session).get(i)).quantity for i in two_rows[1]]
    assert quantities == [2, 2]  # both units of work fully applied, once each
