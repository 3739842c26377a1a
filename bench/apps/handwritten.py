"""What the hand-written variants share: the table, the schemas and the cursor format.

Nothing here imports the foundation: these are the baselines a team would write by hand.
The table mirrors the foundation model column for column (``bench.apps.model``), so every
variant reads and writes the same rows.
"""

from __future__ import annotations

import base64
import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, Uuid, event
from sqlalchemy.ext.asyncio import AsyncEngine

TABLE_NAME = "bench_items"
MAX_LIMIT = 100

metadata = MetaData()
items = Table(
    TABLE_NAME,
    metadata,
    Column("id", Uuid(), primary_key=True),
    Column("name", String(100), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("deleted_at", DateTime(timezone=True), nullable=True),
    Column("created_by", String(255), nullable=True),
    Column("updated_by", String(255), nullable=True),
    Column("version", Integer, nullable=False),
)
READ_COLUMNS = ("id", "name", "quantity", "version", "created_at", "updated_at")


class ItemCreate(BaseModel):
    """Request body of ``POST /items``."""

    model_config = ConfigDict(extra="forbid", strict=True)

    name: str = Field(min_length=1, max_length=100)
    quantity: int = Field(0, ge=0)


class ItemUpdate(BaseModel):
    """Request body of ``PATCH /items/{id}``: any subset of the fields."""

    model_config = ConfigDict(extra="forbid", strict=True)

    name: str | None = Field(None, min_length=1, max_length=100)
    quantity: int | None = Field(None, ge=0)


class ItemRead(BaseModel):
    """One item in a response."""

    id: uuid.UUID
    name: str
    quantity: int
    version: int
    created_at: datetime
    updated_at: datetime


class ItemPage(BaseModel):
    """A page by offset, with the exact total."""

    items: list[ItemRead]
    total: int | None
    limit: int
    offset: int


class ItemCursorPage(BaseModel):
    """A page by keyset (``id`` order)."""

    items: list[ItemRead]
    limit: int
    next_cursor: str | None = None
    previous_cursor: str | None = None


def encode_cursor(item_id: uuid.UUID) -> str:
    """The opaque cursor after ``item_id``."""
    return base64.urlsafe_b64encode(item_id.bytes).rstrip(b"=").decode("ascii")


def decode_cursor(cursor: str) -> uuid.UUID | None:
    """The id inside ``cursor``, or ``None`` if it is malformed."""
    try:
        return uuid.UUID(bytes=base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except ValueError:
        return None


def set_sqlite_pragmas(engine: AsyncEngine) -> None:
    """On SQLite, the durability and locking settings the foundation applies to its files."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine.sync_engine, "connect")
    def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
