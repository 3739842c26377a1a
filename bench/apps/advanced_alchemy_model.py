"""The benchmark resource as an advanced-alchemy user models it: ``UUIDv7AuditBase``.

A module of its own because the benchmark reloads an app module per run (to read
``BENCH_DATABASE_URL``) and a model declared twice on advanced-alchemy's shared registry
fails. The table is the one every variant shares (``bench_items``, created by
``bench.data.Store``): same columns, same rows.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from advanced_alchemy.base import UUIDv7AuditBase
from advanced_alchemy.types import GUID
from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column
from uuid_utils.compat import uuid7  # what advanced-alchemy[uuid] itself uses for v7 keys

from bench.apps.handwritten import TABLE_NAME


class AAItem(UUIDv7AuditBase):
    """An item: UUIDv7 key and ``created_at``/``updated_at`` from the base, the rest ours.

    advanced-alchemy has no soft delete and no version counter: ``deleted_at`` is a plain
    column (the app filters on it), ``version`` is SQLAlchemy's own ``version_id_col`` (the
    same optimistic check the foundation's ``VersionedMixin`` uses).
    """

    __tablename__ = TABLE_NAME

    # The base's GUID stores 16 bytes on SQLite; the shared table holds the 32-character hex
    # that SQLAlchemy's ``Uuid`` writes there, which GUID reads with ``binary=False``.
    # PostgreSQL gets its native UUID either way.
    id: Mapped[uuid.UUID] = mapped_column(
        GUID(binary=False), default=uuid7, primary_key=True, sort_order=-100
    )
    name: Mapped[str] = mapped_column(String(100))
    quantity: Mapped[int] = mapped_column(default=0)
    deleted_at: Mapped[datetime | None] = mapped_column(default=None)
    created_by: Mapped[str | None] = mapped_column(String(255), default=None)
    updated_by: Mapped[str | None] = mapped_column(String(255), default=None)
    version: Mapped[int] = mapped_column(default=1)
    # The base adds a nullable ``sa_orm_sentinel`` column for ordering bulk INSERT ...
    # RETURNING; the shared table has none, and one-row inserts do not need it.
    _sentinel = None  # type: ignore[assignment]

    __mapper_args__: dict[str, Any] = {"version_id_col": version}  # noqa: RUF012
