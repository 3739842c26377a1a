"""The benchmark table: created from the foundation model, reset to the same rows per phase."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, insert, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool
from uuid6 import uuid7

from bench.apps.handwritten import items
from bench.apps.model import BenchItem

INSERT_BATCH = 5_000


def new_rows(count: int, *, prefix: str = "item") -> list[dict[str, Any]]:
    """``count`` fresh rows in id order, as every variant would have written them."""
    now = datetime.now(UTC)
    return [
        {
            "id": uuid.UUID(int=uuid7().int),
            "name": f"{prefix}-{index}",
            "quantity": index % 1000,
            "created_at": now,
            "updated_at": now,
            "deleted_at": None,
            "created_by": None,
            "updated_by": None,
            "version": 1,
        }
        for index in range(count)
    ]


class Store:
    """Administers ``bench_items`` on one database, outside the servers' pools."""

    def __init__(self, url: str) -> None:
        self.engine: AsyncEngine = create_async_engine(url, poolclass=NullPool)
        self.dialect = self.engine.dialect.name

    async def recreate(self) -> None:
        """Drop and create the table from the foundation model's definition."""
        table = BenchItem.__table__
        async with self.engine.begin() as conn:
            await conn.run_sync(lambda sync: table.drop(sync, checkfirst=True))  # type: ignore[attr-defined]
            await conn.run_sync(lambda sync: table.create(sync))  # type: ignore[attr-defined]

    async def reset(self, rows: Sequence[dict[str, Any]]) -> None:
        """Cut the table back to exactly ``rows`` (the read phases' data), with fresh stats."""
        async with self.engine.begin() as conn:
            if self.dialect == "postgresql":
                await conn.execute(text(f"TRUNCATE {items.name}"))
            else:
                await conn.execute(delete(items))
        await self.insert(rows)
        await self.maintain()

    async def insert(self, rows: Sequence[dict[str, Any]]) -> None:
        """Insert ``rows`` in batches."""
        async with self.engine.begin() as conn:
            for start in range(0, len(rows), INSERT_BATCH):
                await conn.execute(insert(items), list(rows[start : start + INSERT_BATCH]))

    async def maintain(self) -> None:
        """Refresh planner statistics (and trim SQLite's write-ahead log)."""
        async with self.engine.connect() as conn:
            if self.dialect == "postgresql":
                await conn.execution_options(isolation_level="AUTOCOMMIT")
                await conn.execute(text(f"VACUUM ANALYZE {items.name}"))
            else:
                await conn.execute(text("ANALYZE"))
                await conn.commit()
                await conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))

    async def dispose(self) -> None:
        """Close the engine."""
        await self.engine.dispose()
