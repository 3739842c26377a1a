"""HTTP routes for books (written by hand) and listings (``crud_router``), and the app
factory."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Query, Response

from bookshelf.service import (
    BookCreate,
    BookRead,
    BookService,
    BookUpdate,
    ListingCreate,
    ListingService,
    ListingUpdate,
)
from foundation.repository import OffsetPagination
from foundation.schemas import Page
from foundation.web import create_app as create_foundation_app
from foundation.web import (
    crud_router,
    get_database,
    problem_responses,
    provide_service,
    require_scopes,
)

router = APIRouter(prefix="/books", tags=["books"])
Books = Annotated[BookService, Depends(provide_service(BookService, database=get_database))]
Writer = Depends(require_scopes("books:write"))


@router.post("", status_code=201, dependencies=[Writer], responses=problem_responses(409))
async def create_book(data: BookCreate, books: Books) -> BookRead:
    """Add a book."""
    return await books.create(data)


@router.get("")
async def list_books(
    books: Books,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> Page[BookRead]:
    """Books by title."""
    page = await books.list(sort="title", page=OffsetPagination(limit=limit, offset=offset))
    return Page[BookRead].model_validate(page)


@router.get("/{book_id}", responses=problem_responses(404))
async def get_book(book_id: uuid.UUID, books: Books) -> BookRead:
    """One book."""
    return await books.get(book_id)


@router.patch("/{book_id}", dependencies=[Writer], responses=problem_responses(404, 409))
async def update_book(book_id: uuid.UUID, data: BookUpdate, books: Books) -> BookRead:
    """Change a book."""
    return await books.update(book_id, data)


@router.delete(
    "/{book_id}", status_code=204, dependencies=[Writer], responses=problem_responses(404)
)
async def delete_book(book_id: uuid.UUID, books: Books) -> Response:
    """Remove a book."""
    await books.delete(book_id)
    return Response(status_code=204)


listings = crud_router(
    ListingService,
    path="/listings",
    name="listing",
    create_schema=ListingCreate,
    update_schema=ListingUpdate,
    write_access=["books:write"],
)


def create_app() -> FastAPI:
    """The bookshelf application."""
    return create_foundation_app(routers=[router, listings])
