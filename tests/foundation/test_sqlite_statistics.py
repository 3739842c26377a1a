"""SQLite's query-planner statistics: an engine on a SQLite file runs ``PRAGMA optimize`` on
connections given back to the pool, so that pages of a soft-deleting table walk the key's
index instead of reading and sorting the whole table through ``deleted_at``'s."""

from __future__ import annotations

import sqlite3
import uuid
from pathlib import Path

import pytest
from sqlalchemy.dialects import sqlite as sqlite_dialect

from foundation import Database, DatabaseSettings
from foundation.db import engine as engine_module
from foundation.repository import CursorPagination, SQLAlchemyRepository
from tests.models import Widget


class WidgetRepository(SQLAlchemyRepository[Widget]):
    model = Widget


def _page_plan(path: Path, sql: str, parameters: tuple[object, ...]) -> str:
    with sqlite3.connect(path) as connection:  # a new connection: the stored statistics
        plan = connection.execute(f"EXPLAIN QUERY PLAN {sql}", parameters).fetchall()
    return " / ".join(row[-1] for row in plan)


async def test_a_connection_given_back_gathers_the_planners_statistics(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine_module, "SQLITE_OPTIMIZE_SECONDS", 0.0)  # at every checkin
    path = tmp_path / "stats.db"
    database = Database.from_settings(DatabaseSettings(url=f"sqlite:///{path}"))  # type: ignore[arg-type]
    rows = [{"id": uuid.uuid4(), "sku": f"s-{n}", "name": "n"} for n in range(300)]
    try:
        await database.create_all(Widget.metadata)
        async with database.unit() as unit:
            await unit.execute(Widget.__table__.insert(), rows)
        page = CursorPagination(limit=10)
        async with database.unit(readonly=True) as unit:
            first = await WidgetRepository(unit).list_cursor(page=page)
        after = CursorPagination(limit=10, after=first.next_cursor)
        async with database.unit(readonly=True) as unit:
            second = await WidgetRepository(unit).list_cursor(page=after)
        assert [w.id for w in second.items] == sorted(row["id"] for row in rows)[10:20]
    finally:
        await database.dispose()
    with sqlite3.connect(path) as connection:
        stats = connection.execute("SELECT tbl, idx FROM sqlite_stat1").fetchall()
    assert ("t_widget", "ix_t_widget_deleted_at") in stats
    table = Widget.__table__
    keyset = (
        table.select()
        .where(table.c.deleted_at.is_(None), table.c.id > uuid.uuid4())
        .order_by(table.c.id)
        .limit(11)
        .compile(dialect=sqlite_dialect.dialect(), compile_kwargs={"literal_binds": True})
    )
    plan = _page_plan(path, str(keyset), ())
    assert "deleted_at" not in plan, plan  # the key's index, in order: no sort of the table
    assert "TEMP B-TREE" not in plan, plan


async def test_statistics_wait_for_their_period(tmp_path: Path) -> None:
    """A connection's first optimize comes a period after its first checkin, not at once."""
    path = tmp_path / "later.db"
    database = Database.from_settings(DatabaseSettings(url=f"sqlite:///{path}"))  # type: ignore[arg-type]
    try:
        await database.create_all(Widget.metadata)
        async with database.unit(readonly=True) as unit:
            await WidgetRepository(unit).count()
    finally:
        await database.dispose()
    with sqlite3.connect(path) as connection:
        found = connection.execute(
            "SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'"
        ).fetchone()
    assert found == (0,)
