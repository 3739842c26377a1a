"""Where a foundation request spends its time below the web layer: one read by id, timed
layer by layer (``python -m bench.layers``).

Each step adds one piece of what the foundation does, so the differences price them:
Core on a connection; the ORM in a plain ``AsyncSession``; the same in the foundation's
unit of work (``Database.transaction()``, pre-ping on: it pings only connections idle for
``IDLE_PING_SECONDS``); and ``SQLAlchemyRepository.get``.
CPU time of this process per call (``time.process_time``), median of interleaved rounds.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from bench.apps.foundation import ItemRead, ItemRepository, ItemService
from bench.apps.handwritten import READ_COLUMNS, items
from bench.apps.model import BenchItem
from bench.data import Store, new_rows
from foundation import Database
from foundation.config import DatabaseSettings

CALLS = 300
ROUNDS = 5


async def main(url: str) -> dict[str, float]:
    """Median CPU microseconds per call for each layer."""
    store = Store(url)
    await store.recreate()
    seed = new_rows(2_000)
    await store.reset(seed)
    ids = [row["id"] for row in seed]
    engine = create_async_engine(url, pool_size=5, max_overflow=0)
    plain = async_sessionmaker(engine, expire_on_commit=False)
    database = Database.from_settings(DatabaseSettings(url=url, pool_size=5, max_overflow=0))  # type: ignore[arg-type]
    no_ping = Database.from_settings(
        DatabaseSettings(url=url, pool_size=5, max_overflow=0, pool_pre_ping=False)  # type: ignore[arg-type]
    )
    columns = [items.c[name] for name in READ_COLUMNS]
    live = BenchItem.deleted_at.is_(None)

    async def core(item_id: Any) -> Any:
        async with engine.connect() as conn:
            row = (
                await conn.execute(
                    select(*columns).where(items.c.id == item_id, items.c.deleted_at.is_(None))
                )
            ).one()
        return dict(row._mapping)

    async def orm_session(item_id: Any) -> Any:
        async with plain() as session:
            return (
                await session.scalars(select(BenchItem).where(BenchItem.id == item_id, live))
            ).one()

    async def orm_session_commit(item_id: Any) -> Any:
        async with plain() as session, session.begin():
            return (
                await session.scalars(select(BenchItem).where(BenchItem.id == item_id, live))
            ).one()

    async def orm_populate_existing(item_id: Any) -> Any:
        async with plain() as session, session.begin():
            stmt = select(BenchItem).where(BenchItem.id == item_id, live)
            return (await session.scalars(stmt.execution_options(populate_existing=True))).one()

    async def unit_of_work_no_ping(item_id: Any) -> Any:
        async with no_ping.transaction() as session:
            stmt = select(BenchItem).where(BenchItem.id == item_id, live)
            return (await session.scalars(stmt.execution_options(populate_existing=True))).one()

    async def unit_of_work(item_id: Any) -> Any:
        async with database.transaction() as session:
            stmt = select(BenchItem).where(BenchItem.id == item_id, live)
            return (await session.scalars(stmt.execution_options(populate_existing=True))).one()

    async def repository(item_id: Any) -> Any:
        async with database.transaction() as session:
            return await ItemRepository(session).get(item_id)

    async def repository_and_schema(item_id: Any) -> Any:
        async with database.transaction() as session:
            entity = await ItemRepository(session).get(item_id)
        return ItemRead.model_validate(entity).model_dump_json()

    service = ItemService(database)

    async def service_alone(item_id: Any) -> Any:
        return await service.get(item_id)

    async def service_in_request(item_id: Any) -> Any:
        async with database.transaction():  # what SessionDep opens around every route
            return await service.get(item_id)

    steps: dict[str, Callable[[Any], Awaitable[Any]]] = {
        "1 Core, connection": core,
        "2 ORM select, plain AsyncSession": orm_session,
        "3 + begin/commit": orm_session_commit,
        "4 + populate_existing": orm_populate_existing,
        "5 Database.transaction(), no pre-ping": unit_of_work_no_ping,
        "6 + pool_pre_ping (the default: only after idling)": unit_of_work,
        "7 SQLAlchemyRepository.get": repository,
        "8 + ReadSchema to JSON": repository_and_schema,
        "9 BaseService.get (its own unit of work)": service_alone,
        "10 BaseService.get inside SessionDep's unit of work (SAVEPOINT)": service_in_request,
    }
    samples: dict[str, list[float]] = {name: [] for name in steps}
    rng = random.Random(3)
    for _ in range(ROUNDS):
        for name, step in rng.sample(list(steps.items()), len(steps)):
            chosen = rng.sample(ids, CALLS + 20)
            for item_id in chosen[:20]:
                await step(item_id)
            start = time.process_time()
            for item_id in chosen[20:]:
                await step(item_id)
            samples[name].append(1e6 * (time.process_time() - start) / CALLS)
    await engine.dispose()
    await database.dispose()
    await no_ping.dispose()
    await store.dispose()
    return {name: statistics.median(samples[name]) for name in steps}


if __name__ == "__main__":
    target = (
        sys.argv[1] if len(sys.argv) > 1 else "postgresql+asyncpg://postgres@127.0.0.1:5432/bench"
    )
    for name, micros in asyncio.run(main(target)).items():
        print(f"{micros:8.0f} us CPU  {name}")
