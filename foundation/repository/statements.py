"""What a repository's statements answer (``Projection``) and the statements themselves,
built once per repository class (``Statements``).

Building an ORM statement and its cache key costs more CPU than the database spends
running a read by key, so the statements a request runs most are made once, with bound
parameters, and kept on the class. Their number is bounded by the class's declarations,
except ``UPDATE``s (one per set of columns a client sends): those live in a small
least-recently-used table, so an unusual mix of fields is rebuilt, never refused.
"""

from __future__ import annotations

import builtins
from collections.abc import Hashable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, Select, bindparam, false, func, insert, select, update

from foundation.db.plain_reads import NO_OPTIONS
from foundation.errors import ConfigurationError
from foundation.models import INCLUDE_DELETED
from foundation.repository.compiler import FilterCompiler
from foundation.repository.records import records
from foundation.repository.sorting import SortOrder, resolve_sort

if TYPE_CHECKING:
    from foundation.repository.traits import ModelTraits

Criteria = builtins.list[ColumnElement[bool]]
# bound parameter names in prebuilt statements (column values are ``_set_<name>``)
KEY = "_foundation_key"
VERSION = "_foundation_version"
UPDATES_KEPT = 128  # per repository class: update statements vary with the fields sent


class Projection:
    """What a statement answers: the model's entities (``ENTITIES``) or rows of named
    columns (``Rows(fields)``, read as ``row.name``). Every read and write of the
    repository is written once, for any projection."""

    __slots__ = ()
    key: Hashable

    def select(self, statements: Statements, extra: Sequence[str] = ()) -> Select[Any]:
        """``SELECT`` of this projection (rows also carry the ``extra`` columns)."""
        raise NotImplementedError

    def returning(self, statements: Statements, stmt: Any, **options: Any) -> Any:
        """``stmt`` with a ``RETURNING`` of this projection."""
        raise NotImplementedError

    def target(self, statements: Statements) -> Any:
        """What an ``UPDATE`` or ``INSERT`` names: the mapped class where entities must
        be built, the table otherwise (cheaper to compile and run)."""
        raise NotImplementedError

    def with_field(self, name: str | None) -> Projection:
        """This projection, also answering ``name`` (entities answer everything)."""
        raise NotImplementedError

    async def run(
        self, unit: Any, stmt: Any, parameters: Any = None, options: Any = NO_OPTIONS
    ) -> builtins.list[Any]:
        """Run ``stmt`` with the execution ``options``: entities through the unit's session,
        rows on its connection."""
        raise NotImplementedError


class _Entities(Projection):
    __slots__ = ()
    key = "entities"

    def select(self, statements: Statements, extra: Sequence[str] = ()) -> Select[Any]:
        # reads refresh objects already in the session: a bulk statement that bypassed
        # the identity map must never be observed stale. They filter soft-deleted rows
        # themselves (or must see them): no loader criteria (foundation.models.loading).
        return select(statements.model).execution_options(
            populate_existing=True, **{INCLUDE_DELETED: True}
        )

    def returning(self, statements: Statements, stmt: Any, **options: Any) -> Any:
        return stmt.returning(statements.model, **options)

    def target(self, statements: Statements) -> Any:
        return statements.model

    def with_field(self, name: str | None) -> Projection:
        return self

    async def run(
        self, unit: Any, stmt: Any, parameters: Any = None, options: Any = NO_OPTIONS
    ) -> builtins.list[Any]:
        scalars = await unit.session.scalars(stmt, parameters, execution_options=options)
        return builtins.list(scalars.all())

    def __repr__(self) -> str:
        return "ENTITIES"


ENTITIES: Projection = _Entities()


class Rows(Projection):
    """Rows of ``fields`` (named tuples, see ``records``): no ORM object is built."""

    __slots__ = ("fields", "key")

    def __init__(self, fields: Sequence[str]) -> None:
        self.fields = tuple(fields)
        self.key = self.fields

    def select(self, statements: Statements, extra: Sequence[str] = ()) -> Select[Any]:
        names = dict.fromkeys([*self.fields, *extra]) if extra else self.fields
        return select(*(statements.column(name) for name in names))

    def returning(self, statements: Statements, stmt: Any, **options: Any) -> Any:
        return stmt.returning(*(statements.column(name) for name in self.fields), **options)

    def target(self, statements: Statements) -> Any:
        # rows' keys name the table's columns only when every attribute does
        return statements.table if statements.traits.keys_are_column_keys else statements.model

    def with_field(self, name: str | None) -> Projection:
        return self if name is None or name in self.fields else Rows((*self.fields, name))

    async def run(
        self, unit: Any, stmt: Any, parameters: Any = None, options: Any = NO_OPTIONS
    ) -> builtins.list[Any]:
        return records(await unit.execute(stmt, parameters, options))

    def __repr__(self) -> str:
        return f"Rows({self.fields!r})"


class Statements:
    """The statements, clauses and columns of one repository class, built on first use.

    ``live`` is the soft-delete criterion (empty for models without it), ``default_order``
    the class's sort, ``count`` the unfiltered count of live rows.
    """

    def __init__(
        self,
        traits: ModelTraits,
        filterable: Mapping[str, Any],
        searchable: Sequence[str],
        sortable: Any,
        default_sort: Any,
    ) -> None:
        self.traits = traits
        self.model = traits.model
        self.table = traits.model.__table__
        self._mapped = traits.model.__mapper__.columns
        self.pk = traits.pk_column
        self.live: Criteria = [self._mapped["deleted_at"].is_(None)] if traits.soft_delete else []
        # ``include_deleted="only"``: soft-deleted rows (none without soft delete)
        self.deleted: Criteria = (
            [self._mapped["deleted_at"].is_not(None)] if traits.soft_delete else [false()]
        )
        self.default_order: SortOrder = resolve_sort(
            traits.model, None, default_sort, sortable, traits.pk
        )
        self.count = select(func.count()).select_from(self.table).where(*self.live)
        self._filterable = filterable
        self._searchable = searchable
        self._columns: dict[str, Any] = {}
        self._compilers: dict[str, FilterCompiler] = {}
        self._by_key: dict[tuple[Hashable, bool, bool], Any] = {}
        self._inserts: dict[Hashable, Any] = {}
        self._updates: dict[tuple[Any, ...], Any] = {}

    def column(self, name: str) -> Any:
        """The table column of attribute ``name`` (labelled ``name`` where the column's
        key differs): ORM attributes would make each execution costlier (annotated cache
        keys, the ORM compile state)."""
        found = self._columns.get(name)
        if found is None:
            if name not in self.traits.model.__mapper__.column_attrs:
                raise ConfigurationError(f"{self.model.__name__} has no column attribute {name!r}.")
            column = self._mapped[name]
            found = self._columns[name] = column if column.key == name else column.label(name)
        return found

    def compiler(self, dialect: str) -> FilterCompiler:
        """The filter compiler of this class for ``dialect``."""
        found = self._compilers.get(dialect)
        if found is None:
            found = self._compilers[dialect] = FilterCompiler(
                self.model, self._filterable, self._searchable, dialect
            )
        return found

    def by_key(self, projection: Projection, include_deleted: bool, for_update: bool) -> Any:
        """``SELECT`` of ``projection`` for the row whose key is the parameter ``KEY``."""
        cache_key = (projection.key, include_deleted, for_update)
        found = self._by_key.get(cache_key)
        if found is None:
            stmt = projection.select(self).where(self.pk == bindparam(KEY))
            if not include_deleted:
                stmt = stmt.where(*self.live)
            if for_update:
                stmt = stmt.with_for_update()
            found = self._by_key[cache_key] = stmt
        return found

    def insert(self, projection: Projection) -> Any:
        """``INSERT … RETURNING`` of ``projection``, rows returned in parameter order."""
        found = self._inserts.get(projection.key)
        if found is None:
            found = self._inserts[projection.key] = projection.returning(
                self, insert(projection.target(self)), sort_by_parameter_order=True
            )
        return found

    def update(
        self, columns: tuple[str, ...], check_version: bool, projection: Projection | None
    ) -> Any:
        """``UPDATE`` of the live row ``KEY`` setting ``columns`` from ``_set_<name>``
        parameters and moving the version (only from version ``VERSION`` when
        ``check_version``); returning ``projection`` (``None``: nothing)."""
        cache_key = (columns, check_version, None if projection is None else projection.key)
        updates = self._updates
        found = updates.pop(cache_key, None)  # re-inserted below: most recent last
        if found is None:
            found = self._build_update(columns, check_version, projection)
            if len(updates) >= UPDATES_KEPT:
                del updates[next(iter(updates))]  # the least recently used
        updates[cache_key] = found
        return found

    def _build_update(
        self, columns: tuple[str, ...], check_version: bool, projection: Projection | None
    ) -> Any:
        mapped = self._mapped
        values: dict[Any, Any] = {
            mapped[name]: bindparam(f"_set_{name}", type_=mapped[name].type) for name in columns
        }
        where = [self.pk == bindparam(KEY), *self.live]
        version_key = self.traits.version
        if version_key is not None:
            version = mapped[version_key]
            values[version] = version + 1
            if check_version:
                where.append(version == bindparam(VERSION))
        target = self.table if projection is None else projection.target(self)
        stmt = (
            update(target)
            .where(*where)
            .values(values)
            # bound parameters defeat the ORM's in-Python evaluation: the repository
            # applies the change to a loaded object itself
            .execution_options(synchronize_session=False, populate_existing=True)
        )
        return stmt if projection is None else projection.returning(self, stmt)

    def order(self, sort: Any, sortable: Any, default_sort: Any) -> SortOrder:
        """The sort order for ``sort`` (the class's default when ``None``)."""
        if sort is None:
            return self.default_order
        return resolve_sort(self.model, sort, default_sort, sortable, self.traits.pk)


def update_params(
    key: Any, values: Mapping[str, Any], expected_version: int | None
) -> dict[str, Any]:
    """Parameters of a statement from ``Statements.update``."""
    params = {KEY: key, **{f"_set_{name}": value for name, value in values.items()}}
    if expected_version is not None:
        params[VERSION] = expected_version
    return params
