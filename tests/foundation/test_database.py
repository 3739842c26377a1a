"""Engine options per dialect and the unit of work: commit, rollback, nested savepoints."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, func, select, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.pool import QueuePool, StaticPool

from foundation import (
    Database,
    DatabaseSettings,
    DatabaseUnavailableError,
    DuplicateError,
    create_engine,
    normalize_url,
)
from foundation.db import engine as engine_module
from foundation.db import engine_options
from tests.foundation.sqlite_trips import trips_of
from tests.models import Widget


def _settings(url: str, **overrides: object) -> DatabaseSettings:
    return DatabaseSettings(url=url, **overrides)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("sqlite:///x.db", "sqlite+aiosqlite:///x.db"),
        ("postgresql://u@h/db", "postgresql+asyncpg://u@h/db"),
        ("postgresql+asyncpg://u@h/db", "postgresql+asyncpg://u@h/db"),
        ("mysql://u@h/db", "mysql+aiomysql://u@h/db?charset=utf8mb4"),
        ("mariadb://u@h/db", "mysql+aiomysql://u@h/db?charset=utf8mb4"),
        ("mysql+aiomysql://u@h/db?charset=latin1", "mysql+aiomysql://u@h/db?charset=latin1"),
    ],
)
def test_urls_get_the_async_driver_and_utf8mb4(given: str, expected: str) -> None:
    assert normalize_url(given).render_as_string(hide_password=False) == expected


def test_pool_options_apply_only_where_the_dialect_pools() -> None:
    settings = _settings("sqlite://", pool_size=7)
    memory = engine_options(settings, normalize_url("sqlite+aiosqlite://"))
    assert memory["poolclass"] is StaticPool
    assert "pool_size" not in memory
    pg = engine_options(settings, normalize_url("postgresql://u@h/db"))
    assert (pg["pool_size"], pg["max_overflow"], pg["pool_timeout"]) == (7, 10, 30.0)
    assert pg["connect_args"]["server_settings"]["statement_timeout"] == "30000"
    maria = engine_options(settings, normalize_url("mysql://u@h/db"))
    assert maria["connect_args"]["init_command"] == "SET SESSION max_statement_time=30"
    no_timeout = engine_options(
        _settings("postgresql://u@h/db", statement_timeout_ms=0),
        normalize_url("postgresql://u@h/db"),
    )
    assert "statement_timeout" not in no_timeout["connect_args"]["server_settings"]


async def test_engine_applies_session_options(db_url: str) -> None:
    engine = create_engine(_settings(db_url, statement_timeout_ms=12_000))
    try:
        async with engine.connect() as connection:
            backend = engine.dialect.name
            if backend == "sqlite":
                assert await connection.scalar(text("PRAGMA foreign_keys")) == 1
                assert await connection.scalar(text("PRAGMA journal_mode")) == "wal"
                assert await connection.scalar(text("PRAGMA busy_timeout")) == 5000
            elif backend == "postgresql":
                assert await connection.scalar(text("SHOW statement_timeout")) == "12s"
                assert isinstance(engine.pool, QueuePool)
            else:
                timeout = await connection.scalar(text("SELECT @@SESSION.max_statement_time"))
                assert float(timeout) == 12.0
                charset = await connection.scalar(text("SELECT @@character_set_client"))
                assert charset == "utf8mb4"
    finally:
        await engine.dispose()


async def _count(database: Database) -> int:
    async with database.session() as session:
        return int(await session.scalar(select(func.count()).select_from(Widget)) or 0)


async def test_transaction_commits_on_success(database: Database) -> None:
    async with database.transaction() as session:
        session.add(Widget(sku="a", name="a"))
    assert await _count(database) == 1


async def test_transaction_rolls_back_on_any_exception(database: Database) -> None:
    with pytest.raises(RuntimeError):
        async with database.transaction() as session:
            session.add(Widget(sku="a", name="a"))
            await session.flush()
            raise RuntimeError("boom")
    assert await _count(database) == 0


async def test_nested_transaction_rolls_back_only_the_inner_savepoint(database: Database) -> None:
    async with database.transaction() as outer:
        outer.add(Widget(sku="outer", name="o"))
        with pytest.raises(DuplicateError):
            async with database.transaction() as inner:
                assert inner is outer
                inner.add(Widget(sku="outer", name="duplicate"))
        async with database.transaction() as inner:
            inner.add(Widget(sku="inner", name="i"))
    async with database.session() as session:
        skus = sorted(await session.scalars(select(Widget.sku)))
    assert skus == ["inner", "outer"]


async def test_commit_time_constraint_errors_are_translated(database: Database) -> None:
    async with database.transaction() as session:
        session.add(Widget(sku="dup", name="1"))
    with pytest.raises(DuplicateError) as caught:
        async with database.transaction() as session:
            session.add(Widget(sku="dup", name="2"))
    assert "INSERT" not in caught.value.message
    assert await _count(database) == 1


async def test_ping_reports_latency_and_pool(database: Database) -> None:
    assert await database.ping() >= 0
    assert database.dialect in ("sqlite", "postgresql", "mysql")


async def test_ping_on_an_unreachable_server_is_unavailable() -> None:
    database = Database.from_settings(_settings("postgresql://nobody@127.0.0.1:1/none"))
    try:
        with pytest.raises(DatabaseUnavailableError):
            await database.ping(timeout=3)
    finally:
        await database.dispose()


async def test_pool_status_counts_connections(db_url: str) -> None:
    database = Database.from_settings(_settings(db_url, pool_size=2))
    try:
        await database.ping()
        status = database.pool_status()
        if make_url(db_url).get_backend_name() == "sqlite" and not status:
            pytest.fail("file SQLite should use a counting QueuePool")
        assert status["size"] == 2
        assert status["checked_out"] == 0
        assert status["checked_in"] >= 1
    finally:
        await database.dispose()


async def test_memory_sqlite_shares_one_database() -> None:
    database = Database.from_settings(_settings("sqlite://"))
    try:
        await database.create_all(Widget.metadata)
        async with database.transaction() as session:
            session.add(Widget(sku="m", name="m"))
        assert await _count(database) == 1
        assert database.pool_status() == {}
    finally:
        await database.dispose()


async def test_a_task_started_inside_a_unit_of_work_gets_its_own(database: Database) -> None:
    import asyncio

    async with database.transaction() as outer:
        seen: list[object] = []

        async def child() -> None:
            seen.append(database.current_session())

        await asyncio.create_task(child())
        assert database.current_session() is outer
    assert seen == [None]


async def test_joining_without_a_savepoint_shares_the_outer_fate(database: Database) -> None:
    with pytest.raises(RuntimeError):
        async with database.transaction() as outer:
            async with database.transaction(savepoint=False) as joined:
                assert joined is outer
                joined.add(Widget(sku="joined", name="j"))
            raise RuntimeError("the outer unit fails after the inner one finished")
    assert await _count(database) == 0


# -- pooled connections that died while idle ---------------------------------------------


async def _backend_id(connection: AsyncConnection) -> int:
    if connection.dialect.name == "postgresql":
        return int(await connection.scalar(text("SELECT pg_backend_pid()")) or 0)
    return int(await connection.scalar(text("SELECT CONNECTION_ID()")) or 0)


async def _kill(admin: AsyncEngine, backend_id: int) -> None:
    async with admin.connect() as connection:
        if admin.dialect.name == "postgresql":
            # the timeout makes the call wait until the backend has exited
            await connection.execute(text(f"SELECT pg_terminate_backend({backend_id}, 5000)"))
        else:
            await connection.execute(text(f"KILL CONNECTION {backend_id}"))


@pytest.fixture
def server_url(db_url: str) -> str:
    if make_url(db_url).get_backend_name() == "sqlite":
        pytest.skip("SQLite has no server connection to lose")
    return db_url


async def test_a_connection_that_died_while_idle_is_replaced_at_checkout(
    server_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine_module, "IDLE_PING_SECONDS", 0.0)  # every checkout pings
    engine = create_engine(_settings(server_url, pool_size=1, max_overflow=0))
    admin = create_engine(_settings(server_url))
    try:
        async with engine.connect() as connection:
            first = await _backend_id(connection)
        await _kill(admin, first)
        async with engine.connect() as connection:
            assert await _backend_id(connection) != first
    finally:
        await engine.dispose()
        await admin.dispose()


async def test_a_connection_lost_in_use_fails_once_then_the_pool_reconnects(
    server_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine_module, "IDLE_PING_SECONDS", 3600.0)  # no ping: steady use
    database = Database.from_settings(_settings(server_url, pool_size=2, max_overflow=0))
    admin = create_engine(_settings(server_url))
    try:
        async with database.transaction() as session:
            first = await _backend_id(await session.connection())
        await _kill(admin, first)
        with pytest.raises(DatabaseUnavailableError):
            async with database.transaction() as session:
                await session.execute(text("SELECT 1"))
        async with database.transaction() as session:
            assert await _backend_id(await session.connection()) != first
    finally:
        await database.dispose()
        await admin.dispose()


def _in_transaction(connection: AsyncConnection) -> bool | None:
    """Whether SQLite's driver holds an open transaction (what BEGIN opens); None elsewhere."""
    driver = connection.sync_connection.connection.driver_connection  # type: ignore[union-attr]
    return getattr(driver, "in_transaction", None)


async def test_reading_borrows_a_pooled_connection_and_runs_only_its_statements(
    empty_db_engine: AsyncEngine,
) -> None:
    """``reading()`` runs only the caller's statements (on SQLite the ``BEGIN`` rides with
    the first, so that what it wrote is rolled back too), and the connection goes back to
    the pool."""
    database = Database(empty_db_engine)
    await database.create_all(Widget.metadata)
    async with database.transaction() as session:
        session.add(Widget(sku="r", name="r"))
    statements: list[str] = []

    def record(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(empty_db_engine.sync_engine, "before_cursor_execute", record)
    try:
        async with database.reading() as connection:
            assert await connection.scalar(select(func.count()).select_from(Widget)) == 1
            reading_in_transaction = _in_transaction(connection)
    finally:
        event.remove(empty_db_engine.sync_engine, "before_cursor_execute", record)
    assert len(statements) == 1
    assert "count" in statements[0].lower()
    async with database.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(Widget)) == 1
        unit_in_transaction = _in_transaction(await session.connection())
    if database.dialect == "sqlite":  # the explicit BEGIN, in both
        assert unit_in_transaction
        assert reading_in_transaction
    assert database.pool_status().get("checked_out", 0) == 0


async def test_reading_on_a_bound_database_sees_the_outer_transaction(database: Database) -> None:
    async with database.transaction() as session:
        session.add(Widget(sku="b", name="b"))
    async with database.reading() as connection:
        assert await connection.scalar(select(func.count()).select_from(Widget)) == 1
    assert await _count(database) == 1  # and leaves the connection usable


async def test_writing_commits_a_clean_block_and_rolls_back_a_failed_one(
    empty_db_engine: AsyncEngine,
) -> None:
    database = Database(empty_db_engine)
    await database.create_all(Widget.metadata)
    insert = Widget.__table__.insert()
    async with database.writing() as connection:
        await connection.execute(insert, {"id": uuid.uuid4(), "sku": "kept", "name": "k"})
    with pytest.raises(DuplicateError):  # translated on its way out of the block
        async with database.writing() as connection:
            await connection.execute(insert, {"id": uuid.uuid4(), "sku": "gone", "name": "g"})
            await connection.execute(insert, {"id": uuid.uuid4(), "sku": "kept", "name": "k"})
    assert await _count(database) == 1
    assert database.pool_status().get("checked_out", 0) == 0


async def test_writing_on_a_bound_database_is_a_savepoint(database: Database) -> None:
    """A failed block undoes only itself: the test's outer transaction goes on."""
    insert = Widget.__table__.insert()
    async with database.writing() as connection:
        await connection.execute(insert, {"id": uuid.uuid4(), "sku": "kept", "name": "k"})
    with pytest.raises(DuplicateError):
        async with database.writing() as connection:
            await connection.execute(insert, {"id": uuid.uuid4(), "sku": "gone", "name": "g"})
            await connection.execute(insert, {"id": uuid.uuid4(), "sku": "kept", "name": "k"})
    assert await _count(database) == 1


async def test_a_sqlite_statement_is_one_trip_to_the_driver_thread(tmp_path: Path) -> None:
    """aiosqlite runs each call in its own thread; SQLAlchemy's cursor makes four calls per
    statement (open, execute, fetch, close), the foundation's one, with the same answers;
    the BEGIN rides with the first statement."""
    database = Database.from_settings(_settings(f"sqlite:///{tmp_path / 'trips.db'}"))
    try:
        await database.create_all(Widget.metadata)
        async with database.engine.connect() as connection:
            trips = await trips_of(connection)
            async with connection.begin():  # BEGIN: no trip of its own
                inserted = await connection.execute(
                    Widget.__table__.insert().returning(Widget.__table__.c.sku),
                    [{"id": uuid.uuid4(), "sku": "a", "name": "n", "quantity": 1}],
                )
                assert inserted.scalars().all() == ["a"]
                changed = await connection.execute(
                    update(Widget.__table__).values(quantity=2).where(Widget.__table__.c.sku == "a")
                )
                assert changed.rowcount == 1
                rows = await connection.execute(
                    select(Widget.__table__.c.sku, Widget.__table__.c.quantity)
                )
                assert rows.all() == [("a", 2)]
            # BEGIN with the INSERT, UPDATE, SELECT, COMMIT
            assert len(trips) == 4, trips
    finally:
        await database.dispose()


async def test_a_sqlite_unit_of_one_statement_is_two_trips(tmp_path: Path) -> None:
    """On SQLite a unit's BEGIN goes to aiosqlite's thread with its first statement: a write
    of one statement is two trips (the statement, COMMIT), a read two (the statement,
    ROLLBACK), and a unit that ran nothing makes none."""
    settings = _settings(f"sqlite:///{tmp_path / 'trips.db'}", pool_size=1, max_overflow=0)
    database = Database.from_settings(settings)
    try:
        await database.create_all(Widget.metadata)
        async with database.engine.connect() as connection:  # the pool's only connection
            trips = await trips_of(connection)
        async with database.unit() as unit:
            await unit.execute(
                Widget.__table__.insert(), {"id": uuid.uuid4(), "sku": "w", "name": "n"}
            )
        assert len(trips) == 2, trips  # BEGIN with the INSERT, COMMIT
        trips.clear()
        async with database.unit(readonly=True) as unit:
            found = await unit.execute(select(Widget.__table__.c.sku))
            assert found.scalars().all() == ["w"]
        assert len(trips) == 2, trips  # BEGIN with the SELECT, ROLLBACK
        trips.clear()
        async with database.unit():
            pass
        assert trips == []
        trips.clear()
        with pytest.raises(RuntimeError):
            async with database.unit() as unit:
                await unit.execute(
                    Widget.__table__.insert(), {"id": uuid.uuid4(), "sku": "x", "name": "n"}
                )
                raise RuntimeError("refused")
        assert len(trips) == 2, trips  # BEGIN with the INSERT, ROLLBACK
        async with database.unit(readonly=True) as unit:
            kept = await unit.execute(select(Widget.__table__.c.sku))
            assert kept.scalars().all() == ["w"]  # the failed unit's row was rolled back
    finally:
        await database.dispose()


async def test_what_a_read_only_unit_wrote_is_rolled_back(db_url: str) -> None:
    """``readonly`` units commit nothing, on every backend (SQLite's too, whose reads once
    ran without a transaction, so that a write in them stayed)."""
    database = Database.from_settings(_settings(db_url))
    sku = f"ro-{uuid.uuid4().hex[:12]}"
    table = Widget.__table__
    try:
        await database.create_all(Widget.metadata)
        async with database.unit(readonly=True) as unit:
            await unit.execute(table.insert(), {"id": uuid.uuid4(), "sku": sku, "name": "n"})
            assert await unit.scalar(select(func.count()).where(table.c.sku == sku)) == 1
        async with database.unit(readonly=True) as unit:
            assert await unit.scalar(select(func.count()).where(table.c.sku == sku)) == 0
    finally:
        async with database.unit() as unit:  # a shared server database: leave nothing
            await unit.execute(table.delete().where(table.c.sku == sku))
        await database.dispose()


async def test_each_one_trip_cursor_keeps_its_own_arraysize(tmp_path: Path) -> None:
    """What a caller sets on one raw cursor stays on it, through its statement, and on no
    other cursor."""
    database = Database.from_settings(_settings(f"sqlite:///{tmp_path / 'cursors.db'}"))

    def use(connection: Any) -> None:
        first, second = connection.connection.cursor(), connection.connection.cursor()
        first.arraysize = 2
        first.execute("SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3")
        assert (first.arraysize, second.arraysize) == (2, 1)
        assert [tuple(row) for row in first.fetchmany()] == [(1,), (2,)]
        assert [tuple(row) for row in first.fetchall()] == [(3,)]

    try:
        async with database.engine.connect() as connection:
            await connection.run_sync(use)
    finally:
        await database.dispose()
