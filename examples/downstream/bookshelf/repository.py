"""Data access for books and listings."""

from __future__ import annotations

from typing import Any, ClassVar

from bookshelf.models import Book, Listing
from foundation.repository import ALL_OPS, SQLAlchemyRepository


class BookRepository(SQLAlchemyRepository[Book]):
    """Books: filter and sort by title, search titles."""

    model = Book
    filterable: ClassVar[dict[str, Any]] = {"title": ALL_OPS, "isbn": ALL_OPS}
    sortable = ("title",)
    searchable = ("title",)


class ListingRepository(SQLAlchemyRepository[Listing]):
    """Listings: filter by seller, sort by seller or price."""

    model = Listing
    filterable: ClassVar[dict[str, Any]] = {"seller": ALL_OPS}
    sortable = ("seller", "price")
