"""Use cases for books and listings, each with a business rule on create and update."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import Field

from bookshelf.models import Book, Listing
from bookshelf.repository import BookRepository, ListingRepository
from foundation import UnitOfWork, ValidationError
from foundation.schemas import BaseSchema, DecimalString, ReadSchema
from foundation.service import BaseService


class BookCreate(BaseSchema):
    """A new book."""

    isbn: str = Field(min_length=10, max_length=20, pattern=r"^[0-9X-]+$")
    title: str = Field(min_length=1, max_length=200)


class BookUpdate(BaseSchema):
    """Changes to a book."""

    title: str | None = Field(None, min_length=1, max_length=200)


class BookRead(ReadSchema):
    """A book as the API returns it."""

    id: uuid.UUID
    isbn: str
    title: str
    version: int
    created_at: datetime
    updated_at: datetime


class BookService(BaseService[Book, BookCreate, BookUpdate, BookRead]):
    """Books; a title may not shout (all capitals)."""

    repository_type = BookRepository
    read_schema = BookRead

    async def before_create(self, unit: UnitOfWork, values: dict[str, Any]) -> dict[str, Any]:
        check_title(values)
        return values

    async def before_update(
        self, unit: UnitOfWork, id: uuid.UUID, changes: dict[str, Any]
    ) -> dict[str, Any]:
        check_title(changes)
        return changes


def check_title(values: dict[str, Any]) -> None:
    """The business rule, on create and on update: a title may not shout."""
    if (values.get("title") or "").isupper():
        raise ValidationError("Titles must not be all capitals.")


# The schema publishes the rule as well, so that clients and fuzzers send prices the service
# takes: up to 8 digits, then at most two decimals, the second one 0 or 5 (steps of 0.05).
# ``gt=0`` refuses the zero the pattern still admits; ``check_price`` keeps the rule for
# callers that skip the schema.
PRICE_PATTERN = r"^[0-9]{1,8}(\.[0-9][05]?)?$"
Price = Annotated[
    Decimal, DecimalString(10, 2), Field(gt=0, json_schema_extra={"pattern": PRICE_PATTERN})
]
"""A price as a string (``"12.50"``) in steps of 0.05, positive."""


class ListingCreate(BaseSchema):
    """A book offered for sale."""

    book_id: uuid.UUID
    seller: str = Field(min_length=1, max_length=100)
    price: Price


class ListingUpdate(BaseSchema):
    """Changes to a listing."""

    seller: str | None = Field(None, min_length=1, max_length=100)
    price: Price | None = None


class ListingRead(ReadSchema):
    """A listing as the API returns it."""

    id: uuid.UUID
    book_id: uuid.UUID
    seller: str
    price: Decimal
    version: int
    created_at: datetime
    updated_at: datetime


class ListingService(BaseService[Listing, ListingCreate, ListingUpdate, ListingRead]):
    """Listings; prices go in steps of five cents."""

    repository_type = ListingRepository
    read_schema = ListingRead

    async def before_create(self, unit: UnitOfWork, values: dict[str, Any]) -> dict[str, Any]:
        check_price(values)
        return values

    async def before_update(
        self, unit: UnitOfWork, id: uuid.UUID, changes: dict[str, Any]
    ) -> dict[str, Any]:
        check_price(changes)
        return changes


def check_price(values: dict[str, Any]) -> None:
    """The listing rule, on create and on update: a price is a multiple of 0.05."""
    price = values.get("price")
    if price is not None and price % Decimal("0.05"):
        raise ValidationError("Prices go in steps of 0.05.")
