"""Variant 4: FastAPI + advanced-alchemy, written the way its FastAPI documentation shows.

``SQLAlchemyAsyncConfig`` (``commit_mode="autocommit"``, ``expire_on_commit=False``) and the
``AdvancedAlchemy`` extension, a ``SQLAlchemyAsyncRepositoryService`` with its nested
``SQLAlchemyAsyncRepository``, ``alchemy.provide_service`` as the dependency, the
``LimitOffset``/``OrderBy`` filters and ``to_schema`` (docs/usage/frameworks/fastapi.rst,
examples/fastapi/fastapi_service.py). Same HTTP API, table, JSON and pool as ``core.py``.

What advanced-alchemy does not offer, written the way a user of it would:

- soft delete: every read carries a ``NullFilter`` on ``deleted_at``; PATCH and DELETE read
  the live item that way first (``update()`` itself fetches by id alone), and DELETE is an
  ``update()`` of ``deleted_at``. (The repository's base statement, ``provide_service(
  statement=...)``, would filter every read too, but ``update()`` fetches the item twice and
  the second fetch autoflushes the new ``deleted_at`` first: DELETE would answer 404.);
- the version bump: SQLAlchemy's ``version_id_col`` on the model;
- keyset pages: ``get_many`` with a ``ComparisonFilter`` on ``id`` and ``limit + 1`` rows;
- 404: the extension installs no exception handler, so ``NotFoundError`` gets one here.

Two differences from the other variants are advanced-alchemy's own: the session commits in
the dependency's exit, after the response has started (the extension reads the status the
app sent to decide), and the offset page's total is a ``count(*) OVER ()`` column, so a page
past the end reports 0.
"""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

from advanced_alchemy.exceptions import NotFoundError
from advanced_alchemy.extensions.fastapi import (
    AdvancedAlchemy,
    AsyncSessionConfig,
    EngineConfig,
    SQLAlchemyAsyncConfig,
    filters,
    repository,
    service,
)
from fastapi import Depends, FastAPI, HTTPException, Query, Request, Response
from fastapi.responses import JSONResponse

from bench.apps.advanced_alchemy_model import AAItem
from bench.apps.handwritten import (
    MAX_LIMIT,
    ItemCreate,
    ItemCursorPage,
    ItemRead,
    ItemUpdate,
    decode_cursor,
    encode_cursor,
    set_sqlite_pragmas,
)

URL = os.environ.get("BENCH_DATABASE_URL", "sqlite+aiosqlite:///./bench.db")
POOL_SIZE = int(os.environ.get("BENCH_POOL_SIZE", "10"))

alchemy_config = SQLAlchemyAsyncConfig(
    connection_string=URL,
    engine_config=EngineConfig(pool_size=POOL_SIZE, max_overflow=0),
    session_config=AsyncSessionConfig(expire_on_commit=False),
    commit_mode="autocommit",
    # the table exists already: the benchmark creates it for every variant (create_all off)
)
engine = alchemy_config.get_engine()
set_sqlite_pragmas(engine)


app = FastAPI(title="bench: advanced-alchemy")
alchemy = AdvancedAlchemy(config=alchemy_config, app=app)


class ItemService(service.SQLAlchemyAsyncRepositoryService[AAItem]):
    """Items service."""

    class Repo(repository.SQLAlchemyAsyncRepository[AAItem]):
        """Items repository."""

        model_type = AAItem

    repository_type = Repo


LIVE = filters.NullFilter(field_name="deleted_at")  # soft delete, see above
BY_ID = filters.OrderBy(field_name="id", sort_order="asc")
Items = Annotated[ItemService, Depends(alchemy.provide_service(ItemService))]


def provide_limit_offset_pagination(
    limit: int = Query(50, ge=1, le=MAX_LIMIT), offset: int = Query(0, ge=0)
) -> filters.LimitOffset:
    """The page a request asks for (the docs' provider, with the other variants' names)."""
    return filters.LimitOffset(limit=limit, offset=offset)


Page = Annotated[filters.LimitOffset, Depends(provide_limit_offset_pagination)]


@app.exception_handler(NotFoundError)
async def not_found(_request: Request, _exc: NotFoundError) -> JSONResponse:
    """A missing or deleted item: the other variants' 404."""
    return JSONResponse({"detail": "item not found"}, status_code=404)


@app.post("/items", status_code=201, response_model=ItemRead)
async def create_item(items: Items, data: ItemCreate) -> Any:
    """Insert one item."""
    obj = await items.create(data)
    return items.to_schema(obj, schema_type=ItemRead)


@app.get("/items", response_model=service.OffsetPagination[ItemRead])
async def list_items(items: Items, page: Page) -> Any:
    """One page by offset, with the total."""
    results, total = await items.get_many_and_count(page, BY_ID, LIVE)
    return items.to_schema(results, total, filters=[page], schema_type=ItemRead)


@app.get("/items/keyset", response_model=ItemCursorPage)
async def list_items_by_cursor(
    items: Items, limit: int = Query(50, ge=1, le=MAX_LIMIT), after: str | None = None
) -> Any:
    """One page by keyset on ``id`` (advanced-alchemy has offset pages only)."""
    keyset: list[filters.StatementFilter] = [
        filters.LimitOffset(limit=limit + 1, offset=0),
        BY_ID,
        LIVE,
    ]
    if after is not None:
        after_id = decode_cursor(after)
        if after_id is None:
            raise HTTPException(422, "invalid cursor")
        keyset.append(filters.ComparisonFilter(field_name="id", operator="gt", value=after_id))
    rows = await items.get_many(*keyset)
    next_cursor = encode_cursor(rows[limit - 1].id) if len(rows) > limit else None
    return {
        "items": [items.to_schema(row, schema_type=ItemRead) for row in rows[:limit]],
        "limit": limit,
        "next_cursor": next_cursor,
    }


@app.get("/items/{item_id}", response_model=ItemRead)
async def get_item(items: Items, item_id: uuid.UUID) -> Any:
    """One item by id."""
    obj = await items.get_one(LIVE, id=item_id)
    return items.to_schema(obj, schema_type=ItemRead)


@app.patch("/items/{item_id}", response_model=ItemRead)
async def patch_item(items: Items, data: ItemUpdate, item_id: uuid.UUID) -> Any:
    """Change some fields; ``version`` and ``updated_at`` follow from the model."""
    await items.get_one(LIVE, id=item_id)  # 404 unless live
    obj = await items.update(data, item_id=item_id)
    return items.to_schema(obj, schema_type=ItemRead)


@app.delete("/items/{item_id}", status_code=204)
async def delete_item(items: Items, item_id: uuid.UUID) -> Response:
    """Soft-delete one item (an update of ``deleted_at``)."""
    await items.get_one(LIVE, id=item_id)  # 404 unless live
    await items.update({"deleted_at": datetime.now(UTC)}, item_id=item_id)
    return Response(status_code=204)
