"""The core every ``SQLAlchemyRepository`` operation stands on: the declarations read
when a subclass is defined, the unit of work the statements run in, and the helpers reads,
writes and deletes share (key coercion, criteria, error translation, the dialect, one
ad hoc ``UPDATE``).

The operations themselves are mixins over this core (``reads``, ``writes``, ``deletes``),
composed in ``foundation.repository.sqlalchemy``.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, ClassVar, Generic, Literal, TypeVar, cast

from sqlalchemy import Select, update
from sqlalchemy.engine import CursorResult, Dialect, Result
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker

from foundation.db.plain_reads import NO_OPTIONS
from foundation.db.unit import UnitOfWork
from foundation.errors import (
    ConfigurationError,
    DuplicateError,
    NotFoundError,
    ValidationError,
    translate_db_errors,
)
from foundation.repository.checking import check_writable
from foundation.repository.children import Children, adopt
from foundation.repository.cursor import CursorCodec
from foundation.repository.filters import FilterLike, Op, SortLike
from foundation.repository.pagination import DEFAULT_MAX_LIMIT
from foundation.repository.sorting import check_sortable
from foundation.repository.statements import ENTITIES, KEY, Criteria, Projection, Statements
from foundation.repository.traits import ModelTraits, check_allow_lists, read_traits
from foundation.repository.values import coerce

ModelT = TypeVar("ModelT")


class RepositoryCore(Generic[ModelT]):
    """What every repository operation shares: the declarations, checked when a subclass
    is defined, the unit of work, and the helpers (``SQLAlchemyRepository`` documents
    the declarations)."""

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

    # -- helpers shared by reads, writes and deletes -------------------------------

    @property
    def _pk(self) -> Any:
        return self.traits.pk_column

    def _id(self, value: Any) -> Any:
        try:
            return coerce(self.traits.pk_column, value, field=self.traits.pk)
        except ValidationError as exc:
            raise self._not_found(value) from exc

    def _name(self, key: Any) -> str:
        return f"{self.model.__name__} {key}"

    def _not_found(self, id: Any) -> NotFoundError:
        return NotFoundError.of(self.model.__name__, id)

    def _entities(self, include_deleted: bool) -> Select[Any]:
        stmt = ENTITIES.select(self.statements)
        return stmt if include_deleted else stmt.where(*self.statements.live)

    async def _run(self, projection: Projection, stmt: Any, parameters: Any = None) -> list[Any]:
        with self._errors():
            return await projection.run(self._unit, stmt, parameters)

    async def _read(self, projection: Projection, stmt: Any, parameters: Any = None) -> list[Any]:
        """``_run`` for a plain ``SELECT`` (no lock): in a read-only unit it may run without
        a transaction of its own (``foundation.db.plain_reads``)."""
        with self._errors():
            return await projection.run(self._unit, stmt, parameters, self._unit.read_options)

    async def _by_key(
        self, projection: Projection, key: Any, include_deleted: bool, for_update: bool
    ) -> list[Any]:
        """The row ``key`` in ``projection`` (a list of at most one)."""
        stmt = self.statements.by_key(projection, include_deleted, for_update)
        options = NO_OPTIONS if for_update else self._unit.read_options
        with self._errors():
            return await projection.run(self._unit, stmt, {KEY: key}, options)

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

    def _stamp(self) -> dict[str, Any]:
        """Values every write sets: touched columns and the next version."""
        values = self.traits.touch_values()
        if self.traits.version is not None:
            values[self.traits.version] = getattr(self.model, self.traits.version) + 1
        return values

    def _row(self, data: Mapping[str, Any], *, creating: bool) -> dict[str, Any]:
        traits = self.traits
        managed = traits.managed_on_create if creating else traits.managed_on_update
        if not data.keys() <= traits.columns or not managed.isdisjoint(data):
            check_writable(data, traits.columns, managed)
        row = dict(data)
        for key in traits.parsed_from_text & row.keys():
            value = row[key]
            if isinstance(value, str):  # '0195…' for a key, an ISO time: parsed or a 422
                row[key] = coerce(traits.column(key), value, field=key)
        return row

    def _where(
        self, filters: FilterLike, search: str | None, include_deleted: bool | Literal["only"]
    ) -> Criteria:
        statements = self.statements
        compiler = statements.compiler(self._dialect_name)
        if include_deleted == "only":
            where: Criteria = list(statements.deleted)
        else:
            where = [] if include_deleted else list(statements.live)
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
    read_options = NO_OPTIONS  # the session's owner decides its transaction

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def execute(
        self,
        statement: Any,
        parameters: Any = None,
        execution_options: Mapping[str, Any] = NO_OPTIONS,
    ) -> Result[Any]:
        result: Result[Any] = await self.session.execute(
            statement, parameters, execution_options=execution_options
        )
        return result

    async def scalar(
        self,
        statement: Any,
        parameters: Mapping[str, Any] | None = None,
        execution_options: Mapping[str, Any] = NO_OPTIONS,
    ) -> Any:
        return await self.session.scalar(statement, parameters, execution_options=execution_options)


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
