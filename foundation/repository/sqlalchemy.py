"""``SQLAlchemyRepository``: the async repository for any model built on the foundation's base.

Subclasses declare the ``model`` and their allow-lists::

    class WidgetRepository(SQLAlchemyRepository[Widget]):
        model = Widget
        filterable = {"name": ALL_OPS, "quantity": EQUALITY_OPS | ORDERING_OPS}
        sortable = ("name", "quantity", "created_at")
        searchable = ("name",)
        default_sort = "-created_at"

Writes are single statements (``INSERT … RETURNING``, one ``UPDATE`` with the version in its
``WHERE``), never a flush per row. The repository flushes and never commits: the unit of
work (``Database.transaction()``) does. After a database error the transaction is unusable
on PostgreSQL; let the error reach the unit of work, which rolls back.

Reads refresh objects already in the session (``populate_existing``) so that a bulk
statement that bypassed the identity map can never be observed stale. Soft delete and
version checks come from the model's mixins; ``updated_at``/``updated_by`` and the version
move on every write, bulk and upsert included.
"""

from __future__ import annotations

import builtins
from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, ClassVar, Generic, TypeVar, cast, overload

from sqlalchemy import ColumnElement, Select, and_, delete, func, insert, or_, select, update
from sqlalchemy.engine import CursorResult, Dialect
from sqlalchemy.ext.asyncio import AsyncSession

from foundation.errors import (
    ConcurrencyError,
    ConfigurationError,
    ConflictError,
    DuplicateError,
    NotFoundError,
    ValidationError,
    translate_db_errors,
)
from foundation.models import utcnow
from foundation.repository.compiler import FilterCompiler
from foundation.repository.cursor import CursorCodec
from foundation.repository.estimate import estimate_rows
from foundation.repository.filters import FilterLike, Op, SortLike
from foundation.repository.pagination import (
    DEFAULT_LIMIT,
    DEFAULT_MAX_LIMIT,
    CursorPage,
    CursorPagination,
    OffsetPagination,
    Page,
    TotalStrategy,
)
from foundation.repository.paging import check_limit, cursor_page, offset_page
from foundation.repository.sorting import check_sortable, resolve_sort
from foundation.repository.traits import ModelTraits, check_allow_lists, read_traits
from foundation.repository.upsert import upsert_statement
from foundation.repository.values import coerce

ModelT = TypeVar("ModelT")
Criteria = builtins.list[ColumnElement[bool]]


class SQLAlchemyRepository(Generic[ModelT]):
    """Async data access for ``model`` within one ``AsyncSession``.

    Allow-lists: ``filterable`` maps a field to the operators it accepts, ``sortable`` and
    ``searchable`` name fields (sortable columns must be NOT NULL). ``max_limit`` bounds
    page sizes: a larger ``limit`` is a ``ValidationError``, not silently clamped.
    ``cursor_secret`` (optional) HMAC-signs keyset cursors.
    """

    model: type[ModelT]
    filterable: ClassVar[Mapping[str, Collection[Op]]] = {}
    sortable: ClassVar[Collection[str]] = ()
    searchable: ClassVar[Sequence[str]] = ()
    default_sort: ClassVar[SortLike] = None
    max_limit: ClassVar[int] = DEFAULT_MAX_LIMIT
    cursor_secret: ClassVar[bytes | None] = None
    traits: ClassVar[ModelTraits]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        model = cls.__dict__.get("model")
        if model is None:
            return  # an intermediate base; concrete subclasses name the model
        cls.traits = read_traits(model)
        check_allow_lists(cls.traits, cls.filterable, cls.searchable)
        check_sortable(model, cls.sortable)
        resolve_sort(model, cls.default_sort, None, cls.sortable, cls.traits.pk)

    def __init__(self, session: AsyncSession) -> None:
        if not hasattr(type(self), "traits"):
            raise ConfigurationError(f"{type(self).__name__} does not declare a model.")
        self.session = session
        self._dialect: Dialect | None = None
        self._codec = CursorCodec(self.traits.model.__tablename__, self.cursor_secret)

    # -- reads ---------------------------------------------------------------------

    async def get(
        self, id: Any, *, include_deleted: bool = False, for_update: bool = False
    ) -> ModelT:
        """The entity with ``id``; ``NotFoundError`` when absent (or soft-deleted)."""
        entity = await self.get_or_none(id, include_deleted=include_deleted, for_update=for_update)
        if entity is None:
            raise self._not_found(id)
        return entity

    async def get_or_none(
        self, id: Any, *, include_deleted: bool = False, for_update: bool = False
    ) -> ModelT | None:
        """The entity with ``id``, or ``None``."""
        stmt = self._select(include_deleted).where(self._pk == self._id(id))
        if for_update:
            stmt = stmt.with_for_update()
        rows = await self._fetch(stmt)
        return rows[0] if rows else None

    async def get_many(
        self, ids: Sequence[Any], *, include_deleted: bool = False
    ) -> builtins.list[ModelT]:
        """The entities whose ids are in ``ids`` (missing ones left out), in id order."""
        if not ids:
            return []
        keys = {self._id(value) for value in ids}
        stmt = self._select(include_deleted).where(self._pk.in_(keys)).order_by(self._pk)
        return await self._fetch(stmt)

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
        where = await self._where(filters, None, include_deleted)
        rows = await self._fetch(select(self.model).where(*where).limit(2))
        if len(rows) > 1:
            raise ConflictError("More than one resource matches.")
        return rows[0] if rows else None

    @overload
    async def list(
        self,
        filters: FilterLike = None,
        *,
        sort: SortLike = None,
        page: OffsetPagination | None = None,
        search: str | None = None,
        include_deleted: bool = False,
    ) -> Page[ModelT]: ...

    @overload
    async def list(
        self,
        filters: FilterLike = None,
        *,
        sort: SortLike = None,
        page: CursorPagination,
        search: str | None = None,
        include_deleted: bool = False,
    ) -> CursorPage[ModelT]: ...

    async def list(
        self,
        filters: FilterLike = None,
        *,
        sort: SortLike = None,
        page: OffsetPagination | CursorPagination | None = None,
        search: str | None = None,
        include_deleted: bool = False,
    ) -> Page[ModelT] | CursorPage[ModelT]:
        """One page of matches, ordered by ``sort`` (else ``default_sort``) then the key."""
        order = resolve_sort(self.model, sort, self.default_sort, self.sortable, self.traits.pk)
        where = await self._where(filters, search, include_deleted)
        page = page or OffsetPagination(limit=min(DEFAULT_LIMIT, self.max_limit))
        check_limit(page.limit, self.max_limit)
        stmt = select(self.model).where(*where)
        if isinstance(page, CursorPagination):
            mapped = self.traits.model.__mapper__.columns
            columns = [mapped[key.field] for key in order.keys]
            return await cursor_page(stmt, order, page, self._fetch, self._codec, columns)

        async def total(strategy: TotalStrategy) -> int:
            if strategy is TotalStrategy.ESTIMATED and self._dialect_name == "postgresql":
                with self._errors():  # the planner's guess: no scan of the whole match
                    return await estimate_rows(self.session, select(self._pk).where(*where))
            return await self._count(where)

        return await offset_page(stmt, order, page, self._fetch, total)

    async def count(
        self,
        filters: FilterLike = None,
        *,
        search: str | None = None,
        include_deleted: bool = False,
    ) -> int:
        """How many entities match."""
        return await self._count(await self._where(filters, search, include_deleted))

    async def exists(self, filters: FilterLike = None, *, include_deleted: bool = False) -> bool:
        """Whether any entity matches."""
        where = await self._where(filters, None, include_deleted)
        with self._errors():
            found = await self.session.scalar(select(self._pk).where(*where).limit(1))
        return found is not None

    # -- writes --------------------------------------------------------------------

    async def create(self, data: Mapping[str, Any]) -> ModelT:
        """Insert one entity (``INSERT … RETURNING``); constraint errors become
        ``DuplicateError`` / ``ForeignKeyError`` / ``IntegrityViolationError``."""
        return (await self.create_many([data]))[0]

    async def create_many(self, rows: Sequence[Mapping[str, Any]]) -> builtins.list[ModelT]:
        """Insert many entities in one statement, all or nothing; returned in input order."""
        params = [self._row(row, creating=True) for row in rows]
        if not params:
            return []
        dialect = await self._get_dialect()
        with self._errors():
            if dialect.insert_executemany_returning_sort_by_parameter_order:
                stmt = insert(self.model).returning(self.model, sort_by_parameter_order=True)
                return builtins.list(await self.session.scalars(stmt, params))
            # no ordered RETURNING: give every row its key first, then read them back
            for row in params:
                row.setdefault(self.traits.pk, self._new_id())
            await self.session.execute(insert(self.model), params)
        by_id = {self._key(e): e for e in await self.get_many([r[self.traits.pk] for r in params])}
        return [by_id[row[self.traits.pk]] for row in params]

    async def update(
        self, id: Any, changes: Mapping[str, Any], *, expected_version: int | None = None
    ) -> ModelT:
        """Apply ``changes`` in one ``UPDATE``; ``ConcurrencyError`` if ``expected_version``
        is stale, ``NotFoundError`` if there is no such (live) entity."""
        if expected_version is not None and self.traits.version is None:
            raise ValidationError(f"{self.model.__name__} is not versioned.")
        key = self._id(id)
        criteria = self._live()
        if expected_version is not None:
            criteria.append(getattr(self.model, cast(str, self.traits.version)) == expected_version)
        values = {**self._row(changes, creating=False), **self._stamp()}
        entity = await self._update_one(key, criteria, values)
        if entity is not None:
            return entity
        current = await self.get_or_none(key)
        if current is None:
            raise self._not_found(key)
        raise ConcurrencyError(
            details={
                "expected_version": expected_version,
                "current_version": getattr(current, cast(str, self.traits.version)),
            }
        )

    async def update_many(self, filters: FilterLike, changes: Mapping[str, Any]) -> int:
        """Apply ``changes`` to every live match in one statement; return how many."""
        where = await self._where(filters, None, False)
        values = {**self._row(changes, creating=False), **self._stamp()}
        stmt = update(self.model).where(*where).values(values)
        return await self._rowcount(stmt.execution_options(synchronize_session="fetch"))

    async def upsert(self, data: Mapping[str, Any], *, conflict: Sequence[str]) -> ModelT:
        """Insert, or update the row with the same ``conflict`` values (reviving it if
        soft-deleted); atomic under concurrency. On MariaDB any unique key may conflict."""
        return (await self.upsert_many([data], conflict=conflict))[0]

    async def upsert_many(
        self, rows: Sequence[Mapping[str, Any]], *, conflict: Sequence[str]
    ) -> builtins.list[ModelT]:
        """``upsert`` for many rows in one statement per set of keys; one entity per distinct
        conflict value (the last row wins), in order of first appearance."""
        if not conflict or not set(conflict) <= self.traits.columns:
            raise ValidationError("Upsert needs existing conflict columns.")
        unique: dict[tuple[Any, ...], dict[str, Any]] = {}
        for row in rows:
            checked = self._row(row, creating=True)
            if not set(conflict) <= checked.keys():
                raise ValidationError("Every upserted row needs its conflict columns.")
            unique[tuple(checked[c] for c in conflict)] = checked
        if not unique:
            return []
        dialect = await self._get_dialect()
        extra = self._stamp()
        if self.traits.soft_delete:
            extra["deleted_at"] = None
        groups: dict[frozenset[str], builtins.list[dict[str, Any]]] = {}
        for row in unique.values():
            groups.setdefault(frozenset(row), []).append(row)
        found: dict[tuple[Any, ...], ModelT] = {}
        with self._errors():
            for keys, params in groups.items():
                stmt = upsert_statement(
                    dialect.name, self.model, keys, conflict, extra, self.traits.keep_on_upsert
                )
                if dialect.name == "mysql":  # no RETURNING with ON DUPLICATE KEY
                    await self.session.execute(stmt.values(params))
                    continue
                returning = stmt.returning(self.model).execution_options(populate_existing=True)
                for entity in await self.session.scalars(returning, params):
                    found[tuple(getattr(entity, c) for c in conflict)] = entity
        if len(found) < len(unique):
            match = or_(
                *(
                    and_(*(getattr(self.model, c) == v for c, v in zip(conflict, key, strict=True)))
                    for key in unique
                )
            )
            for entity in await self._fetch(select(self.model).where(match)):
                found[tuple(getattr(entity, c) for c in conflict)] = entity
        return [found[key] for key in unique if key in found]

    async def delete(self, id: Any) -> None:
        """Soft-delete when the model supports it, delete otherwise; ``NotFoundError``."""
        if not self.traits.soft_delete:
            return await self.hard_delete(id)
        key = self._id(id)
        values = {"deleted_at": utcnow(), **self._stamp()}
        stmt = update(self.model).where(self._pk == key, *self._live()).values(values)
        if await self._rowcount(stmt) == 0:
            raise self._not_found(key)
        return None

    async def hard_delete(self, id: Any) -> None:
        """Delete the row for good (soft-deleted rows included); ``NotFoundError``."""
        key = self._id(id)
        if await self._rowcount(delete(self.model).where(self._pk == key)) == 0:
            raise self._not_found(key)

    async def restore(self, id: Any) -> ModelT:
        """Undo a soft delete; a live row comes back unchanged (restore is idempotent).

        ``NotFoundError`` when there is no row with this id at all.
        """
        if not self.traits.soft_delete:
            raise ValidationError(f"{self.model.__name__} does not support soft delete.")
        key = self._id(id)
        deleted = getattr(self.model, "deleted_at").is_not(None)  # noqa: B009
        entity = await self._update_one(key, [deleted], {"deleted_at": None, **self._stamp()})
        return entity if entity is not None else await self.get(key)

    async def delete_many(self, filters: FilterLike) -> int:
        """Delete (softly where supported) every live match; return how many."""
        where = await self._where(filters, None, False)
        stmt: Any
        if self.traits.soft_delete:
            stmt = update(self.model).where(*where).values(deleted_at=utcnow(), **self._stamp())
        else:
            stmt = delete(self.model).where(*where)
        return await self._rowcount(stmt.execution_options(synchronize_session="fetch"))

    # -- helpers -------------------------------------------------------------------

    @property
    def _pk(self) -> Any:
        return getattr(self.model, self.traits.pk)

    def _id(self, value: Any) -> Any:
        try:
            return coerce(self.traits.pk_column, value, field=self.traits.pk)
        except ValidationError as exc:
            raise self._not_found(value) from exc

    def _key(self, entity: ModelT) -> Any:
        return getattr(entity, self.traits.pk)

    def _new_id(self) -> Any:
        default = self.traits.pk_column.default
        if default is None or not getattr(default, "is_callable", False):
            raise ConfigurationError(f"{self.model.__name__} cannot generate keys in Python.")
        return default.arg(None)  # type: ignore[attr-defined]  # callable defaults take a context

    def _not_found(self, id: Any) -> NotFoundError:
        return NotFoundError(
            f"{self.model.__name__} {id} was not found.",
            details={"resource": self.model.__name__, "id": str(id)},
        )

    def _live(self) -> Criteria:
        if self.traits.soft_delete:
            return [getattr(self.model, "deleted_at").is_(None)]  # noqa: B009
        return []

    def _select(self, include_deleted: bool) -> Select[ModelT]:
        stmt = select(self.model)
        return stmt if include_deleted else stmt.where(*self._live())

    def _stamp(self) -> dict[str, Any]:
        """Values every write sets: touched columns and the next version."""
        values = self.traits.touch_values()
        if self.traits.version is not None:
            values[self.traits.version] = getattr(self.model, self.traits.version) + 1
        return values

    def _row(self, data: Mapping[str, Any], *, creating: bool) -> dict[str, Any]:
        unknown = set(data) - self.traits.columns
        managed = {self.traits.version} if creating else {self.traits.pk, self.traits.version}
        forbidden = unknown | (set(data) & managed)
        if forbidden:
            raise ValidationError(
                f"Cannot write {', '.join(sorted(map(str, forbidden)))}.",
                details={"fields": sorted(map(str, forbidden))},
            )
        return dict(data)

    async def _where(
        self, filters: FilterLike, search: str | None, include_deleted: bool
    ) -> Criteria:
        compiler = FilterCompiler(
            self.model, self.filterable, self.searchable, (await self._get_dialect()).name
        )
        where: Criteria = [] if include_deleted else self._live()
        criterion = compiler.compile(filters)
        if criterion is not None:
            where.append(criterion)
        if search:
            where.append(compiler.search(search))
        return where

    @property
    def _dialect_name(self) -> str:
        assert self._dialect is not None, "known after the first statement"
        return self._dialect.name

    async def _get_dialect(self) -> Dialect:
        if self._dialect is None:
            # the connection's dialect is initialized (server version known) once connected
            with self._errors():
                self._dialect = (await self.session.connection()).dialect
        return self._dialect

    async def _fetch(self, stmt: Select[Any]) -> builtins.list[ModelT]:
        with self._errors():
            result = await self.session.scalars(stmt.execution_options(populate_existing=True))
            return builtins.list(result)

    async def _count(self, where: Criteria) -> int:
        stmt = select(func.count()).select_from(self.model).where(*where)
        with self._errors():
            return int(await self.session.scalar(stmt) or 0)

    async def _rowcount(self, stmt: Any) -> int:
        with self._errors():
            result = await self.session.execute(stmt)
        return int(cast(CursorResult[Any], result).rowcount)

    async def _update_one(
        self, key: Any, criteria: Criteria, values: Mapping[str, Any]
    ) -> ModelT | None:
        """One ``UPDATE`` of the row ``key``; the refreshed entity, or ``None`` if no row."""
        stmt = (
            update(self.model)
            .where(self._pk == key, *criteria)
            .values(values)
            .execution_options(synchronize_session=False, populate_existing=True)
        )
        dialect = await self._get_dialect()
        if dialect.update_returning:
            with self._errors():
                result = await self.session.scalars(stmt.returning(self.model))
                return result.one_or_none()
        if await self._rowcount(stmt) == 0:
            return None
        rows = await self._fetch(select(self.model).where(self._pk == key))
        return rows[0] if rows else None

    @contextmanager
    def _errors(self) -> Iterator[None]:
        """Translate database errors, naming the fields of a violated unique constraint."""
        try:
            with translate_db_errors():
                yield
        except DuplicateError as error:
            _name_fields(error, self.model)
            raise


def _name_fields(error: DuplicateError, model: Any) -> None:
    table = model.__table__
    constraint = error.details.get("constraint")
    fields = error.details.get("fields")
    for candidate in [*table.constraints, *table.indexes]:
        names = [column.name for column in candidate.columns]
        if candidate.name == constraint and not fields:
            error.details["fields"] = names
        elif constraint is None and fields and sorted(names) == sorted(fields):
            error.details["constraint"] = candidate.name
