"""A row committed inside a test is gone after it, on every backend."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from foundation import Database
from tests.models import Widget

SKU = "isolation-probe"


async def _count(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        return int(await connection.scalar(select(func.count()).where(Widget.sku == SKU)) or 0)


@pytest.mark.parametrize("round_", [1, 2])
async def test_committed_row_does_not_survive_the_test(database: Database, round_: int) -> None:
    async with database.transaction() as session:
        session.add(Widget(sku=SKU, name="probe"))
    async with database.session() as session:
        assert await session.scalar(select(func.count()).where(Widget.sku == SKU)) == 1
    # round 2 would see round 1's row if the rollback leaked


async def test_other_connections_see_nothing_after_teardown(db_engine: AsyncEngine) -> None:
    assert await _count(db_engine) == 0
