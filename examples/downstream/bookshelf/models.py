"""The one entity of the example: a book (tables prefixed ``k_`` to share test databases)."""

from __future__ import annotations

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from foundation import BaseModel, SoftDeleteMixin, VersionedMixin


class Book(SoftDeleteMixin, VersionedMixin, BaseModel):
    """A book, unique by ISBN."""

    __tablename__ = "k_book"
    __table_args__ = (UniqueConstraint("isbn"),)

    isbn: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200))
