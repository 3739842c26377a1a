"""The benchmark resource as a downstream user models it with the foundation."""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from foundation import AuditMixin, BaseModel, SoftDeleteMixin, VersionedMixin


class BenchItem(AuditMixin, SoftDeleteMixin, VersionedMixin, BaseModel):
    """An item with every mixin: UUIDv7 key, timestamps, audit, soft delete, version."""

    __tablename__ = "bench_items"

    name: Mapped[str] = mapped_column(String(100))
    quantity: Mapped[int] = mapped_column(default=0)


class BenchDeepItem(AuditMixin, SoftDeleteMixin, VersionedMixin, BaseModel):
    """The same shape in its own table, filled with a million rows for the depth benchmark."""

    __tablename__ = "bench_deep_items"

    name: Mapped[str] = mapped_column(String(100))
    quantity: Mapped[int] = mapped_column(default=0)
