"""Writes: inserts, updates (one row or many) and upserts, each a single statement."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeVar, cast

from sqlalchemy import ClauseElement, and_, insert, or_, select, update

from foundation.errors import ConcurrencyError, ConfigurationError, ValidationError
from foundation.repository.children import guarding_parents, refuse_revival_under_deleted_parent
from foundation.repository.core import RepositoryCore
from foundation.repository.filters import FilterLike
from foundation.repository.statements import ENTITIES, Projection, Rows, update_params
from foundation.repository.upsert import upsert_statement

ModelT = TypeVar("ModelT")


class Writes(RepositoryCore[ModelT]):
    """Inserts, updates and upserts of ``SQLAlchemyRepository``."""

    async def create(self, data: Mapping[str, Any]) -> ModelT:
        """Insert one entity (``INSERT … RETURNING``); constraint errors become
        ``DuplicateError`` / ``ForeignKeyError`` / ``IntegrityViolationError``. Goes
        through ``create_many``: an override there applies here too."""
        return (await self.create_many([data]))[0]

    async def create_many(self, rows: Sequence[Mapping[str, Any]]) -> list[ModelT]:
        """Insert many entities in one statement, all or nothing; returned in input order."""
        return await self._insert(ENTITIES, rows)

    async def create_values(
        self, rows: Sequence[Mapping[str, Any]], fields: Sequence[str]
    ) -> list[Any]:
        """``create_many``, answering rows of ``fields`` (``row.name``) instead of entities."""
        return await self._insert(Rows(fields), rows)

    async def _insert(self, projection: Projection, rows: Sequence[Mapping[str, Any]]) -> list[Any]:
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
            criteria = list(self.statements.live)
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
    ) -> list[ModelT]:
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
            await self._refuse_revivals(unique, conflict)
        groups: dict[frozenset[str], list[dict[str, Any]]] = {}
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

    async def _refuse_revivals(
        self, unique: Mapping[tuple[Any, ...], Mapping[str, Any]], conflict: Sequence[str]
    ) -> None:
        """``ConflictError``, before anything is written, when the upsert would revive a
        soft-deleted row under a deleted parent that guards it (``restore`` refuses it)."""
        parents = guarding_parents(type(self))
        if not parents:
            return
        traits = self.traits
        child = traits.model.__name__
        names = [link.foreign_key for link in parents]
        table = traits.model.__table__
        deleted = table.c.deleted_at.is_not(None)
        revived = select(self._pk, *(table.c[name] for name in names)).where(deleted)
        for key, row in unique.items():
            match = [traits.column(c) == v for c, v in zip(conflict, key, strict=True)]
            with self._errors():
                for found in (await self._unit.execute(revived.where(*match))).all():
                    now: dict[str, Any] = dict(zip(names, found[1:], strict=True))
                    # the foreign keys as the upsert leaves them
                    after = {
                        name: row[name]
                        if name in row and name not in traits.keep_on_upsert
                        else now[name]
                        for name in names
                    }
                    await refuse_revival_under_deleted_parent(
                        self._unit, child, found[0], parents, after
                    )

    def _new_id(self) -> Any:
        default = self.traits.pk_column.default
        if default is None or not getattr(default, "is_callable", False):
            raise ConfigurationError(f"{self.model.__name__} cannot generate keys in Python.")
        return default.arg(None)  # type: ignore[attr-defined]  # callable defaults take a context

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
