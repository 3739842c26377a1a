"""Models used by the foundation's own tests (tables prefixed ``t_``)."""

from __future__ import annotations

import uuid

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from foundation import AuditMixin, BaseModel, SoftDeleteMixin, VersionedMixin


class Widget(AuditMixin, SoftDeleteMixin, VersionedMixin, BaseModel):
    """A model with every mixin."""

    __tablename__ = "t_widget"
    __table_args__ = (
        UniqueConstraint("sku"),
        CheckConstraint("quantity >= 0", name="quantity_non_negative"),
    )

    sku: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[int] = mapped_column(default=0)


class Part(BaseModel):
    """A plain model with a foreign key to ``Widget``."""

    __tablename__ = "t_part"

    widget_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("t_widget.id"))
    label: Mapped[str] = mapped_column(String(100))
