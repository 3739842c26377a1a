"""Model mixins, each usable alone: UUIDv7 key, timestamps, soft delete, audit, versioning."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import ColumnElement, Integer, String
from sqlalchemy.engine.default import DefaultExecutionContext
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from foundation.context import current_actor
from foundation.models.base import Base
from foundation.models.types import utcnow, uuid7


class UUIDPrimaryKeyMixin:
    """``id``: a UUIDv7 primary key, time-ordered, generated in Python."""

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid7, sort_order=-10)


def _created_at_of(row: Mapping[str, Any]) -> datetime:
    """A new row's ``updated_at`` equals its ``created_at`` (one clock reading per row)."""
    created = row.get("created_at")
    return created if isinstance(created, datetime) else utcnow()


def _same_as_created(context: DefaultExecutionContext | None) -> datetime:
    """``_created_at_of`` as a column default, over the statement's current row."""
    if context is None:  # called outside a statement (e.g. by an in-memory fake)
        return utcnow()
    return _created_at_of(context.get_current_parameters())  # type: ignore[no-untyped-call]


ROW_DEFAULTS: dict[Callable[..., Any], Callable[[Mapping[str, Any]], Any]] = {
    _same_as_created: _created_at_of
}
"""Column defaults that read the statement context, and the same computed from the row's
values: repositories fill defaults in Python before a bulk insert (see ``read_traits``)."""


class TimestampMixin:
    """``created_at`` and ``updated_at`` in UTC; ``updated_at`` moves on every update,
    including bulk ``UPDATE`` statements (a column ``onupdate``)."""

    created_at: Mapped[datetime] = mapped_column(default=utcnow, sort_order=100)
    updated_at: Mapped[datetime] = mapped_column(
        default=_same_as_created, onupdate=utcnow, sort_order=101
    )


class SoftDeleteMixin:
    """``deleted_at``: set instead of deleting the row; repositories hide such rows, and so
    do ORM loads (``foundation.models.loading``) unless run with ``include_deleted=True``."""

    __soft_delete__: ClassVar[bool] = True
    deleted_at: Mapped[datetime | None] = mapped_column(default=None, index=True, sort_order=102)

    @property
    def is_deleted(self) -> bool:
        """Whether the row is soft-deleted."""
        return self.deleted_at is not None

    @classmethod
    def not_deleted(cls) -> ColumnElement[bool]:
        """SQL criterion selecting rows that are not soft-deleted."""
        return cls.deleted_at.is_(None)

    @classmethod
    def only_deleted(cls) -> ColumnElement[bool]:
        """SQL criterion selecting soft-deleted rows (an ORM select needs the execution
        option ``include_deleted=True`` to see them)."""
        return cls.deleted_at.is_not(None)


class AuditMixin:
    """``created_by`` and ``updated_by``, filled from :func:`foundation.context.current_actor`."""

    created_by: Mapped[str | None] = mapped_column(
        String(255), default=current_actor, sort_order=103
    )
    updated_by: Mapped[str | None] = mapped_column(
        String(255), default=current_actor, onupdate=current_actor, sort_order=104
    )


class VersionedMixin:
    """``version``: optimistic locking; an update carrying a stale version fails."""

    __versioned__: ClassVar[bool] = True
    version: Mapped[int] = mapped_column(Integer, default=1, nullable=False, sort_order=105)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:  # noqa: N805
        return {"version_id_col": cls.__table__.c.version}  # type: ignore[attr-defined]


class BaseModel(UUIDPrimaryKeyMixin, TimestampMixin, Base):
    """Abstract base for entities: ``id`` (UUIDv7), ``created_at`` and ``updated_at``."""

    __abstract__ = True
