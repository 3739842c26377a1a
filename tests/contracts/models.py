"""Models for the contract suites' own tests (tables prefixed ``k_``)."""

from __future__ import annotations

import uuid

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from foundation import AuditMixin, BaseModel, SoftDeleteMixin, VersionedMixin


class Gadget(AuditMixin, SoftDeleteMixin, VersionedMixin, BaseModel):
    """Every mixin: the richest repository the contract can hold to account."""

    __tablename__ = "k_gadget"
    __table_args__ = (UniqueConstraint("code"),)

    code: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[int] = mapped_column(default=0)


class Note(BaseModel):
    """No mixins beyond the key and timestamps; a foreign key to ``Gadget``."""

    __tablename__ = "k_note"

    gadget_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("k_gadget.id"))
    body: Mapped[str] = mapped_column(String(200))
