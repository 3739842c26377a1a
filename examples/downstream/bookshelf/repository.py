"""Data access for books."""

from __future__ import annotations

from typing import Any, ClassVar

from bookshelf.models import Book
from foundation.repository import ALL_OPS, SQLAlchemyRepository


class BookRepository(SQLAlchemyRepository[Book]):
    """Books: filter and sort by title, search titles."""

    model = Book
    filterable: ClassVar[dict[str, Any]] = {"title": ALL_OPS, "isbn": ALL_OPS}
    sortable = ("title",)
    searchable = ("title",)
