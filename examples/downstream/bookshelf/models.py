"""The example's entities: books, and listings offering a book for sale (tables prefixed
``k_`` to share test databases)."""

from __future__ import annotations

import uuid
from decimal import Decimal

from sqlalchemy import ForeignKey, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from foundation import BaseModel, SoftDeleteMixin, VersionedMixin


class Book(SoftDeleteMixin, VersionedMixin, BaseModel):
    """A book, unique by ISBN."""

    __tablename__ = "k_book"
    __table_args__ = (UniqueConstraint("isbn"),)

    isbn: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200))


class Listing(VersionedMixin, BaseModel):
    """A book offered for sale by a seller, at a price."""

    __tablename__ = "k_listing"

    book_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("k_book.id"), index=True)
    seller: Mapped[str] = mapped_column(String(100))
    price: Mapped[Decimal] = mapped_column(Numeric(10, 2))
