"""Reads: by key, by filter, pages by offset or keyset, counts and existence."""

from __future__ import annotations

import builtins
import operator
from collections.abc import Sequence
from functools import partial
from typing import Any, Literal, TypeVar, cast

from sqlalchemy import Select, func, select

from foundation.errors import ConflictError, NotFoundError
from foundation.repository.core import RepositoryCore
from foundation.repository.estimate import estimate_rows
from foundation.repository.filters import FilterLike, SortLike
from foundation.repository.pagination import (
    DEFAULT_LIMIT,
    CursorPage,
    CursorPagination,
    OffsetPagination,
    Page,
    TotalStrategy,
    pagination_mismatch,
)
from foundation.repository.paging import check_limit, cursor_page, offset_page
from foundation.repository.sorting import SortOrder
from foundation.repository.statements import ENTITIES, Criteria, Projection, Rows

ModelT = TypeVar("ModelT")


class Reads(RepositoryCore[ModelT]):
    """The reading half of ``SQLAlchemyRepository``."""

    async def get(
        self, id: Any, *, include_deleted: bool = False, for_update: bool = False
    ) -> ModelT:
        """The entity with ``id``; ``NotFoundError`` when absent (or soft-deleted).
        Reads through ``get_or_none``: an override there (a scope) applies here too."""
        entity = await self.get_or_none(id, include_deleted=include_deleted, for_update=for_update)
        if entity is None:
            raise self._not_found(id)
        return entity

    async def get_or_none(
        self, id: Any, *, include_deleted: bool = False, for_update: bool = False
    ) -> ModelT | None:
        """The entity with ``id``, or ``None``."""
        found = await self._by_key(ENTITIES, self._id(id), include_deleted, for_update)
        return cast(ModelT, found[0]) if found else None

    async def get_values(
        self, id: Any, fields: Sequence[str], *, include_deleted: bool = False
    ) -> Any:
        """``get``, as one row of ``fields`` (``row.name``) instead of an entity."""
        found = await self._by_key(Rows(fields), self._id(id), include_deleted, False)
        if not found:
            raise self._not_found(id)
        return found[0]

    async def get_many(
        self, ids: Sequence[Any], *, include_deleted: bool = False
    ) -> builtins.list[ModelT]:
        """The entities whose ids are in ``ids`` (missing ones left out), in id order."""
        if not ids:
            return []
        keys = {self._id(value) for value in ids}
        stmt = self._entities(include_deleted).where(self._pk.in_(keys)).order_by(self._pk)
        return await self._read(ENTITIES, stmt)

    async def find_one(self, filters: FilterLike, *, include_deleted: bool = False) -> ModelT:
        """The single match; ``NotFoundError`` when none, ``ConflictError`` when several."""
        entity = await self.find_one_or_none(filters, include_deleted=include_deleted)
        if entity is None:
            raise NotFoundError()
        return entity

    async def find_one_or_none(
        self, filters: FilterLike, *, include_deleted: bool = False
    ) -> ModelT | None:
        """The single match or ``None``; ``ConflictError`` when several match."""
        where = self._where(filters, None, include_deleted)
        rows = await self._read(ENTITIES, self._entities(True).where(*where).limit(2))
        if len(rows) > 1:
            raise ConflictError("More than one resource matches.")
        return rows[0] if rows else None

    async def list(
        self,
        filters: FilterLike = None,
        *,
        sort: SortLike = None,
        page: OffsetPagination | None = None,
        search: str | None = None,
        include_deleted: bool | Literal["only"] = False,
    ) -> Page[ModelT]:
        """One page by offset, ordered by ``sort`` (else ``default_sort``) then the key;
        ``TypeError`` for a ``CursorPagination`` (``list_cursor`` takes it)."""
        if isinstance(page, CursorPagination):
            raise pagination_mismatch("list", page)
        return await self._offset_page(ENTITIES, filters, sort, page, search, include_deleted)

    async def list_cursor(
        self,
        filters: FilterLike = None,
        *,
        sort: SortLike = None,
        page: CursorPagination | None = None,
        search: str | None = None,
        include_deleted: bool | Literal["only"] = False,
    ) -> CursorPage[ModelT]:
        """One page by keyset, in ``list``'s order (the first page when ``page`` is
        ``None``); ``TypeError`` for an ``OffsetPagination`` (``list`` takes it)."""
        if isinstance(page, OffsetPagination):
            raise pagination_mismatch("list_cursor", page)
        return await self._cursor_page(ENTITIES, filters, sort, page, search, include_deleted)

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
        """``list``, as rows of ``fields`` (``row.name``) instead of entities."""
        if isinstance(page, CursorPagination):
            raise pagination_mismatch("list_values", page)
        return await self._offset_page(Rows(fields), filters, sort, page, search, include_deleted)

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
        """``list_cursor``, as rows of ``fields`` (``row.name``) instead of entities: the
        same page and cursors."""
        if isinstance(page, OffsetPagination):
            raise pagination_mismatch("list_cursor_values", page)
        return await self._cursor_page(Rows(fields), filters, sort, page, search, include_deleted)

    async def _offset_page(
        self,
        projection: Projection,
        filters: FilterLike,
        sort: SortLike,
        page: OffsetPagination | None,
        search: str | None,
        include_deleted: bool | Literal["only"],
    ) -> Page[Any]:
        order, where, stmt = self._matching(projection, filters, sort, search, include_deleted)
        page = page or OffsetPagination(limit=min(DEFAULT_LIMIT, self.max_limit))
        check_limit(page.limit, self.max_limit)

        async def total(strategy: TotalStrategy) -> int:
            if strategy is TotalStrategy.ESTIMATED and self._dialect_name == "postgresql":
                with self._errors():  # the planner's guess: no scan of the whole match
                    return await estimate_rows(self._unit, select(self._pk).where(*where))
            return await self._count(where)

        return await offset_page(stmt, order, page, partial(self._read, projection), total)

    async def _cursor_page(
        self,
        projection: Projection,
        filters: FilterLike,
        sort: SortLike,
        page: CursorPagination | None,
        search: str | None,
        include_deleted: bool | Literal["only"],
    ) -> CursorPage[Any]:
        order, _, stmt = self._matching(projection, filters, sort, search, include_deleted)
        page = page or CursorPagination(limit=min(DEFAULT_LIMIT, self.max_limit))
        check_limit(page.limit, self.max_limit)
        columns = [self.statements.column(key.field) for key in order.keys]
        fetch = partial(self._read, projection)
        return await cursor_page(stmt, order, page, fetch, self._codec, columns)

    def _matching(
        self,
        projection: Projection,
        filters: FilterLike,
        sort: SortLike,
        search: str | None,
        include_deleted: bool | Literal["only"],
    ) -> tuple[SortOrder, Criteria, Select[Any]]:
        """A listing's order, its WHERE criteria and the statement selecting the matches
        (in that order, so a bad sort is reported before a bad filter)."""
        statements = self.statements
        order = statements.order(sort, self.sortable, self.default_sort)
        where = self._where(filters, search, include_deleted)
        stmt = projection.select(statements, [key.field for key in order.keys]).where(*where)
        return order, where, stmt

    async def count(
        self,
        filters: FilterLike = None,
        *,
        search: str | None = None,
        include_deleted: bool | Literal["only"] = False,
    ) -> int:
        """How many entities match."""
        return await self._count(self._where(filters, search, include_deleted))

    async def exists(self, filters: FilterLike = None, *, include_deleted: bool = False) -> bool:
        """Whether any entity matches."""
        where = self._where(filters, None, include_deleted)
        with self._errors():
            found = await self._unit.scalar(
                select(self._pk).where(*where).limit(1), None, self._unit.read_options
            )
        return found is not None

    async def _count(self, where: Criteria) -> int:
        live = self.statements.live
        if len(where) == len(live) and all(map(operator.is_, where, live)):
            stmt = self.statements.count  # unfiltered: the prebuilt statement
        else:
            stmt = select(func.count()).select_from(self.statements.table).where(*where)
        with self._errors():
            return int(await self._unit.scalar(stmt, None, self._unit.read_options) or 0)
