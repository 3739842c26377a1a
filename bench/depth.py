"""Depth benchmark: page time by offset depth, offset against cursor, with and without the
exact total, on a million-row PostgreSQL table through the repository; and ``create_many``
against a hand-written Core bulk insert."""

from __future__ import annotations

import statistics
import time
import uuid
from collections.abc import Awaitable, Callable, Collection, Mapping
from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import func, insert, select, text
from sqlalchemy.ext.asyncio import create_async_engine

from bench.apps.handwritten import items
from bench.apps.model import BenchDeepItem, BenchItem
from foundation import Database
from foundation.repository import (
    ORDERING_OPS,
    CursorPagination,
    OffsetPagination,
    Op,
    SQLAlchemyRepository,
    TotalStrategy,
    where,
)

DEPTHS = (0, 10_000, 100_000, 1_000_000)
EXTRA_ROWS = 1_000  # past the deepest page, so it is a full page
PAGE = 50
REPEATS = 7
BULK_ROWS = 10_000
BULK_REPEATS = 3

# UUIDv7-shaped keys made in SQL: 48 bits of milliseconds (one per row, so they ascend),
# version 7, variant 10, random tail; a million rows load in seconds.
_FILL = """
INSERT INTO bench_deep_items (id, name, quantity, created_at, updated_at, version)
SELECT (lpad(to_hex(base.ms + g), 12, '0') || '7' || substr(h, 1, 3) || '8'
        || substr(h, 4, 15))::uuid,
       'deep-' || g, g % 1000, base.ts, base.ts, 1
FROM generate_series(1, :rows) AS g,
     LATERAL (SELECT md5(g::text) AS h) AS hash,
     (SELECT (extract(epoch FROM now()) * 1000)::bigint - :rows AS ms, now() AS ts) AS base
"""


class DeepRepository(SQLAlchemyRepository[BenchDeepItem]):
    """The repository under test; ``id`` filterable only to find a cursor's anchor."""

    model = BenchDeepItem
    filterable: ClassVar[Mapping[str, Collection[Op]]] = {"id": ORDERING_OPS}


class BulkRepository(SQLAlchemyRepository[BenchItem]):
    """Repository for the bulk insert comparison."""

    model = BenchItem


async def median_ms(action: Callable[[], Awaitable[Any]], repeats: int = REPEATS) -> float:
    """Median wall time of ``action`` in milliseconds, after one unmeasured call."""
    await action()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        await action()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


async def fill(database: Database, rows: int, log: Any) -> None:
    """Create and fill the deep table unless it already holds exactly ``rows`` live rows."""
    table = BenchDeepItem.__table__
    async with database.engine.connect() as conn:
        exists = await conn.run_sync(lambda sync: sync.dialect.has_table(sync, table.name))
        if exists:
            count = await conn.scalar(select(func.count()).select_from(table))
            if count == rows:
                log(f"  depth table already holds {rows:,} rows")
                return
    log(f"  filling the depth table with {rows:,} rows")
    async with database.engine.begin() as conn:
        await conn.run_sync(lambda sync: table.drop(sync, checkfirst=True))  # type: ignore[attr-defined]
        await conn.run_sync(lambda sync: table.create(sync))  # type: ignore[attr-defined]
        await conn.execute(text(_FILL), {"rows": rows})
    async with database.engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text(f"VACUUM ANALYZE {table.name}"))


async def cursor_at(database: Database, depth: int) -> str | None:
    """The repository's cursor continuing after ``depth`` rows (``None`` for the first page)."""
    if depth == 0:
        return None
    async with database.transaction() as session:
        anchor = await session.scalar(
            select(BenchDeepItem.id).order_by(BenchDeepItem.id).offset(depth - 1).limit(1)
        )
        page = await DeepRepository(session).list_cursor(
            where("id", "ge", anchor), page=CursorPagination(limit=1)
        )
    return page.next_cursor


async def pages(database: Database, log: Any) -> list[dict[str, Any]]:
    """Median page time per depth for each way of paging."""
    results = []
    for depth in DEPTHS:
        cursor = await cursor_at(database, depth)

        def listing(page: OffsetPagination | CursorPagination) -> Callable[[], Awaitable[Any]]:
            async def run() -> Any:
                async with database.transaction() as session:
                    repository = DeepRepository(session)
                    if isinstance(page, CursorPagination):
                        result: Any = await repository.list_cursor(page=page)
                    else:
                        result = await repository.list(page=page)
                assert len(result.items) == PAGE
                return result

            return run

        row = {
            "depth": depth,
            "offset_exact_ms": await median_ms(
                listing(OffsetPagination(limit=PAGE, offset=depth, total=TotalStrategy.EXACT))
            ),
            "offset_none_ms": await median_ms(
                listing(OffsetPagination(limit=PAGE, offset=depth, total=TotalStrategy.NONE))
            ),
            "cursor_ms": await median_ms(listing(CursorPagination(limit=PAGE, after=cursor))),
        }
        log(
            f"  depth {depth:>9,}: offset+total {row['offset_exact_ms']:8.2f} ms, "
            f"offset {row['offset_none_ms']:8.2f} ms, cursor {row['cursor_ms']:6.2f} ms"
        )
        results.append(row)
    return results


def bulk_rows(count: int) -> list[dict[str, Any]]:
    """Rows as a caller hands them to ``create_many``."""
    return [{"name": f"bulk-{index}", "quantity": index % 1000} for index in range(count)]


async def bulk(url: str, log: Any) -> dict[str, Any]:
    """``create_many`` (entities, in a unit of work) and ``create_values`` (the ids, on
    ``database.writing()``, as the service's bare path) of ``BULK_ROWS`` rows against a
    hand-written Core bulk insert returning the ids."""
    from uuid6 import uuid7

    database = Database.from_settings(url)
    engine = create_async_engine(url)
    table = BenchItem.__table__
    try:
        async with database.engine.begin() as conn:
            await conn.run_sync(lambda sync: table.drop(sync, checkfirst=True))  # type: ignore[attr-defined]
            await conn.run_sync(lambda sync: table.create(sync))  # type: ignore[attr-defined]

        async def with_repository() -> None:
            async with database.transaction() as session:
                created = await BulkRepository(session).create_many(bulk_rows(BULK_ROWS))
            assert len(created) == BULK_ROWS

        async def values_only() -> None:
            # the same answer as the hand-written insert: the new ids, no entities
            async with database.writing() as connection:
                created = await BulkRepository(connection).create_values(
                    bulk_rows(BULK_ROWS), ["id"]
                )
            assert len(created) == BULK_ROWS

        async def by_hand() -> None:
            now = datetime.now(UTC)
            rows = [
                {
                    **row,
                    "id": uuid.UUID(int=uuid7().int),
                    "created_at": now,
                    "updated_at": now,
                    "version": 1,
                }
                for row in bulk_rows(BULK_ROWS)
            ]
            async with engine.begin() as conn:
                created = (await conn.execute(insert(items).returning(items.c.id), rows)).all()
            assert len(created) == BULK_ROWS

        # interleave, so that table growth and caches affect both alike
        repo_times, values_times, core_times = [], [], []
        for _ in range(BULK_REPEATS):
            repo_times.append(await median_ms(with_repository, repeats=1))
            values_times.append(await median_ms(values_only, repeats=1))
            core_times.append(await median_ms(by_hand, repeats=1))
        result = {
            "rows": BULK_ROWS,
            "create_many_ms": statistics.median(repo_times),
            "create_values_ms": statistics.median(values_times),
            "core_ms": statistics.median(core_times),
        }
        result["ratio"] = result["create_many_ms"] / result["core_ms"]
        result["values_ratio"] = result["create_values_ms"] / result["core_ms"]
        log(
            f"  create_many {result['create_many_ms']:.0f} ms (entities), create_values "
            f"{result['create_values_ms']:.0f} ms (ids) vs Core {result['core_ms']:.0f} ms "
            f"({result['ratio']:.2f}x, {result['values_ratio']:.2f}x)"
        )
        async with database.engine.begin() as conn:
            await conn.run_sync(lambda sync: table.drop(sync, checkfirst=True))  # type: ignore[attr-defined]
        return result
    finally:
        await engine.dispose()
        await database.dispose()


async def run_depth(databases: dict[str, str], log: Any) -> dict[str, Any]:
    """Depth pages on PostgreSQL, bulk inserts on every database."""
    out: dict[str, Any] = {}
    if "postgresql" in databases:
        log("Depth benchmark on postgresql")
        database = Database.from_settings(databases["postgresql"])
        try:
            await fill(database, DEPTHS[-1] + EXTRA_ROWS, log)
            out["pages"] = await pages(database, log)
        finally:
            await database.dispose()
    out["bulk"] = {}
    for dialect, url in databases.items():
        log(f"Bulk insert on {dialect}")
        out["bulk"][dialect] = await bulk(url, log)
    return out
