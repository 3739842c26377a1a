"""Variant 2: hand-written FastAPI + SQLAlchemy 2 async Core statements on an AsyncConnection.

Same HTTP API, same table and same semantics as the foundation variant (UUIDv7 keys,
timestamps, soft delete, a version counter), written the way a team would without it.
``BENCH_DATABASE_URL`` picks PostgreSQL (asyncpg) or SQLite (aiosqlite).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI, HTTPException, Query, Response
from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import create_async_engine
from uuid6 import uuid7

from bench.apps.handwritten import (
    MAX_LIMIT,
    READ_COLUMNS,
    ItemCreate,
    ItemCursorPage,
    ItemPage,
    ItemRead,
    ItemUpdate,
    decode_cursor,
    encode_cursor,
    items,
    set_sqlite_pragmas,
)

URL = os.environ.get("BENCH_DATABASE_URL", "sqlite+aiosqlite:///./bench.db")
POOL_SIZE = int(os.environ.get("BENCH_POOL_SIZE", "10"))

engine = create_async_engine(URL, pool_size=POOL_SIZE, max_overflow=0)
set_sqlite_pragmas(engine)


COLUMNS = [items.c[name] for name in READ_COLUMNS]
LIVE = items.c.deleted_at.is_(None)


@asynccontextmanager
async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
    """Dispose of the pool at shutdown."""
    yield
    await engine.dispose()


app = FastAPI(title="bench: SQLAlchemy Core", lifespan=lifespan)


@app.post("/items", status_code=201, response_model=ItemRead)
async def create_item(body: ItemCreate) -> Any:
    """Insert one item."""
    now = datetime.now(UTC)
    values = {
        "id": uuid.UUID(int=uuid7().int),
        "name": body.name,
        "quantity": body.quantity,
        "created_at": now,
        "updated_at": now,
        "deleted_at": None,
        "created_by": None,
        "updated_by": None,
        "version": 1,
    }
    async with engine.begin() as conn:
        row = (await conn.execute(insert(items).values(values).returning(*COLUMNS))).one()
    return row._mapping


@app.get("/items", response_model=ItemPage)
async def list_items(
    limit: int = Query(50, ge=1, le=MAX_LIMIT), offset: int = Query(0, ge=0)
) -> Any:
    """One page by offset, with the total."""
    async with engine.connect() as conn:
        rows = (
            await conn.execute(
                select(*COLUMNS).where(LIVE).order_by(items.c.id).limit(limit).offset(offset)
            )
        ).all()
        total = (await conn.execute(select(func.count()).select_from(items).where(LIVE))).scalar()
    return {
        "items": [row._mapping for row in rows],
        "total": total,
        "limit": limit,
        "offset": offset,
    }


@app.get("/items/keyset", response_model=ItemCursorPage)
async def list_items_by_cursor(
    limit: int = Query(50, ge=1, le=MAX_LIMIT), after: str | None = None
) -> Any:
    """One page by keyset on ``id``."""
    stmt = select(*COLUMNS).where(LIVE).order_by(items.c.id).limit(limit + 1)
    if after is not None:
        after_id = decode_cursor(after)
        if after_id is None:
            raise HTTPException(422, "invalid cursor")
        stmt = stmt.where(items.c.id > after_id)
    async with engine.connect() as conn:
        rows = (await conn.execute(stmt)).all()
    next_cursor = encode_cursor(rows[limit - 1].id) if len(rows) > limit else None
    return {
        "items": [row._mapping for row in rows[:limit]],
        "limit": limit,
        "next_cursor": next_cursor,
    }


@app.get("/items/{item_id}", response_model=ItemRead)
async def get_item(item_id: uuid.UUID) -> Any:
    """One item by id."""
    async with engine.connect() as conn:
        row = (
            await conn.execute(select(*COLUMNS).where(items.c.id == item_id, LIVE))
        ).one_or_none()
    if row is None:
        raise HTTPException(404, "item not found")
    return row._mapping


@app.patch("/items/{item_id}", response_model=ItemRead)
async def patch_item(item_id: uuid.UUID, body: ItemUpdate) -> Any:
    """Change some fields; bumps ``version`` and ``updated_at``."""
    changes = body.model_dump(exclude_unset=True)
    stmt = (
        update(items)
        .where(items.c.id == item_id, LIVE)
        .values(**changes, updated_at=datetime.now(UTC), version=items.c.version + 1)
        .returning(*COLUMNS)
    )
    async with engine.begin() as conn:
        row = (await conn.execute(stmt)).one_or_none()
    if row is None:
        raise HTTPException(404, "item not found")
    return row._mapping


@app.delete("/items/{item_id}", status_code=204)
async def delete_item(item_id: uuid.UUID) -> Response:
    """Soft-delete one item."""
    now = datetime.now(UTC)
    stmt = (
        update(items)
        .where(items.c.id == item_id, LIVE)
        .values(deleted_at=now, updated_at=now, version=items.c.version + 1)
    )
    async with engine.begin() as conn:
        result = await conn.execute(stmt)
    if result.rowcount == 0:
        raise HTTPException(404, "item not found")
    return Response(status_code=204)
