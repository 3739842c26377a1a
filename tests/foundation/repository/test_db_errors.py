"""Every database error class, raised by a real constraint or a real concurrent transaction."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import delete, text
from sqlalchemy.ext.asyncio import AsyncEngine

from foundation import Database
from foundation.errors import (
    ConcurrencyError,
    DatabaseError,
    DuplicateError,
    ForeignKeyError,
    IntegrityViolationError,
    TransactionConflictError,
)
from tests.foundation.repository.models import Gadget, GadgetRepository, Part, PartRepository


async def test_unique_violation_is_a_duplicate_naming_constraint_and_fields(
    database: Database,
) -> None:
    async with database.transaction() as session:
        await GadgetRepository(session).create({"sku": "dup", "name": "One"})
    with pytest.raises(DuplicateError) as info:
        async with database.transaction() as session:
            await GadgetRepository(session).create({"sku": "dup", "name": "Two"})
    problem = info.value.to_problem()
    assert (problem["status"], problem["code"]) == (409, "duplicate")
    assert problem["constraint"] == "uq_r_gadget_sku"
    assert problem["fields"] == ["sku"]


async def test_duplicates_inside_one_create_many_fail_as_a_whole(database: Database) -> None:
    with pytest.raises(DuplicateError):
        async with database.transaction() as session:
            await GadgetRepository(session).create_many(
                [{"sku": "twice", "name": "a"}, {"sku": "twice", "name": "b"}]
            )
    async with database.session() as session:
        assert await GadgetRepository(session).count({"sku": "twice"}) == 0


async def test_missing_parent_is_a_foreign_key_error(database: Database) -> None:
    with pytest.raises(ForeignKeyError) as info:
        async with database.transaction() as session:
            await PartRepository(session).create({"gadget_id": uuid.uuid4(), "label": "orphan"})
    assert info.value.status == 409
    assert info.value.details.get("constraint", "fk_r_part_gadget_id_r_gadget") == (
        "fk_r_part_gadget_id_r_gadget"
    )


async def test_deleting_a_referenced_row_is_a_foreign_key_error(database: Database) -> None:
    async with database.transaction() as session:
        gadget = await GadgetRepository(session).create({"sku": "parent", "name": "P"})
        await PartRepository(session).create({"gadget_id": gadget.id, "label": "child"})
    with pytest.raises(ForeignKeyError):
        async with database.transaction() as session:
            await GadgetRepository(session).hard_delete(gadget.id)


@pytest.mark.parametrize("changes", [{"quantity": -1}, {"name": None}], ids=["check", "not-null"])
async def test_check_and_not_null_violations_are_integrity_errors(
    database: Database, changes: dict[str, Any]
) -> None:
    async with database.transaction() as session:
        gadget = await GadgetRepository(session).create({"sku": "ck", "name": "C"})
    with pytest.raises(IntegrityViolationError) as info:
        async with database.transaction() as session:
            await GadgetRepository(session).update(gadget.id, changes)
    assert info.value.status == 409


async def _fail_otherwise(database: Database) -> None:
    async with database.transaction() as session:
        if database.dialect == "sqlite":
            # SQLite does not check lengths; a bad savepoint name is "some other failure"
            await session.execute(text("RELEASE SAVEPOINT no_such_savepoint"))
        else:  # longer than the column
            await GadgetRepository(session).create({"sku": "x" * 200, "name": "long"})


async def test_other_database_errors_leak_no_sql_or_driver_text(database: Database) -> None:
    with pytest.raises(DatabaseError) as info:
        await _fail_otherwise(database)
    problem = info.value.to_problem()
    assert problem["status"] == 500
    text_of_problem = str(problem).lower()
    for leak in ("select", "insert", "savepoint", "r_gadget", "xxxxxxxx"):
        assert leak not in text_of_problem


# -- real concurrency: connections outside the per-test transaction -------------------


@pytest.fixture
async def committed(db_engine: AsyncEngine) -> AsyncIterator[Database]:
    """A ``Database`` whose transactions really commit; its rows are removed afterwards."""
    database = Database(db_engine)
    try:
        yield database
    finally:
        async with database.transaction() as session:
            await session.execute(delete(Part).where(Part.label.like("race-%")))
            await session.execute(delete(Gadget).where(Gadget.sku.like("race-%")))


_BLOCKED = {
    "postgresql": "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'",
    "mysql": "SELECT count(*) FROM information_schema.innodb_trx WHERE trx_state = 'LOCK WAIT'",
}


async def wait_until_blocked(database: Database, racer: asyncio.Task[None]) -> None:
    """Return once another transaction waits for a row lock (SQLite: it busy-waits unseen)."""
    query = _BLOCKED.get(database.dialect)
    if query is None:
        await asyncio.sleep(0.2)
        return
    async with database.engine.connect() as connection:
        # InnoDB refreshes its transaction table only when unread for 0.1 s: look slower
        for _ in range(50):
            if await connection.scalar(text(query)):
                return
            if racer.done():
                racer.result()  # raises what ended it early
            await asyncio.sleep(0.15)
            await connection.rollback()  # a fresh snapshot for the next look
    raise AssertionError("the second writer never waited for the first one's lock")


async def test_two_sessions_racing_on_one_version_one_wins(committed: Database) -> None:
    async with committed.transaction() as session:
        gadget = await GadgetRepository(session).create({"sku": "race-1", "name": "v1"})
    other = Database(committed.engine)  # not joined to ``committed``'s open unit of work
    async with committed.transaction() as first:
        await GadgetRepository(first).update(gadget.id, {"name": "first"}, expected_version=1)

        async def second_writer() -> None:
            async with other.transaction() as second:
                await GadgetRepository(second).update(
                    gadget.id, {"name": "second"}, expected_version=1
                )

        racer = asyncio.create_task(second_writer())
        await wait_until_blocked(committed, racer)
    with pytest.raises(ConcurrencyError) as info:
        await racer
    assert info.value.details == {"expected_version": 1, "current_version": 2}
    async with committed.session() as session:
        stored = await GadgetRepository(session).get(gadget.id)
        assert (stored.name, stored.version) == ("first", 2)


# give up waiting for a lock at once (or after MariaDB's minimum of one second)
_SHORT_WAIT = {
    "postgresql": ("SET LOCAL lock_timeout = '50ms'", None),
    "mysql": (
        "SET SESSION innodb_lock_wait_timeout = 1",
        "SET SESSION innodb_lock_wait_timeout = DEFAULT",
    ),
    "sqlite": ("PRAGMA busy_timeout = 0", "PRAGMA busy_timeout = 5000"),
}


async def test_a_lock_wait_timeout_is_a_transient_transaction_conflict(
    committed: Database,
) -> None:
    async with committed.transaction() as session:
        gadget = await GadgetRepository(session).create({"sku": "race-lock", "name": "locked"})
    shorten, restore = _SHORT_WAIT[committed.dialect]
    # another Database: its unit of work is not the open one of ``committed`` in this task
    other = Database(committed.engine)

    async def second_writer() -> None:
        async with other.transaction() as second:
            await second.execute(text(shorten))
            try:
                await GadgetRepository(second).update(gadget.id, {"name": "second"})
            finally:
                if restore:
                    await second.execute(text(restore))

    async with committed.transaction() as first:
        await GadgetRepository(first).update(gadget.id, {"name": "first"})
        with pytest.raises(TransactionConflictError) as info:
            await second_writer()
    assert info.value.transient
    async with committed.session() as session:
        assert (await GadgetRepository(session).get(gadget.id)).name == "first"


async def test_concurrent_upserts_of_one_key_leave_one_row(committed: Database) -> None:
    other = Database(committed.engine)

    async def upsert(database: Database, name: str) -> Any:
        async with database.transaction() as session:
            gadget = await GadgetRepository(session).upsert(
                {"sku": "race-upsert", "name": name}, conflict=["sku"]
            )
            return gadget.id

    async with committed.transaction() as first:
        await GadgetRepository(first).upsert(
            {"sku": "race-upsert", "name": "one"}, conflict=["sku"]
        )
        racer = asyncio.create_task(upsert(other, "two"))
        await wait_until_blocked(committed, racer)
    second_id = await racer
    async with committed.session() as session:
        stored = await GadgetRepository(session).find_one({"sku": "race-upsert"})
    assert (stored.id, stored.name, stored.version) == (second_id, "two", 2)
