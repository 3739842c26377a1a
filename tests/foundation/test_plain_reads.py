"""Plain reads of a read-only unit run without a transaction of their own
(``foundation.db.plain_reads``): fewer round trips, the same answers, and a write in a
read-only unit is still rolled back."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, ClassVar

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine

from foundation import Database, DatabaseSettings
from foundation.db import engine_options, normalize_url, pg_driver, plain_reads
from foundation.repository import OffsetPagination, Op, SQLAlchemyRepository
from tests.foundation.sqlite_trips import trips_of
from tests.models import Widget

TABLE = Widget.__table__


class WidgetRepository(SQLAlchemyRepository[Widget]):
    model = Widget
    filterable: ClassVar[dict[str, Any]] = {"sku": [Op.EQ]}


def _settings(url: str, **overrides: object) -> DatabaseSettings:
    return DatabaseSettings(url=url, **overrides)  # type: ignore[arg-type]


def _count(sku: str) -> Any:
    return select(func.count()).where(TABLE.c.sku == sku)


def _row(sku: str) -> dict[str, Any]:
    return {"id": uuid.uuid4(), "sku": sku, "name": "n"}


async def _settled() -> None:
    await asyncio.sleep(0)


@pytest.fixture
async def database(db_url: str) -> AsyncIterator[Database]:
    database = Database.from_settings(_settings(db_url, pool_size=1, max_overflow=0))
    await database.create_all(Widget.metadata)
    yield database
    async with database.unit() as unit:  # a shared server database: leave nothing
        await unit.execute(TABLE.delete().where(TABLE.c.sku.like("plain-%")))
    await database.dispose()


async def test_a_write_after_plain_reads_in_a_read_only_unit_is_rolled_back(
    database: Database,
) -> None:
    """The first plain read runs alone; the write begins the transaction, the plain read
    after it runs inside and sees the write, and the unit's end undoes it."""
    sku = f"plain-{uuid.uuid4().hex[:12]}"
    async with database.unit(readonly=True) as unit:
        assert await unit.scalar(_count(sku), None, unit.read_options) == 0
        await unit.execute(TABLE.insert(), _row(sku))
        assert await unit.scalar(_count(sku), None, unit.read_options) == 1
    async with database.unit(readonly=True) as unit:
        assert await unit.scalar(_count(sku), None, unit.read_options) == 0
    async with database.unit() as unit:  # a write unit's reads are not marked
        assert unit.read_options == {}
        await unit.execute(TABLE.insert(), _row(sku))
    async with database.unit(readonly=True) as unit:
        assert await WidgetRepository(unit).count({"sku": sku}) == 1


async def _statements_of(connection: AsyncConnection) -> list[str]:
    """From now on, the first words of the statements asyncpg sends without parameters on
    the connection: ``BEGIN``, ``COMMIT`` and ``ROLLBACK`` among them (asyncpg hands the
    logger each one at the event loop's next turn: ``await _settled()`` before looking)."""
    driver = (await connection.get_raw_connection()).driver_connection
    sent: list[str] = []
    driver.add_query_logger(lambda record: sent.append(record.query.split()[0]))
    return sent


async def test_plain_reads_of_a_read_only_unit_send_no_begin_on_postgresql(
    database: Database, db_backend: Any
) -> None:
    if db_backend.dialect != "postgresql":
        pytest.skip("asyncpg's own BEGIN: PostgreSQL only")
    sku = f"plain-{uuid.uuid4().hex[:12]}"
    async with database.engine.connect() as connection:  # the pool's only connection
        sent = await _statements_of(connection)
    async with database.unit() as unit:
        key = (await WidgetRepository(unit).create(_row(sku))).id
    await _settled()
    assert sent == ["BEGIN;", "COMMIT;"]
    sent.clear()
    async with database.unit(readonly=True) as unit:
        repository = WidgetRepository(unit)
        assert (await repository.get(key)).sku == sku
        assert [w.sku for w in (await repository.list({"sku": sku})).items] == [sku]
        assert [w.sku for w in (await repository.list_cursor({"sku": sku})).items] == [sku]
        assert await repository.exists({"sku": sku})
    await _settled()
    assert sent == []  # six statements, each its own round trip, and nothing else
    async with database.unit(readonly=True) as unit:
        await WidgetRepository(unit).get(key, for_update=True)  # a lock needs a transaction
    await _settled()
    assert sent == ["BEGIN;", "ROLLBACK;"]
    sent.clear()
    async with database.unit(readonly=True) as unit:
        await unit.execute(_count(sku))  # a statement of the caller's: not marked
        await WidgetRepository(unit).get(key)  # inside the transaction the first began
    await _settled()
    assert sent == ["BEGIN;", "ROLLBACK;"]


async def test_a_stricter_isolation_level_keeps_the_transaction(
    db_backend: Any, db_url: str
) -> None:
    """Under REPEATABLE READ or SERIALIZABLE a transaction's reads share one snapshot:
    plain reads begin it, whether the engine or the server's default asks for the level."""
    if db_backend.dialect != "postgresql":
        pytest.skip("the isolation levels of PostgreSQL")
    url = normalize_url(db_url)
    serializable = {"server_settings": {"default_transaction_isolation": "serializable"}}
    engines = [
        create_async_engine(url, module=pg_driver.DBAPI, isolation_level="REPEATABLE READ"),
        create_async_engine(url, module=pg_driver.DBAPI, connect_args=serializable),
        create_async_engine(url, module=pg_driver.DBAPI),  # the server's default: alone
    ]
    seen = []
    for engine in engines:
        plain_reads.install(engine.sync_engine.dialect, pg_driver.PlainReadCursor)
        try:
            async with engine.connect() as connection:
                sent = await _statements_of(connection)
                read = await connection.execute(
                    select(1), execution_options=plain_reads.PLAIN_READ_OPTIONS
                )
                assert read.scalar() == 1
            await _settled()
            seen.append([statement for statement in sent if statement != "SELECT"])
        finally:
            await engine.dispose()
    assert seen == [["BEGIN", "ROLLBACK;"], ["BEGIN;", "ROLLBACK;"], []]


@pytest.mark.parametrize(
    ("inline_read_ms", "get_trips", "page_trips"),
    [(0, 1, 2), (5.0, 0, 0)],
    ids=["in-the-thread", "inline"],
)
async def test_a_plain_read_of_a_read_only_unit_is_one_trip_on_sqlite(
    tmp_path: Path, inline_read_ms: float, get_trips: int, page_trips: int
) -> None:
    """Without the transaction the ROLLBACK has nothing to end: no trip of its own; and
    with inline reads (the default) the read itself makes none either."""
    settings = _settings(
        f"sqlite:///{tmp_path / 'reads.db'}",
        pool_size=1,
        max_overflow=0,
        sqlite_inline_read_ms=inline_read_ms,
    )
    database = Database.from_settings(settings)
    try:
        await database.create_all(Widget.metadata)
        async with database.unit() as unit:
            key = (await WidgetRepository(unit).create(_row("plain-a"))).id
        async with database.engine.connect() as connection:  # the pool's only connection
            trips = await trips_of(connection)
        async with database.unit(readonly=True) as unit:
            assert (await WidgetRepository(unit).get(key)).sku == "plain-a"
        assert len(trips) == get_trips, trips
        trips.clear()
        async with database.unit(readonly=True) as unit:
            page = await WidgetRepository(unit).list(page=OffsetPagination(limit=1))
            assert (page.total, [w.sku for w in page.items]) == (1, ["plain-a"])
        assert len(trips) == page_trips, trips  # a full page: the page, then the count
        trips.clear()
        async with database.unit(readonly=True) as unit:
            await unit.execute(_count("plain-a"))  # not marked: BEGIN with it, ROLLBACK
        assert len(trips) == 2, trips
    finally:
        await database.dispose()


def test_behind_pgbouncer_postgresql_keeps_sqlalchemys_driver() -> None:
    """In transaction mode a statement's prepare and execute may reach different server
    connections unless a transaction holds them together."""
    direct = engine_options(_settings("postgresql://u@h/db"), normalize_url("postgresql://u@h/db"))
    assert direct["module"] is pg_driver.DBAPI
    pooled = _settings("postgresql://u@h/db", pgbouncer=True)
    assert "module" not in engine_options(pooled, normalize_url("postgresql://u@h/db"))
