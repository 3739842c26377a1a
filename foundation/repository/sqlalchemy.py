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
statement that bypassed the identity map can never be observed stale. The statements a
request runs most (read by key, update, soft delete, insert, the unfiltered count) are built
once per repository class with bound parameters: building an ORM statement and its cache
key costs more CPU than the database spends running it. Soft delete and version checks come
from the model's mixins; ``updated_at``/``updated_by`` and the version move on every write,
bulk and upsert included.
"""

from __future__ import annotations

import builtins
import operator
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, ClassVar, Generic, Literal, TypeVar, cast, overload

from sqlalchemy import (
    ClauseElement,
    ColumnElement,
    Select,
    and_,
    bindparam,
    delete,
    false,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.engine import CursorResult, Dialect, Result
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker
from sqlalchemy.orm.attributes import set_committed_value

from foundation.db.unit import UnitOfWork
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
from foundation.repository.sorting import SortOrder, check_sortable, resolve_sort
from foundation.repository.traits import ModelTraits, check_allow_lists, read_traits
from foundation.repository.upsert import upsert_statement
from foundation.repository.values import coerce

ModelT = TypeVar("ModelT")
Criteria = builtins.list[ColumnElement[bool]]
# bound parameter names in prebuilt statements (column values are ``_set_<name>``)
_KEY = "_foundation_key"
_VERSION = "_foundation_version"
MAX_PREPARED = 256  # per repository class: update statements vary with the fields sent


class SQLAlchemyRepository(Generic[ModelT]):
    """Async data access for ``model`` within one unit of work.

    Built on a ``UnitOfWork`` (``Database.unit()``), statements run on the unit's
    connection until an entity method asks for its session, and through the session from
    then on. An ``AsyncSession`` or an ``AsyncConnection`` serve as well: a connection gets
    a session of its own on first use, joined to its transaction.

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
    # statements, clauses and the default order, built once per class on first use
    _prepared: ClassVar[dict[tuple[Any, ...], Any]]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._prepared = {}  # each class its own: a subclass may change the default sort
        model = cls.__dict__.get("model")
        if model is None:
            return  # an intermediate base; concrete subclasses name the model
        cls.traits = read_traits(model)
        check_allow_lists(cls.traits, cls.filterable, cls.searchable)
        check_sortable(model, cls.sortable)
        resolve_sort(model, cls.default_sort, None, cls.sortable, cls.traits.pk)

    def __init__(self, unit: UnitOfWork | AsyncSession | AsyncConnection) -> None:
        if not hasattr(type(self), "traits"):
            raise ConfigurationError(f"{type(self).__name__} does not declare a model.")
        self._unit: UnitOfWork | _SessionUnit
        if isinstance(unit, UnitOfWork):
            self._unit = unit
        elif isinstance(unit, AsyncSession):
            self._unit = _SessionUnit(unit)
        else:
            self._unit = UnitOfWork(unit, _SESSIONS)
        self._dialect: Dialect | None = None
        self._codec = CursorCodec(self.traits.model.__tablename__, self.cursor_secret)

    @property
    def session(self) -> AsyncSession:
        """The ORM session this repository works in (the unit's, made on first use)."""
        return self._unit.session

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
        stmt = self._by_key(include_deleted=include_deleted, for_update=for_update)
        with self._errors():
            result = await self.session.scalars(stmt, {_KEY: self._id(id)})
            return result.first()

    async def get_values(
        self, id: Any, fields: Sequence[str], *, include_deleted: bool = False
    ) -> Any:
        """``get``, as one row of ``fields`` (``row.name``) instead of an entity: no ORM
        object is built (``BaseService.get`` uses it when it can)."""
        row = await self._row_or_none(self._id(id), tuple(fields), include_deleted)
        if row is None:
            raise self._not_found(id)
        return row

    async def _row_or_none(
        self, key: Any, names: tuple[str, ...], include_deleted: bool
    ) -> Any | None:
        def build() -> Select[Any]:
            stmt = select(*(self._column(name) for name in names))
            stmt = stmt.where(self._pk == bindparam(_KEY))
            return stmt if include_deleted else stmt.where(*self._live())

        stmt = self._prepare(("values_by_key", names, include_deleted), build)
        with self._errors():
            return (await self._unit.execute(stmt, {_KEY: key})).first()

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
        include_deleted: bool | Literal["only"] = False,
    ) -> Page[ModelT]: ...

    @overload
    async def list(
        self,
        filters: FilterLike = None,
        *,
        sort: SortLike = None,
        page: CursorPagination,
        search: str | None = None,
        include_deleted: bool | Literal["only"] = False,
    ) -> CursorPage[ModelT]: ...

    async def list(
        self,
        filters: FilterLike = None,
        *,
        sort: SortLike = None,
        page: OffsetPagination | CursorPagination | None = None,
        search: str | None = None,
        include_deleted: bool | Literal["only"] = False,
    ) -> Page[ModelT] | CursorPage[ModelT]:
        """One page of matches, ordered by ``sort`` (else ``default_sort``) then the key."""
        return await self._list(filters, sort, page, search, include_deleted, None)

    async def list_values(
        self,
        fields: Sequence[str],
        filters: FilterLike = None,
        *,
        sort: SortLike = None,
        page: OffsetPagination | CursorPagination | None = None,
        search: str | None = None,
        include_deleted: bool | Literal["only"] = False,
    ) -> Page[Any] | CursorPage[Any]:
        """``list``, as rows of ``fields`` (read by attribute, ``row.name``) instead of
        entities: the same page and cursors, without building ORM objects, for reads that
        only pass the values on (``BaseService.list`` uses it when it can)."""
        return await self._list(filters, sort, page, search, include_deleted, tuple(fields))

    async def _list(
        self,
        filters: FilterLike,
        sort: SortLike,
        page: OffsetPagination | CursorPagination | None,
        search: str | None,
        include_deleted: bool | Literal["only"],
        fields: tuple[str, ...] | None,
    ) -> Page[Any] | CursorPage[Any]:
        order = self._order(sort)
        where = await self._where(filters, search, include_deleted)
        page = page or OffsetPagination(limit=min(DEFAULT_LIMIT, self.max_limit))
        check_limit(page.limit, self.max_limit)
        fetch: Any = self._fetch
        if fields is None:
            stmt: Select[Any] = select(self.model).where(*where)
        else:
            keys = dict.fromkeys([*fields, *(key.field for key in order.keys)])
            stmt = select(*(self._column(name) for name in keys)).where(*where)
            fetch = self._fetch_rows
        if isinstance(page, CursorPagination):
            mapped = self.traits.model.__mapper__.columns
            columns = [mapped[key.field] for key in order.keys]
            return await cursor_page(stmt, order, page, fetch, self._codec, columns)

        async def total(strategy: TotalStrategy) -> int:
            if strategy is TotalStrategy.ESTIMATED and self._dialect_name == "postgresql":
                with self._errors():  # the planner's guess: no scan of the whole match
                    return await estimate_rows(self._unit, select(self._pk).where(*where))
            return await self._count(where)

        return await offset_page(stmt, order, page, fetch, total)

    async def count(
        self,
        filters: FilterLike = None,
        *,
        search: str | None = None,
        include_deleted: bool | Literal["only"] = False,
    ) -> int:
        """How many entities match."""
        return await self._count(await self._where(filters, search, include_deleted))

    async def exists(self, filters: FilterLike = None, *, include_deleted: bool = False) -> bool:
        """Whether any entity matches."""
        where = await self._where(filters, None, include_deleted)
        with self._errors():
            found = await self._unit.scalar(select(self._pk).where(*where).limit(1))
        return found is not None

    # -- writes --------------------------------------------------------------------

    async def create(self, data: Mapping[str, Any]) -> ModelT:
        """Insert one entity (``INSERT … RETURNING``); constraint errors become
        ``DuplicateError`` / ``ForeignKeyError`` / ``IntegrityViolationError``."""
        return (await self.create_many([data]))[0]

    async def create_many(self, rows: Sequence[Mapping[str, Any]]) -> builtins.list[ModelT]:
        """Insert many entities in one statement, all or nothing; returned in input order."""
        return await self._insert(rows, None)

    async def create_values(
        self, rows: Sequence[Mapping[str, Any]], fields: Sequence[str]
    ) -> builtins.list[Any]:
        """``create_many``, answering rows of ``fields`` (``row.name``) instead of entities
        (``BaseService`` uses it when nothing needs the entities)."""
        return await self._insert(rows, tuple(fields))

    async def _insert(
        self, rows: Sequence[Mapping[str, Any]], fields: tuple[str, ...] | None
    ) -> builtins.list[Any]:
        params = [self._row(row, creating=True) for row in rows]
        if not params:
            return []
        self.traits.fill_defaults_all(params)
        dialect = await self._get_dialect()
        if dialect.insert_executemany_returning_sort_by_parameter_order:
            stmt = self._prepare(
                ("insert", fields),
                lambda: self._returning(
                    insert(self._insert_target(fields)), fields, sort_by_parameter_order=True
                ),
            )
            return await self._returned(stmt, params, fields)
        # no ordered RETURNING: give every row its key first, then read them back
        pk = self.traits.pk
        for row in params:
            row.setdefault(pk, self._new_id())
        with self._errors():
            await self._unit.execute(insert(self._insert_target(fields)), params)
        keys = [row[pk] for row in params]
        if fields is None:
            by_id = {self._key(entity): entity for entity in await self.get_many(keys)}
        else:
            names = (*fields, pk) if pk not in fields else fields
            stmt = select(*(self._column(name) for name in names)).where(self._pk.in_(keys))
            by_id = {getattr(row, pk): row for row in await self._fetch_rows(stmt)}
        return [by_id[key] for key in keys]

    async def update(
        self, id: Any, changes: Mapping[str, Any], *, expected_version: int | None = None
    ) -> ModelT:
        """Apply ``changes`` in one ``UPDATE``; ``ConcurrencyError`` if ``expected_version``
        is stale, ``NotFoundError`` if there is no such (live) entity."""
        return cast(ModelT, await self._update(id, changes, expected_version, None))

    async def update_values(
        self,
        id: Any,
        changes: Mapping[str, Any],
        fields: Sequence[str],
        *,
        expected_version: int | None = None,
    ) -> Any:
        """``update``, answering one row of ``fields`` (``row.name``) instead of the entity."""
        return await self._update(id, changes, expected_version, tuple(fields))

    async def _update(
        self,
        id: Any,
        changes: Mapping[str, Any],
        expected_version: int | None,
        fields: tuple[str, ...] | None,
    ) -> Any:
        if expected_version is not None and self.traits.version is None:
            raise ValidationError(f"{self.model.__name__} is not versioned.")
        key = self._id(id)
        if not changes:  # nothing to change: nothing moves, not even the version
            return await self._unchanged(key, expected_version, fields)
        values = {**self._row(changes, creating=False), **self.traits.touch_values()}
        if any(isinstance(value, ClauseElement) for value in values.values()):
            criteria = self._live()
            if expected_version is not None:
                version = getattr(self.model, cast(str, self.traits.version))
                criteria.append(version == expected_version)
            found = await self._update_one(key, criteria, {**values, **self._stamp()}, fields)
        else:
            found = await self._update_prepared(key, values, expected_version, fields)
        if found is not None:
            return found
        current = await self._current(key, fields)  # no row, or another version
        raise ConcurrencyError.stale(
            expected_version, getattr(current, cast(str, self.traits.version))
        )

    async def _unchanged(
        self, key: Any, expected_version: int | None, fields: tuple[str, ...] | None
    ) -> Any:
        """The live row ``key`` as it is (the answer to an empty update)."""
        current = await self._current(key, fields)
        if expected_version is not None:
            found = getattr(current, cast(str, self.traits.version))
            if found != expected_version:
                raise ConcurrencyError.stale(expected_version, found)
        return current

    async def _current(self, key: Any, fields: tuple[str, ...] | None) -> Any:
        """The live row ``key``: the entity, or a row of ``fields`` and the version;
        ``NotFoundError`` when there is none."""
        version = self.traits.version
        if fields is None:
            current = await self.get_or_none(key)
        else:
            extra = () if version is None or version in fields else (version,)
            current = await self._row_or_none(key, (*fields, *extra), False)
        if current is None:
            raise self._not_found(key)
        return current

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
        values = {"deleted_at": utcnow(), **self.traits.touch_values()}
        stmt = self._update_statement(tuple(values), check_version=False, returning=False)
        if await self._rowcount(stmt, _update_params(key, values, None)) == 0:
            raise self._not_found(key)
        if self._unit.has_session:
            self._synchronize(key, values)
        return None

    async def hard_delete(self, id: Any) -> None:
        """Delete the row for good (soft-deleted rows included); ``NotFoundError``."""
        key = self._id(id)
        # in a session, ORM-enabled: the session forgets the deleted object
        target = self.model if self._unit.has_session else self.traits.model.__table__
        if await self._rowcount(delete(target).where(self._pk == key)) == 0:
            raise self._not_found(key)

    async def restore(self, id: Any) -> ModelT:
        """Undo a soft delete; a live row comes back unchanged (restore is idempotent).

        ``NotFoundError`` when there is no row with this id at all.
        """
        if not self.traits.soft_delete:
            raise ValidationError(f"{self.model.__name__} does not support soft delete.")
        key = self._id(id)
        deleted = getattr(self.model, "deleted_at").is_not(None)  # noqa: B009
        values = {"deleted_at": None, **self._stamp()}
        entity = await self._update_one(key, [deleted], values, None)
        return cast(ModelT, entity) if entity is not None else await self.get(key)

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
        return self.traits.pk_column

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
        return NotFoundError.of(self.model.__name__, id)

    def _prepare(self, cache_key: tuple[Any, ...], build: Callable[[], Any]) -> Any:
        """``build()``, kept for the class under ``cache_key`` (up to ``MAX_PREPARED``)."""
        found = self._prepared.get(cache_key)
        if found is None:
            found = build()
            if len(self._prepared) < MAX_PREPARED:
                self._prepared[cache_key] = found
        return found

    def _live(self) -> Criteria:
        if not self.traits.soft_delete:
            return []
        deleted_at = self.traits.model.__mapper__.columns["deleted_at"]
        return [self._prepare(("live",), lambda: deleted_at.is_(None))]

    def _deleted(self) -> Criteria:
        """Soft-deleted rows only (``include_deleted="only"``); none without soft delete."""
        if not self.traits.soft_delete:
            return [false()]
        deleted_at = self.traits.model.__mapper__.columns["deleted_at"]
        return [self._prepare(("deleted",), lambda: deleted_at.is_not(None))]

    def _order(self, sort: SortLike) -> SortOrder:
        def resolve() -> SortOrder:
            return resolve_sort(self.model, sort, self.default_sort, self.sortable, self.traits.pk)

        return resolve() if sort is not None else self._prepare(("default_order",), resolve)

    def _by_key(self, *, include_deleted: bool, for_update: bool) -> Select[Any]:
        """``SELECT`` of the row whose key is the parameter ``_KEY``."""

        def build() -> Select[Any]:
            stmt = self._select(include_deleted).where(self._pk == bindparam(_KEY))
            if for_update:
                stmt = stmt.with_for_update()
            return stmt.execution_options(populate_existing=True)

        return cast(Select[Any], self._prepare(("by_key", include_deleted, for_update), build))

    def _update_statement(
        self,
        columns: tuple[str, ...],
        *,
        check_version: bool,
        returning: bool | tuple[str, ...],
    ) -> Any:
        """``UPDATE`` of the live row ``_KEY`` setting ``columns`` from ``_set_<name>``
        parameters and moving the version (only from version ``_VERSION`` when
        ``check_version``); ``returning`` the entity (``True``) or those fields."""

        def build() -> Any:
            mapped = self.traits.model.__mapper__.columns
            values: dict[Any, Any] = {
                mapped[name]: bindparam(f"_set_{name}", type_=mapped[name].type) for name in columns
            }
            where = [self._pk == bindparam(_KEY), *self._live()]
            if self.traits.version is not None:
                version = mapped[self.traits.version]
                values[version] = version + 1
                if check_version:
                    where.append(version == bindparam(_VERSION))
            # ORM-enabled only where it must build entities
            target = self.model if returning is True else self.traits.model.__table__
            stmt = (
                update(target)
                .where(*where)
                .values(values)
                # bound parameters defeat the ORM's in-Python evaluation: see _synchronize
                .execution_options(synchronize_session=False, populate_existing=True)
            )
            if returning is False:
                return stmt
            return self._returning(stmt, None if returning is True else returning)

        return self._prepare(("update", columns, check_version, returning), build)

    async def _update_prepared(
        self,
        key: Any,
        values: Mapping[str, Any],
        expected_version: int | None,
        fields: tuple[str, ...] | None,
    ) -> Any | None:
        """``update`` through a prebuilt statement; the refreshed entity (or row of
        ``fields``), or ``None``."""
        columns = tuple(values)
        check_version = expected_version is not None
        params = _update_params(key, values, expected_version)
        dialect = await self._get_dialect()
        if dialect.update_returning:
            returning = True if fields is None else fields
            stmt = self._update_statement(columns, check_version=check_version, returning=returning)
            found = await self._returned(stmt, params, fields)
            return found[0] if found else None
        stmt = self._update_statement(columns, check_version=check_version, returning=False)
        if await self._rowcount(stmt, params) == 0:
            return None
        return await self._one_or_none(key, fields)

    def _synchronize(self, key: Any, values: Mapping[str, Any]) -> None:
        """Apply an ``UPDATE`` of row ``key`` to its object in the session, if loaded."""
        identity = self.traits.model.__mapper__.identity_key_from_primary_key([key])
        entity = self.session.sync_session.identity_map.get(identity)
        if entity is None:
            return
        for name, value in values.items():
            set_committed_value(entity, name, value)
        if self.traits.version is not None:
            version = getattr(entity, self.traits.version)
            set_committed_value(entity, self.traits.version, version + 1)

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
        self, filters: FilterLike, search: str | None, include_deleted: bool | Literal["only"]
    ) -> Criteria:
        dialect = self._dialect_name
        compiler: FilterCompiler = self._prepare(
            ("compiler", dialect),
            lambda: FilterCompiler(self.model, self.filterable, self.searchable, dialect),
        )
        where: Criteria = self._deleted() if include_deleted == "only" else []
        if not include_deleted:
            where = self._live()
        criterion = compiler.compile(filters)
        if criterion is not None:
            where.append(criterion)
        if search:
            where.append(compiler.search(search))
        return where

    @property
    def _dialect_name(self) -> str:
        # the name needs no connection (unlike the server-dependent dialect flags)
        unit = self._unit
        if isinstance(unit, UnitOfWork):
            return unit.connection.dialect.name
        return unit.session.get_bind(self.model).dialect.name

    async def _get_dialect(self) -> Dialect:
        if self._dialect is None and isinstance(self._unit, UnitOfWork):
            self._dialect = self._unit.connection.dialect  # connected: the server flags are known
        if self._dialect is None:
            dialect = self.session.get_bind(self.model).dialect
            if dialect.server_version_info is None:
                # its server-dependent flags are known once the engine has connected
                with self._errors():
                    dialect = (await self.session.connection()).dialect
            self._dialect = dialect
        return self._dialect

    async def _fetch(
        self, stmt: Select[Any], parameters: Mapping[str, Any] | None = None
    ) -> builtins.list[ModelT]:
        with self._errors():
            stmt = stmt.execution_options(populate_existing=True)
            return builtins.list((await self.session.scalars(stmt, parameters)).all())

    async def _fetch_rows(
        self, stmt: Select[Any], parameters: Mapping[str, Any] | None = None
    ) -> builtins.list[Any]:
        with self._errors():
            return builtins.list((await self._unit.execute(stmt, parameters)).all())

    def _column(self, name: str) -> Any:
        """The table column of attribute ``name`` (labelled ``name`` where the column's key
        differs), for statements that build no entities: ORM attributes would make each
        execution costlier (annotated cache keys, the ORM compile state)."""

        def build() -> Any:
            if name not in self.traits.model.__mapper__.column_attrs:
                raise ConfigurationError(f"{self.model.__name__} has no column attribute {name!r}.")
            column = self.traits.model.__mapper__.columns[name]
            return column if column.key == name else column.label(name)

        return self._prepare(("column", name), build)

    async def _count(self, where: Criteria) -> int:
        unfiltered = self._live()
        if len(where) == len(unfiltered) and all(map(operator.is_, where, unfiltered)):
            stmt = self._prepare(("count",), lambda: self._count_statement(where))
        else:
            stmt = self._count_statement(where)
        with self._errors():
            return int(await self._unit.scalar(stmt) or 0)

    def _count_statement(self, where: Criteria) -> Select[Any]:
        return select(func.count()).select_from(self.traits.model.__table__).where(*where)

    async def _rowcount(self, stmt: Any, params: Mapping[str, Any] | None = None) -> int:
        with self._errors():
            result = await self._unit.execute(stmt, params)
        return int(cast(CursorResult[Any], result).rowcount)

    async def _update_one(
        self,
        key: Any,
        criteria: Criteria,
        values: Mapping[str, Any],
        fields: tuple[str, ...] | None,
    ) -> Any | None:
        """One ``UPDATE`` of the row ``key``; the refreshed entity (or row of ``fields``),
        or ``None`` if no row."""
        stmt = (
            update(self.model)
            .where(self._pk == key, *criteria)
            .values(values)
            .execution_options(synchronize_session=False, populate_existing=True)
        )
        dialect = await self._get_dialect()
        if dialect.update_returning:
            found = await self._returned(self._returning(stmt, fields), None, fields)
            return found[0] if found else None
        if await self._rowcount(stmt) == 0:
            return None
        return await self._one_or_none(key, fields)

    async def _one_or_none(self, key: Any, fields: tuple[str, ...] | None) -> Any | None:
        """The row ``key`` just written (deleted or not): the entity, or a row of ``fields``."""
        if fields is None:
            return await self.get_or_none(key, include_deleted=True)
        return await self._row_or_none(key, fields, True)

    def _insert_target(self, fields: tuple[str, ...] | None) -> Any:
        """The model for entities; else its table, where rows' keys name its columns."""
        if fields is None or not self.traits.keys_are_column_keys:
            return self.model
        return self.traits.model.__table__

    def _returning(self, stmt: Any, fields: tuple[str, ...] | None, **options: Any) -> Any:
        """``stmt`` returning the entity (``fields`` is None) or those columns."""
        if fields is None:
            return stmt.returning(self.model, **options)
        return stmt.returning(*(self._column(name) for name in fields), **options)

    async def _returned(
        self, stmt: Any, params: Any, fields: tuple[str, ...] | None
    ) -> builtins.list[Any]:
        """Run ``stmt`` (with ``RETURNING``): entities through the session, else rows."""
        with self._errors():
            if fields is None:
                return builtins.list((await self.session.scalars(stmt, params)).all())
            return builtins.list((await self._unit.execute(stmt, params)).all())

    @contextmanager
    def _errors(self) -> Iterator[None]:
        """Translate database errors, naming the fields of a violated unique constraint."""
        try:
            with translate_db_errors():
                yield
        except DuplicateError as error:
            _name_fields(error, self.model)
            raise


# sessions for repositories built on a bare connection (joined to its transaction)
_SESSIONS = async_sessionmaker(expire_on_commit=False)


class _SessionUnit:
    """A repository built on an ``AsyncSession``: every statement goes through it."""

    __slots__ = ("session",)
    has_session = True

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def execute(self, statement: Any, parameters: Any = None) -> Result[Any]:
        result: Result[Any] = await self.session.execute(statement, parameters)
        return result

    async def scalar(self, statement: Any, parameters: Mapping[str, Any] | None = None) -> Any:
        return await self.session.scalar(statement, parameters)


def _update_params(
    key: Any, values: Mapping[str, Any], expected_version: int | None
) -> dict[str, Any]:
    """Parameters of a statement from ``SQLAlchemyRepository._update_statement``."""
    params = {_KEY: key, **{f"_set_{name}": value for name, value in values.items()}}
    if expected_version is not None:
        params[_VERSION] = expected_version
    return params


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
