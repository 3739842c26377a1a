"""Mixins behave on every backend: UUIDv7 keys, UTC timestamps, soft delete, audit, versions."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, text, update

from foundation import ConcurrencyError, Database, acting_as, translate_db_errors, uuid7
from foundation.models import INCLUDE_DELETED
from tests.models import Widget


def test_uuid7_is_version_7_and_time_ordered() -> None:
    keys = [uuid7() for _ in range(200)]
    assert all(key.version == 7 for key in keys)
    assert keys == sorted(keys)
    assert type(keys[0]) is uuid.UUID


async def test_keys_are_uuid7_and_creation_order_sorts(database: Database) -> None:
    async with database.transaction() as session:
        widgets = [Widget(sku=f"k{i}", name="w") for i in range(5)]
        for widget in widgets:
            session.add(widget)
            await session.flush()
    async with database.session() as session:
        ids = list(await session.scalars(select(Widget.id).order_by(Widget.id)))
    assert ids == [w.id for w in widgets]
    assert all(key.version == 7 for key in ids)


async def test_timestamps_are_aware_utc_and_updated_at_moves(database: Database) -> None:
    async with database.transaction() as session:
        widget = Widget(sku="ts", name="before")
        session.add(widget)
    created, first_update = widget.created_at, widget.updated_at
    assert created.tzinfo is not None
    assert created.utcoffset() == timedelta(0)
    await asyncio.sleep(0.01)
    async with database.transaction() as session:
        loaded = await session.get_one(Widget, widget.id)
        loaded.name = "after"
    async with database.session() as session:
        fresh = await session.get_one(Widget, widget.id)
        assert fresh.created_at == created
        assert fresh.updated_at > first_update
        assert fresh.updated_at.tzinfo is not None


async def test_bulk_update_moves_updated_at(database: Database) -> None:
    async with database.transaction() as session:
        session.add_all([Widget(sku=f"b{i}", name="x") for i in range(3)])
    async with database.session() as session:
        before = max(await session.scalars(select(Widget.updated_at)))
    await asyncio.sleep(0.01)
    async with database.transaction() as session:
        await session.execute(update(Widget).values(name="y"))
    async with database.session() as session:
        stamps = list(await session.scalars(select(Widget.updated_at)))
    assert len(stamps) == 3
    assert all(stamp > before for stamp in stamps)


async def test_naive_datetimes_are_refused(database: Database) -> None:
    with pytest.raises(Exception, match="naive datetimes"):
        async with database.transaction() as session:
            session.add(Widget(sku="naive", name="n", deleted_at=datetime(2026, 1, 1)))


async def test_aware_non_utc_datetimes_are_stored_as_utc(database: Database) -> None:
    paris = datetime(2026, 6, 1, 12, 0, tzinfo=UTC).astimezone(ZoneInfo("Europe/Paris"))
    async with database.transaction() as session:
        widget = Widget(sku="tz", name="n", deleted_at=paris)
        session.add(widget)
    async with database.session() as session:
        stored = await session.scalar(
            select(Widget.deleted_at).where(Widget.id == widget.id),
            execution_options={INCLUDE_DELETED: True},  # the ORM hides deleted rows otherwise
        )
    assert stored == datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
    assert stored is not None
    assert stored.utcoffset() == timedelta(0)
    assert stored.tzinfo is UTC  # the same object on every backend and driver


async def test_sqlite_text_is_read_as_aware_utc_with_or_without_an_offset(
    database: Database,
) -> None:
    """SQLite keeps datetimes as text: what the foundation writes (UTC wall time, no
    offset) and text another tool wrote with an offset both come back as aware UTC."""
    if database.engine.dialect.name != "sqlite":
        pytest.skip("only SQLite stores datetimes as text")
    async with database.transaction() as session:
        mine, theirs = Widget(sku="mine", name="n"), Widget(sku="theirs", name="n")
        session.add_all([mine, theirs])
    async with database.transaction() as session:
        await session.execute(
            text(f"UPDATE {Widget.__tablename__} SET deleted_at = :at WHERE id = :id"),
            [
                {"at": "2026-06-01 12:00:00.250000", "id": mine.id.hex},
                {"at": "2026-06-01T14:00:00+02:00", "id": theirs.id.hex},
            ],
        )
    async with database.session() as session:
        stored = (
            await session.scalars(
                select(Widget.deleted_at).order_by(Widget.sku),
                execution_options={INCLUDE_DELETED: True},
            )
        ).all()
    assert stored == [
        datetime(2026, 6, 1, 12, 0, 0, 250000, tzinfo=UTC),
        datetime(2026, 6, 1, 12, 0, tzinfo=UTC),
    ]
    assert all(value is not None and value.tzinfo is UTC for value in stored)


async def test_soft_delete_helpers_select_rows(database: Database) -> None:
    async with database.transaction() as session:
        alive = Widget(sku="alive", name="a")
        gone = Widget(sku="gone", name="g", deleted_at=datetime.now(UTC))
        session.add_all([alive, gone])
    async with database.session() as session:
        visible = list(await session.scalars(select(Widget.sku).where(Widget.not_deleted())))
        deleted = list(
            await session.scalars(
                select(Widget.sku).where(Widget.only_deleted()),
                execution_options={INCLUDE_DELETED: True},
            )
        )
    assert visible == ["alive"]
    assert deleted == ["gone"]
    assert gone.is_deleted
    assert not alive.is_deleted


async def test_audit_columns_follow_the_current_actor(database: Database) -> None:
    with acting_as("alice"):
        async with database.transaction() as session:
            widget = Widget(sku="audit", name="a")
            session.add(widget)
    assert (widget.created_by, widget.updated_by) == ("alice", "alice")
    with acting_as("bob"):
        async with database.transaction() as session:
            await session.execute(update(Widget).where(Widget.id == widget.id).values(name="b"))
    async with database.session() as session:
        row = (
            await session.execute(
                select(Widget.created_by, Widget.updated_by).where(Widget.id == widget.id)
            )
        ).one()
    assert tuple(row) == ("alice", "bob")


async def test_version_increments_and_a_stale_update_fails(database: Database) -> None:
    async with database.transaction() as session:
        widget = Widget(sku="ver", name="v1")
        session.add(widget)
    assert widget.version == 1
    async with database.session() as first, database.session() as second:
        mine = await first.get_one(Widget, widget.id)
        theirs = await second.get_one(Widget, widget.id)
        theirs.name = "theirs"
        await second.commit()
        assert theirs.version == 2
        mine.name = "mine"
        with pytest.raises(ConcurrencyError), translate_db_errors():
            await first.flush()


async def test_a_new_row_was_updated_when_it_was_created(database: Database) -> None:
    async with database.transaction() as session:
        single = Widget(sku="one", name="n")
        session.add(single)
        await session.flush()
        await session.execute(
            Widget.__table__.insert(),
            [{"id": uuid7(), "sku": f"bulk{i}", "name": "b"} for i in range(3)],
        )
    async with database.session() as session:
        rows = (await session.execute(select(Widget.created_at, Widget.updated_at))).all()
    assert len(rows) == 4
    assert all(created == updated for created, updated in rows)
