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
from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from functools import partial
from typing import Any, ClassVar, Generic, Literal, TypeVar, cast

from sqlalchemy import (
    ClauseElement,
    Select,
    and_,
    delete,
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
from foundation.repository.checking import check_writable
from foundation.repository.children import (
    Children,
    adopt,
    cascade_delete,
    cascade_hard_delete,
    cascade_restore,
    cascades,
    guarding_parents,
    refuse_children,
    refuse_restore_under_deleted_parent,
)
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
    pagination_mismatch,
)
from foundation.repository.paging import check_limit, cursor_page, offset_page
from foundation.repository.soft_delete import restore_conflict
from foundation.repository.sorting import SortOrder, check_sortable
from foundation.repository.statements import (
    ENTITIES,
    KEY,
    Criteria,
    Projection,
    Rows,
    Statements,
    update_params,
)
from foundation.repository.traits import ModelTraits, check_allow_lists, read_traits
from foundation.repository.upsert import upsert_statement
from foundation.repository.values import coerce

ModelT = TypeVar("ModelT")


class SQLAlchemyRepository(Generic[ModelT]):
    """Async data access for ``model`` within one unit of work.

    Built on a ``UnitOfWork`` (``Database.unit()``), statements run on the unit's
    connection until an entity method asks for its session, and through the session from
    then on. An ``AsyncSession`` or an ``AsyncConnection`` serve as well: a connection gets
    a session of its own on first use, joined to its transaction.

    Every operation answers entities, or rows of named fields through its ``*_values``
    twin (``row.name``, no ORM object built): one implementation serves both.

    Allow-lists: ``filterable`` maps a field to the operators it accepts, ``sortable`` and
    ``searchable`` name fields (sortable columns must be NOT NULL). ``max_limit`` bounds
    page sizes: a larger ``limit`` is a ``ValidationError``, not silently clamped.
    ``cursor_secret`` (optional) HMAC-signs keyset cursors. ``children`` says what a delete
    does to rows that refer to this one (``foundation.repository.children``); the
    repositories it names learn of this parent when the class is defined, and refuse to
    restore a row under a deleted ``CASCADE`` or ``REFUSE`` parent.
    """

    model: type[ModelT]
    filterable: ClassVar[Mapping[str, Collection[Op]]] = {}
    sortable: ClassVar[Collection[str]] = ()
    searchable: ClassVar[Sequence[str]] = ()
    default_sort: ClassVar[SortLike] = None
    max_limit: ClassVar[int] = DEFAULT_MAX_LIMIT
    cursor_secret: ClassVar[bytes | None] = None
    children: ClassVar[tuple[Children, ...]] = ()
    traits: ClassVar[ModelTraits]
    statements: ClassVar[Statements]
    """The statements of this class, built once (each class its own: a subclass may
    change the default sort)."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        model = getattr(cls, "model", None)
        if model is None:
            return  # an intermediate base; concrete subclasses name the model
        cls.traits = read_traits(model)
        check_allow_lists(cls.traits, cls.filterable, cls.searchable)
        check_sortable(model, cls.sortable)
        cls.statements = Statements(
            cls.traits, cls.filterable, cls.searchable, cls.sortable, cls.default_sort
        )
        if cls.children:
            adopt(cls, cls.children)

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
        return await self._run(ENTITIES, stmt)

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
        rows = await self._run(ENTITIES, self._entities(True).where(*where).limit(2))
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

        return await offset_page(stmt, order, page, partial(self._run, projection), total)

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
        fetch = partial(self._run, projection)
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
            found = await self._unit.scalar(select(self._pk).where(*where).limit(1))
        return found is not None

    # -- writes --------------------------------------------------------------------

    async def create(self, data: Mapping[str, Any]) -> ModelT:
        """Insert one entity (``INSERT … RETURNING``); constraint errors become
        ``DuplicateError`` / ``ForeignKeyError`` / ``IntegrityViolationError``. Goes
        through ``create_many``: an override there applies here too."""
        return (await self.create_many([data]))[0]

    async def create_many(self, rows: Sequence[Mapping[str, Any]]) -> builtins.list[ModelT]:
        """Insert many entities in one statement, all or nothing; returned in input order."""
        return await self._insert(ENTITIES, rows)

    async def create_values(
        self, rows: Sequence[Mapping[str, Any]], fields: Sequence[str]
    ) -> builtins.list[Any]:
        """``create_many``, answering rows of ``fields`` (``row.name``) instead of entities."""
        return await self._insert(Rows(fields), rows)

    async def _insert(
        self, projection: Projection, rows: Sequence[Mapping[str, Any]]
    ) -> builtins.list[Any]:
        params = [self._row(row, creating=True) for row in rows]
        if not params:
            return []
        self.traits.fill_defaults_all(params)
        dialect = await self._get_dialect()
        statements = self.statements
        if dialect.insert_executemany_returning_sort_by_parameter_order:
            return await self._run(projection, statements.insert(projection), params)
        # no ordered RETURNING: give every row its key first, then read them back
        pk = self.traits.pk
        for row in params:
            row.setdefault(pk, self._new_id())
        with self._errors():
            await self._unit.execute(insert(projection.target(statements)), params)
        keys = [row[pk] for row in params]
        keyed = projection.with_field(pk)
        stmt = keyed.select(statements).where(self._pk.in_(keys))
        by_id = {getattr(item, pk): item for item in await self._run(keyed, stmt)}
        return [by_id[key] for key in keys]

    async def update(
        self, id: Any, changes: Mapping[str, Any], *, expected_version: int | None = None
    ) -> ModelT:
        """Apply ``changes`` in one ``UPDATE``; ``ConcurrencyError`` if ``expected_version``
        is stale, ``NotFoundError`` if there is no such (live) entity."""
        return cast(ModelT, await self._update(ENTITIES, id, changes, expected_version))

    async def update_values(
        self,
        id: Any,
        changes: Mapping[str, Any],
        fields: Sequence[str],
        *,
        expected_version: int | None = None,
    ) -> Any:
        """``update``, answering one row of ``fields`` (``row.name``) instead of the entity."""
        return await self._update(Rows(fields), id, changes, expected_version)

    async def _update(
        self,
        projection: Projection,
        id: Any,
        changes: Mapping[str, Any],
        expected_version: int | None,
    ) -> Any:
        version = self.traits.version
        if expected_version is not None and version is None:
            raise ValidationError(f"{self.model.__name__} is not versioned.")
        key = self._id(id)
        if not changes:  # nothing to change: nothing moves, not even the version
            return await self._unchanged(projection, key, expected_version)
        values = {**self._row(changes, creating=False), **self.traits.touch_values()}
        if any(isinstance(value, ClauseElement) for value in values.values()):
            criteria = builtins.list(self.statements.live)
            if expected_version is not None:
                criteria.append(getattr(self.model, cast(str, version)) == expected_version)
            stamped = {**values, **self._stamp()}
            found = await self._update_one(projection, key, criteria, stamped)
        else:
            found = await self._update_prepared(projection, key, values, expected_version)
        if found is not None:
            return found
        current = await self._current(projection, key)  # no row, or another version
        raise ConcurrencyError.stale(expected_version, getattr(current, cast(str, version)))

    async def _unchanged(
        self, projection: Projection, key: Any, expected_version: int | None
    ) -> Any:
        """The live row ``key`` as it is (the answer to an empty update)."""
        current = await self._current(projection, key)
        if expected_version is not None:
            found = getattr(current, cast(str, self.traits.version))
            if found != expected_version:
                raise ConcurrencyError.stale(expected_version, found)
        return current

    async def _current(self, projection: Projection, key: Any) -> Any:
        """The live row ``key`` in ``projection``, with its version; ``NotFoundError``
        when there is none."""
        found = await self._by_key(projection.with_field(self.traits.version), key, False, False)
        if not found:
            raise self._not_found(key)
        return found[0]

    async def update_many(self, filters: FilterLike, changes: Mapping[str, Any]) -> int:
        """Apply ``changes`` to every live match in one statement; return how many."""
        where = self._where(filters, None, False)
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
            for entity in await self._run(ENTITIES, self._entities(True).where(match)):
                found[tuple(getattr(entity, c) for c in conflict)] = entity
        return [found[key] for key in unique if key in found]

    async def delete(self, id: Any) -> None:
        """Soft-delete when the model supports it, delete otherwise; ``NotFoundError``."""
        if not self.traits.soft_delete:
            return await self.hard_delete(id)
        key = self._id(id)
        if self.children:
            with self._errors():
                await refuse_children(self._unit, self._name(key), self.children, key)
        values = {"deleted_at": utcnow(), **self.traits.touch_values()}
        stmt = self.statements.update(tuple(values), False, None)
        if await self._rowcount(stmt, update_params(key, values, None)) == 0:
            raise self._not_found(key)
        if self.children:
            with self._errors():
                await cascade_delete(self._unit, self.children, key, values["deleted_at"])
        if self._unit.has_session:
            self._synchronize(key, values)
        return None

    async def hard_delete(self, id: Any) -> None:
        """Delete the row for good (soft-deleted rows included); ``NotFoundError``.

        ``CASCADE`` children go for good with it (soft-deleted ones too); a ``REFUSE``
        child row, live or deleted, makes it a ``ConflictError`` and nothing is deleted;
        ``LEAVE`` children are the foreign key's business (``ForeignKeyError``).
        """
        key = self._id(id)
        if self.children:
            this = select(self._pk).where(self._pk == key)  # no row: no child is touched
            await self._delete_children(self._name(key), this, None)
        # in a session, ORM-enabled: the session forgets the deleted object
        target = self.model if self._unit.has_session else self.statements.table
        if await self._rowcount(delete(target).where(self._pk == key)) == 0:
            raise self._not_found(key)

    async def _delete_children(
        self, parent: str, parent_keys: Select[Any], when: datetime | None
    ) -> None:
        """Apply ``children`` to the rows ``parent_keys`` selects, before they go: refuse,
        or cascade softly at ``when`` (for good when ``None``)."""
        with self._errors():
            hard = when is None
            await refuse_children(self._unit, parent, self.children, parent_keys, hard=hard)
            if when is None:
                await cascade_hard_delete(self._unit, self.children, parent_keys)
            else:
                await cascade_delete(self._unit, self.children, parent_keys, when)

    async def restore(self, id: Any) -> ModelT:
        """Undo a soft delete; a live row comes back unchanged (restore is idempotent).

        ``NotFoundError`` when there is no row with this id at all; ``DuplicateError``
        when a live row has taken one of its unique values since (``unique_among_live``);
        ``ConflictError`` while its parent is deleted, when that parent declares it a
        ``CASCADE`` or ``REFUSE`` child (restore the parent first).
        """
        if not self.traits.soft_delete:
            raise ValidationError(f"{self.model.__name__} does not support soft delete.")
        key = self._id(id)
        parents = guarding_parents(type(self))
        if parents:  # a live child under a deleted parent would break the parent's policy
            with self._errors():
                await refuse_restore_under_deleted_parent(self._unit, self.traits, parents, key)
        deleted_at = self.traits.model.__mapper__.columns["deleted_at"]
        when = None
        if cascades(self.children):  # the children deleted with it carry its deletion time
            with self._errors():
                when = await self._unit.scalar(select(deleted_at).where(self._pk == key))
        values = {"deleted_at": None, **self._stamp()}
        try:
            entity = await self._update_one(ENTITIES, key, [deleted_at.is_not(None)], values)
        except DuplicateError as error:
            raise restore_conflict(self.model.__name__, key, error) from error
        if entity is None:
            return await self.get(key)
        if when is not None:
            with self._errors():
                await cascade_restore(self._unit, self.children, key, when)
        return cast(ModelT, entity)

    async def delete_many(self, filters: FilterLike) -> int:
        """Delete (softly where supported) every live match; return how many.

        The ``children`` policies apply to every match as ``delete`` applies them to one,
        in the same unit of work: a ``REFUSE`` child holding back any match is a
        ``ConflictError`` and nothing is deleted.
        """
        where = self._where(filters, None, False)
        when = utcnow() if self.traits.soft_delete else None
        if self.children:  # the children first, while their parents still match the filter
            matched = select(self._pk).where(*where)
            await self._delete_children(f"A matching {self.model.__name__}", matched, when)
        stmt: Any
        if when is not None:
            stmt = update(self.model).where(*where).values(deleted_at=when, **self._stamp())
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

    def _new_id(self) -> Any:
        default = self.traits.pk_column.default
        if default is None or not getattr(default, "is_callable", False):
            raise ConfigurationError(f"{self.model.__name__} cannot generate keys in Python.")
        return default.arg(None)  # type: ignore[attr-defined]  # callable defaults take a context

    def _name(self, key: Any) -> str:
        return f"{self.model.__name__} {key}"

    def _not_found(self, id: Any) -> NotFoundError:
        return NotFoundError.of(self.model.__name__, id)

    def _entities(self, include_deleted: bool) -> Select[Any]:
        stmt = ENTITIES.select(self.statements)
        return stmt if include_deleted else stmt.where(*self.statements.live)

    async def _run(
        self, projection: Projection, stmt: Any, parameters: Any = None
    ) -> builtins.list[Any]:
        with self._errors():
            return await projection.run(self._unit, stmt, parameters)

    async def _by_key(
        self, projection: Projection, key: Any, include_deleted: bool, for_update: bool
    ) -> builtins.list[Any]:
        """The row ``key`` in ``projection`` (a list of at most one)."""
        stmt = self.statements.by_key(projection, include_deleted, for_update)
        with self._errors():
            return await projection.run(self._unit, stmt, {KEY: key})

    async def _update_prepared(
        self,
        projection: Projection,
        key: Any,
        values: Mapping[str, Any],
        expected_version: int | None,
    ) -> Any | None:
        """``update`` through a prebuilt statement: the row in ``projection``, or ``None``."""
        columns = tuple(values)
        check_version = expected_version is not None
        params = update_params(key, values, expected_version)
        dialect = await self._get_dialect()
        if dialect.update_returning:
            stmt = self.statements.update(columns, check_version, projection)
            found = await self._run(projection, stmt, params)
            return found[0] if found else None
        stmt = self.statements.update(columns, check_version, None)
        if await self._rowcount(stmt, params) == 0:
            return None
        return await self._written(projection, key)

    async def _update_one(
        self, projection: Projection, key: Any, criteria: Criteria, values: Mapping[str, Any]
    ) -> Any | None:
        """One ad hoc ``UPDATE`` of the row ``key``: the row in ``projection``, or ``None``."""
        stmt = (
            update(self.model)
            .where(self._pk == key, *criteria)
            .values(values)
            .execution_options(synchronize_session=False, populate_existing=True)
        )
        dialect = await self._get_dialect()
        if dialect.update_returning:
            found = await self._run(projection, projection.returning(self.statements, stmt))
            return found[0] if found else None
        if await self._rowcount(stmt) == 0:
            return None
        return await self._written(projection, key)

    async def _written(self, projection: Projection, key: Any) -> Any | None:
        """The row ``key`` just written (deleted or not), read back in ``projection``."""
        found = await self._by_key(projection, key, True, False)
        return found[0] if found else None

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

    def _stamp(self) -> dict[str, Any]:
        """Values every write sets: touched columns and the next version."""
        values = self.traits.touch_values()
        if self.traits.version is not None:
            values[self.traits.version] = getattr(self.model, self.traits.version) + 1
        return values

    def _row(self, data: Mapping[str, Any], *, creating: bool) -> dict[str, Any]:
        traits = self.traits
        unknown = set(data) - traits.columns
        if unknown or traits.version in data or (not creating and traits.pk in data):
            managed = (traits.version,) if creating else (traits.pk, traits.version)
            check_writable(data, traits.columns, [name for name in managed if name])
        return dict(data)

    def _where(
        self, filters: FilterLike, search: str | None, include_deleted: bool | Literal["only"]
    ) -> Criteria:
        statements = self.statements
        compiler = statements.compiler(self._dialect_name)
        if include_deleted == "only":
            where: Criteria = builtins.list(statements.deleted)
        else:
            where = [] if include_deleted else builtins.list(statements.live)
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

    async def _count(self, where: Criteria) -> int:
        live = self.statements.live
        if len(where) == len(live) and all(map(operator.is_, where, live)):
            stmt = self.statements.count  # unfiltered: the prebuilt statement
        else:
            stmt = select(func.count()).select_from(self.statements.table).where(*where)
        with self._errors():
            return int(await self._unit.scalar(stmt) or 0)

    async def _rowcount(self, stmt: Any, params: Mapping[str, Any] | None = None) -> int:
        with self._errors():
            result = await self._unit.execute(stmt, params)
        return int(cast(CursorResult[Any], result).rowcount)

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


def _name_fields(error: DuplicateError, model: Any) -> None:
    table = model.__table__
    constraint = error.details.get("constraint")
    fields = error.details.get("fields")
    for candidate in [*table.constraints, *table.indexes]:
        # a generated column (``unique_among_live``'s marker on MariaDB) is no field
        names = [column.name for column in candidate.columns if column.computed is None]
        if candidate.name == constraint and not fields:
            error.details["fields"] = names
        elif constraint is None and fields and sorted(names) == sorted(fields):
            error.details["constraint"] = candidate.name
