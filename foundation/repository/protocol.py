"""``IBaseRepository``: the interface every repository offers and the contract suite tests."""

from __future__ import annotations

import builtins
from collections.abc import Mapping, Sequence
from typing import Any, Literal, Protocol, TypeVar

from foundation.repository.filters import FilterLike, SortLike
from foundation.repository.pagination import CursorPage, CursorPagination, OffsetPagination, Page

ModelT = TypeVar("ModelT")
IdT = TypeVar("IdT", contravariant=True)


class IBaseRepository(Protocol[ModelT, IdT]):
    """Data access for one entity type. Implementations flush and never commit.

    Soft-deleted rows are invisible to every read unless ``include_deleted=True``.
    Field names in filters, sorts and searches are checked against allow-lists:
    an unknown or forbidden name raises ``ValidationError``.
    """

    async def get(
        self, id: IdT, *, include_deleted: bool = False, for_update: bool = False
    ) -> ModelT:
        """The entity with ``id``; ``NotFoundError`` when absent."""
        ...

    async def get_or_none(
        self, id: IdT, *, include_deleted: bool = False, for_update: bool = False
    ) -> ModelT | None:
        """The entity with ``id``, or ``None``."""
        ...

    async def get_many(
        self, ids: Sequence[IdT], *, include_deleted: bool = False
    ) -> builtins.list[ModelT]:
        """The entities whose ids are in ``ids`` (missing ones are left out), in id order."""
        ...

    async def find_one(self, filters: FilterLike, *, include_deleted: bool = False) -> ModelT:
        """The single entity matching ``filters``; ``NotFoundError`` when none,
        ``ConflictError`` when several."""
        ...

    async def find_one_or_none(
        self, filters: FilterLike, *, include_deleted: bool = False
    ) -> ModelT | None:
        """The single entity matching ``filters``, or ``None``."""
        ...

    async def list(
        self,
        filters: FilterLike = None,
        *,
        sort: SortLike = None,
        page: OffsetPagination | None = None,
        search: str | None = None,
        include_deleted: bool | Literal["only"] = False,
    ) -> Page[ModelT]:
        """One page by offset of matching entities, ordered by ``sort`` then the primary
        key; ``TypeError`` for a ``CursorPagination`` (that is ``list_cursor``'s)."""
        ...

    async def list_cursor(
        self,
        filters: FilterLike = None,
        *,
        sort: SortLike = None,
        page: CursorPagination | None = None,
        search: str | None = None,
        include_deleted: bool | Literal["only"] = False,
    ) -> CursorPage[ModelT]:
        """One page by keyset of matching entities, in ``list``'s order (the first page
        when ``page`` is ``None``); ``TypeError`` for an ``OffsetPagination``."""
        ...

    async def get_values(
        self, id: IdT, fields: Sequence[str], *, include_deleted: bool = False
    ) -> Any:
        """``get`` as one row of ``fields`` (read by attribute, ``row.name``)."""
        ...

    async def list_values(
        self,
        fields: Sequence[str],
        filters: FilterLike = None,
        *,
        sort: SortLike = None,
        page: OffsetPagination | None = None,
        search: str | None = None,
        include_deleted: bool | Literal["only"] = False,
    ) -> Page[Any]:
        """``list`` as rows of ``fields``: the same page."""
        ...

    async def list_cursor_values(
        self,
        fields: Sequence[str],
        filters: FilterLike = None,
        *,
        sort: SortLike = None,
        page: CursorPagination | None = None,
        search: str | None = None,
        include_deleted: bool | Literal["only"] = False,
    ) -> CursorPage[Any]:
        """``list_cursor`` as rows of ``fields``: the same page, the same cursors."""
        ...

    async def count(
        self,
        filters: FilterLike = None,
        *,
        search: str | None = None,
        include_deleted: bool | Literal["only"] = False,
    ) -> int:
        """How many entities match."""
        ...

    async def exists(self, filters: FilterLike = None, *, include_deleted: bool = False) -> bool:
        """Whether any entity matches."""
        ...

    async def create(self, data: Mapping[str, Any]) -> ModelT:
        """Insert one entity; ``DuplicateError`` / ``ForeignKeyError`` on constraint errors."""
        ...

    async def create_many(self, rows: Sequence[Mapping[str, Any]]) -> builtins.list[ModelT]:
        """Insert many entities in one statement, all or nothing."""
        ...

    async def create_values(
        self, rows: Sequence[Mapping[str, Any]], fields: Sequence[str]
    ) -> builtins.list[Any]:
        """``create_many``, answering rows of ``fields`` instead of entities."""
        ...

    async def update(
        self, id: IdT, changes: Mapping[str, Any], *, expected_version: int | None = None
    ) -> ModelT:
        """Apply ``changes``; ``ConcurrencyError`` if ``expected_version`` is stale."""
        ...

    async def update_values(
        self,
        id: IdT,
        changes: Mapping[str, Any],
        fields: Sequence[str],
        *,
        expected_version: int | None = None,
    ) -> Any:
        """``update``, answering one row of ``fields`` instead of the entity."""
        ...

    async def update_many(self, filters: FilterLike, changes: Mapping[str, Any]) -> int:
        """Apply ``changes`` to every matching entity in one statement; return the count."""
        ...

    async def upsert(self, data: Mapping[str, Any], *, conflict: Sequence[str]) -> ModelT:
        """Insert, or update the entity that has the same values in ``conflict`` columns."""
        ...

    async def upsert_many(
        self, rows: Sequence[Mapping[str, Any]], *, conflict: Sequence[str]
    ) -> builtins.list[ModelT]:
        """``upsert`` for many rows in one statement."""
        ...

    async def delete(self, id: IdT) -> None:
        """Soft-delete when the model supports it, delete otherwise; ``NotFoundError``."""
        ...

    async def hard_delete(self, id: IdT) -> None:
        """Delete the row for good (soft-deleted rows included)."""
        ...

    async def restore(self, id: IdT) -> ModelT:
        """Undo a soft delete; ``NotFoundError`` if there is no such deleted row."""
        ...

    async def delete_many(self, filters: FilterLike) -> int:
        """Delete (softly where supported) every matching entity; return the count."""
        ...
