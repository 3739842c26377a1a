"""``IBaseService``: the interface every service offers and the service contract tests."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from typing import Any, Literal, Protocol, TypeVar

from foundation.repository import (
    CursorPage,
    CursorPagination,
    FilterLike,
    OffsetPagination,
    Page,
    SortLike,
)

CreateT = TypeVar("CreateT", contravariant=True)
UpdateT = TypeVar("UpdateT", contravariant=True)
ReadT = TypeVar("ReadT")


class IBaseService(Protocol[CreateT, UpdateT, ReadT]):
    """Use cases for one entity type, in read schemas; each call is one unit of work.

    Business-rule hooks raise ``ValidationError`` (422) or ``ConflictError`` (409); any
    error rolls back everything the call wrote.
    """

    async def create(self, data: CreateT) -> ReadT:
        """Create one entity."""
        ...

    async def create_many(self, items: Sequence[CreateT]) -> builtins.list[ReadT]:
        """Create several entities, all or nothing."""
        ...

    async def get(self, id: Any) -> ReadT:
        """The entity with ``id``; ``NotFoundError`` when absent."""
        ...

    async def list(
        self,
        filters: FilterLike = None,
        *,
        sort: SortLike = None,
        page: OffsetPagination | None = None,
        search: str | None = None,
        include_deleted: bool | Literal["only"] = False,
    ) -> Page[ReadT]:
        """One page by offset of entities (soft-deleted ones too, or only them, with
        ``include_deleted``)."""
        ...

    async def list_cursor(
        self,
        filters: FilterLike = None,
        *,
        sort: SortLike = None,
        page: CursorPagination | None = None,
        search: str | None = None,
        include_deleted: bool | Literal["only"] = False,
    ) -> CursorPage[ReadT]:
        """One page by keyset of entities, in ``list``'s order (the first page when
        ``page`` is ``None``)."""
        ...

    async def count(self, filters: FilterLike = None, *, search: str | None = None) -> int:
        """How many entities match."""
        ...

    async def update(self, id: Any, data: UpdateT, *, expected_version: int | None = None) -> ReadT:
        """Apply the fields set in ``data``; ``ConcurrencyError`` on a stale version."""
        ...

    async def delete(self, id: Any, *, expected_version: int | None = None) -> None:
        """Delete (softly where the model supports it); ``ConcurrencyError`` on a stale
        version."""
        ...

    async def restore(self, id: Any, *, expected_version: int | None = None) -> ReadT:
        """Undo a soft delete; ``ConcurrencyError`` on a stale version."""
        ...
