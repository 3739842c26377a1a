"""Variant 3: hand-written FastAPI + raw asyncpg SQL (PostgreSQL only): the ceiling.

Same HTTP API and semantics as the other variants, with no ORM or SQL toolkit in between.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import asyncpg
from fastapi import FastAPI, HTTPException, Query, Request, Response
from uuid6 import uuid7

from bench.apps.handwritten import (
    MAX_LIMIT,
    TABLE_NAME,
    ItemCreate,
    ItemCursorPage,
    ItemPage,
    ItemRead,
    ItemUpdate,
    decode_cursor,
    encode_cursor,
)

URL = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/bench")
POOL_SIZE = int(os.environ.get("BENCH_POOL_SIZE", "10"))
COLS = "id, name, quantity, version, created_at, updated_at"
LIVE = "deleted_at IS NULL"


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Open the connection pool for the life of the app."""
    dsn = URL.replace("postgresql+asyncpg://", "postgresql://")
    async with asyncpg.create_pool(dsn, min_size=POOL_SIZE, max_size=POOL_SIZE) as pool:
        app.state.pool = pool
        yield


app = FastAPI(title="bench: raw asyncpg", lifespan=lifespan)


def pool(request: Request) -> asyncpg.Pool:
    """The app's pool."""
    return request.app.state.pool


@app.post("/items", status_code=201, response_model=ItemRead)
async def create_item(body: ItemCreate, request: Request) -> Any:
    """Insert one item."""
    now = datetime.now(UTC)
    row = await pool(request).fetchrow(
        f"INSERT INTO {TABLE_NAME} (id, name, quantity, created_at, updated_at, version)"
        f" VALUES ($1, $2, $3, $4, $4, 1) RETURNING {COLS}",
        uuid.UUID(int=uuid7().int),
        body.name,
        body.quantity,
        now,
    )
    return dict(row)


@app.get("/items", response_model=ItemPage)
async def list_items(
    request: Request, limit: int = Query(50, ge=1, le=MAX_LIMIT), offset: int = Query(0, ge=0)
) -> Any:
    """One page by offset, with the total."""
    async with pool(request).acquire() as conn:
        rows = await conn.fetch(
            f"SELECT {COLS} FROM {TABLE_NAME} WHERE {LIVE} ORDER BY id LIMIT $1 OFFSET $2",
            limit,
            offset,
        )
        total = await conn.fetchval(f"SELECT count(*) FROM {TABLE_NAME} WHERE {LIVE}")
    return {"items": [dict(row) for row in rows], "total": total, "limit": limit, "offset": offset}


@app.get("/items/keyset", response_model=ItemCursorPage)
async def list_items_by_cursor(
    request: Request, limit: int = Query(50, ge=1, le=MAX_LIMIT), after: str | None = None
) -> Any:
    """One page by keyset on ``id``."""
    if after is None:
        rows = await pool(request).fetch(
            f"SELECT {COLS} FROM {TABLE_NAME} WHERE {LIVE} ORDER BY id LIMIT $1", limit + 1
        )
    else:
        after_id = decode_cursor(after)
        if after_id is None:
            raise HTTPException(422, "invalid cursor")
        rows = await pool(request).fetch(
            f"SELECT {COLS} FROM {TABLE_NAME} WHERE {LIVE} AND id > $2 ORDER BY id LIMIT $1",
            limit + 1,
            after_id,
        )
    next_cursor = encode_cursor(rows[limit - 1]["id"]) if len(rows) > limit else None
    return {
        "items": [dict(row) for row in rows[:limit]],
        "limit": limit,
        "next_cursor": next_cursor,
    }


@app.get("/items/{item_id}", response_model=ItemRead)
async def get_item(item_id: uuid.UUID, request: Request) -> Any:
    """One item by id."""
    row = await pool(request).fetchrow(
        f"SELECT {COLS} FROM {TABLE_NAME} WHERE id = $1 AND {LIVE}", item_id
    )
    if row is None:
        raise HTTPException(404, "item not found")
    return dict(row)


@app.patch("/items/{item_id}", response_model=ItemRead)
async def patch_item(item_id: uuid.UUID, body: ItemUpdate, request: Request) -> Any:
    """Change some fields; bumps ``version`` and ``updated_at``."""
    changes = body.model_dump(exclude_unset=True)
    # column names come from the schema's fields, never from the client
    sets = [f"{name} = ${index}" for index, name in enumerate(changes, start=3)]
    row = await pool(request).fetchrow(
        f"UPDATE {TABLE_NAME} SET {', '.join([*sets, 'updated_at = $2', 'version = version + 1'])}"
        f" WHERE id = $1 AND {LIVE} RETURNING {COLS}",
        item_id,
        datetime.now(UTC),
        *changes.values(),
    )
    if row is None:
        raise HTTPException(404, "item not found")
    return dict(row)


@app.delete("/items/{item_id}", status_code=204)
async def delete_item(item_id: uuid.UUID, request: Request) -> Response:
    """Soft-delete one item."""
    status = await pool(request).execute(
        f"UPDATE {TABLE_NAME} SET deleted_at = $2, updated_at = $2, version = version + 1"
        f" WHERE id = $1 AND {LIVE}",
        item_id,
        datetime.now(UTC),
    )
    if status == "UPDATE 0":
        raise HTTPException(404, "item not found")
    return Response(status_code=204)
