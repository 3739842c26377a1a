"""The row methods answer named tuples: ``row.name``, indexing and ``_asdict()`` as
documented, with the values and order of SQLAlchemy's rows."""

from __future__ import annotations

import uuid

from sqlalchemy import false, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from foundation.repository import CursorPagination
from foundation.repository.records import records
from tests.foundation.repository.models import GadgetRepository


async def test_row_methods_answer_named_tuples(db_session: AsyncSession) -> None:
    gadgets = GadgetRepository(db_session)
    made = await gadgets.create_values([{"sku": "r-1", "name": "one"}], ["id", "sku"])
    assert type(made[0]).__name__ == "Record"
    assert isinstance(made[0], tuple)
    key = made[0].id
    row = await gadgets.get_values(key, ["name", "sku", "id"])
    assert (row.name, row.sku, row.id) == ("one", "r-1", key)
    assert tuple(row) == ("one", "r-1", key) == (row[0], row[1], row[2])
    assert row._asdict() == {"name": "one", "sku": "r-1", "id": key}
    page = await gadgets.list_cursor_values(["sku"], page=CursorPagination(limit=5))
    assert [(type(r).__name__, r.sku) for r in page.items] == [("Record", "r-1")]


async def test_names_a_named_tuple_cannot_have_keep_sqlalchemys_rows(
    db_session: AsyncSession,
) -> None:
    connection = await db_session.connection()
    odd = select(literal(1).label("_hidden"), literal("x").label("class"))
    rows = records(await connection.execute(odd))
    assert type(rows[0]).__name__ == "Row"
    assert (rows[0]._hidden, getattr(rows[0], "class")) == (1, "x")
    plain = records(await connection.execute(select(literal(uuid.UUID(int=7)).label("id"))))
    assert plain[0].id == uuid.UUID(int=7)
    assert type(plain[0]).__name__ == "Record"
    assert records(await connection.execute(select(literal(1).label("x")).where(false()))) == []
