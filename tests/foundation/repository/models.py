"""Models and repositories for the repository tests (tables prefixed ``r_``)."""

from __future__ import annotations

import enum
import uuid
from collections.abc import Collection, Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import ClassVar

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Enum,
    ForeignKey,
    Numeric,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from foundation import AuditMixin, BaseModel, SoftDeleteMixin, VersionedMixin
from foundation.repository import (
    ALL_OPS,
    EQUALITY_OPS,
    ORDERING_OPS,
    Op,
    SQLAlchemyRepository,
)


class Gadget(AuditMixin, SoftDeleteMixin, VersionedMixin, BaseModel):
    """Every mixin: soft delete, versioning, audit and timestamps."""

    __tablename__ = "r_gadget"
    __table_args__ = (
        UniqueConstraint("sku"),
        CheckConstraint("quantity >= 0", name="quantity_non_negative"),
    )

    sku: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(100))
    quantity: Mapped[int] = mapped_column(default=0)
    category: Mapped[str | None] = mapped_column(String(40), default=None)
    active: Mapped[bool] = mapped_column(default=True)
    launched_at: Mapped[datetime | None] = mapped_column(default=None)


class Part(BaseModel):
    """A plain model (hard delete only) referring to a gadget."""

    __tablename__ = "r_part"

    gadget_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("r_gadget.id"))
    label: Mapped[str] = mapped_column(String(100))


class Color(enum.Enum):
    """Values of an enum column."""

    RED = "red"
    GREEN = "green"


class Specimen(BaseModel):
    """A NOT NULL column of every type a sort key (and so a cursor) can have."""

    __tablename__ = "r_specimen"

    count: Mapped[int] = mapped_column(default=0)
    big: Mapped[int] = mapped_column(BigInteger, default=0)
    label: Mapped[str] = mapped_column(String(50), default="")
    at: Mapped[datetime] = mapped_column(default=datetime(2026, 1, 1, tzinfo=UTC))
    day: Mapped[date] = mapped_column(default=date(2026, 1, 1))
    price: Mapped[Decimal] = mapped_column(Numeric(10, 2), default=Decimal(0))
    ratio: Mapped[float] = mapped_column(default=0.0)
    color: Mapped[Color] = mapped_column(
        Enum(Color, native_enum=False, length=16), default=Color.RED
    )


class SpecimenRepository(SQLAlchemyRepository[Specimen]):
    """Sortable on every column."""

    model = Specimen
    sortable = ("count", "big", "label", "at", "day", "price", "ratio", "color")


class GadgetRepository(SQLAlchemyRepository[Gadget]):
    """Allows every operator on text, comparisons on numbers."""

    model = Gadget
    filterable: ClassVar[Mapping[str, Collection[Op]]] = {
        "id": EQUALITY_OPS,
        "sku": ALL_OPS,
        "name": ALL_OPS,
        "category": ALL_OPS,
        "quantity": EQUALITY_OPS | ORDERING_OPS,
        "active": EQUALITY_OPS,
        "launched_at": EQUALITY_OPS | ORDERING_OPS,
        "created_at": ORDERING_OPS,
    }
    sortable = ("name", "sku", "quantity", "active", "created_at")
    searchable = ("name", "sku")
    max_limit = 20


class PartRepository(SQLAlchemyRepository[Part]):
    """A repository with the minimal allow-lists."""

    model = Part
    filterable: ClassVar[Mapping[str, Collection[Op]]] = {
        "label": ALL_OPS,
        "gadget_id": EQUALITY_OPS,
    }
    sortable = ("label",)
