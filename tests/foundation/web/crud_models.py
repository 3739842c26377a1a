"""A small resource for the CRUD builder tests (tables prefixed ``e_``)."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, ClassVar

from pydantic import Field
from sqlalchemy import Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from foundation import AuditMixin, BaseModel, SoftDeleteMixin, VersionedMixin
from foundation.repository import ALL_OPS, EQUALITY_OPS, ORDERING_OPS, Op, SQLAlchemyRepository
from foundation.schemas import BaseSchema, DecimalString, NonBlankStr, ReadSchema
from foundation.service import BaseService


class EGadget(AuditMixin, SoftDeleteMixin, VersionedMixin, BaseModel):
    """Soft-deletable, versioned, audited."""

    __tablename__ = "e_gadget"

    name: Mapped[str] = mapped_column(String(50), unique=True)
    size: Mapped[int] = mapped_column(default=1)
    active: Mapped[bool] = mapped_column(default=True)


class ELabel(BaseModel):
    """Plain: deleted for good, no version."""

    __tablename__ = "e_label"

    text: Mapped[str] = mapped_column(String(50))


class GadgetRepository(SQLAlchemyRepository[EGadget]):
    model = EGadget
    filterable: ClassVar[Mapping[str, Collection[Op]]] = {
        "name": ALL_OPS - {Op.IS_NULL},
        "size": EQUALITY_OPS | ORDERING_OPS,
        "active": {Op.EQ},
    }
    sortable = ("name", "size")
    searchable = ("name",)
    default_sort = "name"
    max_limit = 20


class LabelRepository(SQLAlchemyRepository[ELabel]):
    model = ELabel


class GadgetIn(BaseSchema):
    name: Annotated[NonBlankStr, Field(max_length=50)]
    size: Annotated[int, Field(ge=0, le=1000)] = 1
    active: bool = True


class GadgetPatch(BaseSchema):
    name: Annotated[NonBlankStr, Field(max_length=50)] | None = None
    size: Annotated[int, Field(ge=0, le=1000)] | None = None
    version: int | None = None


class GadgetRead(ReadSchema):
    id: uuid.UUID
    name: str
    size: int
    active: bool
    version: int
    created_at: datetime
    created_by: str | None
    updated_by: str | None


class LabelIn(BaseSchema):
    text: NonBlankStr


class LabelRead(ReadSchema):
    id: uuid.UUID
    text: str


class GadgetService(BaseService[EGadget, Any, Any, GadgetRead]):
    repository_type = GadgetRepository
    read_schema = GadgetRead


class LabelService(BaseService[ELabel, LabelIn, LabelIn, LabelRead]):
    repository_type = LabelRepository
    read_schema = LabelRead


class EPrice(BaseModel):
    """A ``Numeric(10, 2)`` column filtered through query parameters."""

    __tablename__ = "e_price"

    amount: Mapped[Decimal] = mapped_column(Numeric(10, 2))


class PriceRepository(SQLAlchemyRepository[EPrice]):
    model = EPrice
    filterable: ClassVar[Mapping[str, Collection[Op]]] = {"amount": EQUALITY_OPS | ORDERING_OPS}


class PriceIn(BaseSchema):
    amount: Annotated[Decimal, DecimalString(10, 2)]


class PriceRead(ReadSchema):
    id: uuid.UUID
    amount: Annotated[Decimal, DecimalString(10, 2)]


class PriceService(BaseService[EPrice, PriceIn, PriceIn, PriceRead]):
    repository_type = PriceRepository
    read_schema = PriceRead
