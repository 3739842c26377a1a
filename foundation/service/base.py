"""``BaseService``: use cases over a repository, in pydantic schemas, one unit of work each.

A service takes the ``Database``, not a session: each public call opens
``database.transaction()``, which commits when the call succeeds and rolls back on any
error. Called inside another unit of work (a request's, another service's), it joins that
unit on the same session, so several services and repositories compose into one
all-or-nothing unit. Holding a session instead would push the commit decision to every
caller, and a service could no longer guarantee that its own writes roll back together.

A call that nothing customizes (no hook or override; see ``bare_connection``) and that runs
outside any unit of work skips the ORM session: the same statements run on
``database.reading()`` or ``writing()``, with the same answers, errors and all-or-nothing,
at a fraction of the cost. Inside a unit of work every call joins it.

Subclasses set ``repository_type`` and ``read_schema`` and override hooks::

    class WidgetService(BaseService[Widget, WidgetCreate, WidgetUpdate, WidgetRead]):
        repository_type = WidgetRepository
        read_schema = WidgetRead

        async def before_create(self, session, values):
            if values["name"] == "forbidden":
                raise ValidationError("...")
            return values
"""

from __future__ import annotations

import builtins
import time
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from types import TracebackType
from typing import Any, ClassVar, Generic, TypeVar

from pydantic import BaseModel as Schema
from pydantic import TypeAdapter
from sqlalchemy.ext.asyncio import AsyncSession

from foundation.db import Database
from foundation.errors import ConfigurationError, FoundationError
from foundation.logging import logger
from foundation.repository import (
    CursorPage,
    CursorPagination,
    FilterLike,
    OffsetPagination,
    Page,
    SortLike,
    SQLAlchemyRepository,
)

ModelT = TypeVar("ModelT")
CreateT = TypeVar("CreateT", bound=Schema)
UpdateT = TypeVar("UpdateT", bound=Schema)
ReadT = TypeVar("ReadT", bound=Schema)


class BaseService(Generic[ModelT, CreateT, UpdateT, ReadT]):
    """Create, read, update and delete one entity type, with business-rule hooks.

    Hooks run inside the unit of work with its session, so they may read or write through
    other repositories; raising ``ValidationError``/``ConflictError`` rolls it all back.
    ``on_operation`` is called once per public call for logging and metrics.
    """

    repository_type: ClassVar[type[SQLAlchemyRepository[Any]]]
    read_schema: type[ReadT]
    bare_connection: ClassVar[bool] = True
    """Run calls that nothing customizes on a bare connection, without the ORM session.

    A call outside any unit of work, on a service that overrides none of the hooks,
    ``to_read``, ``unit_of_work`` or ``repository``, whose read schema rows can fill
    (``_row_fields``) and whose repository keeps its stock methods, then runs the same
    statements on ``database.reading()``/``writing()``: the ORM session, its unit of work
    and the entities are most of what a call costs. Set ``False`` to keep every call in a
    unit of work, for instance for ORM session event listeners.
    """

    def __init__(self, database: Database) -> None:
        for name in ("repository_type", "read_schema"):
            if not hasattr(self, name):
                raise ConfigurationError(f"{type(self).__name__} must set {name}.")
        self.database = database

    # -- building blocks --------------------------------------------------------------

    def unit_of_work(self) -> AbstractAsyncContextManager[AsyncSession]:
        """The unit of work open in this task, joined as it is, or a new one.

        Joining without a SAVEPOINT saves two round trips per call; an error still rolls
        back everything, because it fails the outer unit too. To recover from a service
        error and go on, wrap the call in ``database.transaction()`` (a SAVEPOINT).
        Overrides may be ``@asynccontextmanager`` methods.
        """
        return self.database.transaction(savepoint=False)

    def repository(self, session: AsyncSession) -> SQLAlchemyRepository[ModelT]:
        """This service's repository on ``session``."""
        return self.repository_type(session)

    def to_read(self, entity: ModelT) -> ReadT:
        """The read schema of ``entity``."""
        return self.read_schema.model_validate(entity, from_attributes=True)

    # -- hooks ---------------------------------------------------------------------------

    async def before_create(self, session: AsyncSession, values: dict[str, Any]) -> dict[str, Any]:
        """Check or adjust the values of a new entity; raise to refuse it."""
        return values

    async def after_create(self, session: AsyncSession, entity: ModelT) -> None:
        """React to a created entity (still inside the unit of work)."""

    async def before_update(
        self, session: AsyncSession, id: Any, changes: dict[str, Any]
    ) -> dict[str, Any]:
        """Check or adjust changes; raise to refuse them."""
        return changes

    async def after_update(self, session: AsyncSession, entity: ModelT) -> None:
        """React to an updated entity (still inside the unit of work)."""

    async def before_delete(self, session: AsyncSession, id: Any) -> None:
        """Raise to refuse a deletion."""

    async def after_delete(self, session: AsyncSession, id: Any) -> None:
        """React to a deletion (still inside the unit of work)."""

    async def on_operation(
        self, operation: str, *, seconds: float, error: FoundationError | None
    ) -> None:
        """Called after every public call: log it; override to record metrics too."""
        outcome = "ok" if error is None else error.code
        logger.debug(
            "{service}.{operation} {outcome} in {ms:.1f} ms",
            service=type(self).__name__,
            operation=operation,
            outcome=outcome,
            ms=seconds * 1000,
        )

    def _read_all(self, found: Sequence[Any]) -> builtins.list[ReadT]:
        """``to_read`` of each item; the stock one validates the whole page in one call."""
        cls = type(self)
        if cls.to_read is not BaseService.to_read:
            return [self.to_read(item) for item in found]
        adapter = _LIST_ADAPTERS.get(self.read_schema)
        if adapter is None:
            adapter = _LIST_ADAPTERS[self.read_schema] = TypeAdapter(list[self.read_schema])  # type: ignore[name-defined]
        return adapter.validate_python(found, from_attributes=True)  # type: ignore[no-any-return]

    def _bare_fields(self, *, write: bool) -> tuple[str, ...] | None:
        """The read schema's fields when this call may run on a bare connection (see
        ``bare_connection``), else None.

        Never inside a unit of work: a call there joins it, and sees its unflushed writes.
        """
        cls = type(self)
        plan = _PLANS.get(cls)
        if plan is None:
            plan = _PLANS[cls] = _plan(cls)
        fields = plan[1] if write else plan[0]
        if fields is None or self.database.current_session() is not None:
            return None
        return fields

    def observed(self, operation: str) -> AbstractAsyncContextManager[None]:
        """Time the block and report it to ``on_operation``."""
        return _Observed(self, operation)

    # -- use cases -----------------------------------------------------------------------

    async def create(self, data: CreateT) -> ReadT:
        """Create one entity."""
        return (await self._create([data], "create"))[0]

    async def create_many(self, items: Sequence[CreateT]) -> builtins.list[ReadT]:
        """Create several entities in one statement, all or nothing."""
        return await self._create(items, "create_many")

    async def get(self, id: Any) -> ReadT:
        """The entity with ``id``; ``NotFoundError`` when absent."""
        async with self.observed("get"):
            fields = self._bare_fields(write=False)
            if fields is not None:
                async with self.database.reading() as connection:
                    row = await self.repository_type(connection).get_values(id, fields)
                return self.to_read(row)
            async with self.unit_of_work() as session:
                repository = self.repository(session)
                fields = _row_fields(type(self), type(repository))
                if fields is None:
                    return self.to_read(await repository.get(id))
                return self.to_read(await repository.get_values(id, fields))

    async def list(
        self,
        filters: FilterLike = None,
        *,
        sort: SortLike = None,
        page: OffsetPagination | CursorPagination | None = None,
        search: str | None = None,
    ) -> Page[ReadT] | CursorPage[ReadT]:
        """One page of entities, as read schemas."""
        async with self.observed("list"):
            fields = self._bare_fields(write=False)
            if fields is not None:
                async with self.database.reading() as connection:
                    result = await self.repository_type(connection).list_values(
                        fields, filters, sort=sort, page=page, search=search
                    )
            else:
                async with self.unit_of_work() as session:
                    repository = self.repository(session)
                    fields = _row_fields(type(self), type(repository))
                    if fields is None:
                        result = await repository.list(filters, sort=sort, page=page, search=search)
                    else:  # the same page as rows: no ORM objects only to be read into schemas
                        result = await repository.list_values(
                            fields, filters, sort=sort, page=page, search=search
                        )
            items = self._read_all(result.items)
        if isinstance(result, CursorPage):
            return CursorPage(items, result.limit, result.next_cursor, result.previous_cursor)
        return Page(items, result.limit, result.offset, result.total)

    async def count(self, filters: FilterLike = None, *, search: str | None = None) -> int:
        """How many entities match."""
        async with self.observed("count"):
            if self._bare_fields(write=False) is not None:
                async with self.database.reading() as connection:
                    return await self.repository_type(connection).count(filters, search=search)
            async with self.unit_of_work() as session:
                return await self.repository(session).count(filters, search=search)

    async def update(self, id: Any, data: UpdateT, *, expected_version: int | None = None) -> ReadT:
        """Apply the fields explicitly set in ``data``."""
        fields = self._bare_fields(write=True)
        if fields is not None:
            async with self.observed("update"):
                async with self.database.writing() as connection:
                    row = await self.repository_type(connection).update_values(
                        id,
                        data.model_dump(exclude_unset=True),
                        fields,
                        expected_version=expected_version,
                    )
                return self.to_read(row)
        async with self.observed("update"), self.unit_of_work() as session:
            changes = await self.before_update(session, id, data.model_dump(exclude_unset=True))
            entity = await self.repository(session).update(
                id, changes, expected_version=expected_version
            )
            await self.after_update(session, entity)
            return self.to_read(entity)

    async def delete(self, id: Any) -> None:
        """Delete (softly where the model supports it); ``NotFoundError`` when absent."""
        if self._bare_fields(write=True) is not None:
            async with self.observed("delete"), self.database.writing() as connection:
                await self.repository_type(connection).delete(id)
            return
        async with self.observed("delete"), self.unit_of_work() as session:
            await self.before_delete(session, id)
            await self.repository(session).delete(id)
            await self.after_delete(session, id)

    async def restore(self, id: Any) -> ReadT:
        """Undo a soft delete."""
        async with self.observed("restore"), self.unit_of_work() as session:
            return self.to_read(await self.repository(session).restore(id))

    async def _create(self, items: Sequence[CreateT], operation: str) -> builtins.list[ReadT]:
        fields = self._bare_fields(write=True)
        if fields is not None:
            async with self.observed(operation):
                rows = [item.model_dump() for item in items]
                async with self.database.writing() as connection:
                    created = await self.repository_type(connection).create_values(rows, fields)
                return self._read_all(created)
        async with self.observed(operation), self.unit_of_work() as session:
            rows = [await self.before_create(session, item.model_dump()) for item in items]
            entities = await self.repository(session).create_many(rows)
            for entity in entities:
                await self.after_create(session, entity)
            return [self.to_read(entity) for entity in entities]


class _Observed(AbstractAsyncContextManager[None]):
    """``BaseService.observed``: a plain class, cheaper per call than a generator."""

    __slots__ = ("operation", "service", "start")

    def __init__(self, service: BaseService[Any, Any, Any, Any], operation: str) -> None:
        self.service = service
        self.operation = operation
        self.start = 0.0

    async def __aenter__(self) -> None:
        self.start = time.perf_counter()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        error = exc if isinstance(exc, FoundationError) else None
        seconds = time.perf_counter() - self.start
        await self.service.on_operation(self.operation, seconds=seconds, error=error)


_ROW_FIELDS: dict[tuple[type[Any], type[Any]], tuple[str, ...] | None] = {}
_PLANS: dict[type[Any], tuple[tuple[str, ...] | None, tuple[str, ...] | None]] = {}
_HOOKS = (
    "before_create",
    "after_create",
    "before_update",
    "after_update",
    "before_delete",
    "after_delete",
)
_REPOSITORY_METHODS = ("count", "create_many", "update", "delete", "hard_delete")


def _plan(
    service: type[BaseService[Any, Any, Any, Any]],
) -> tuple[tuple[str, ...] | None, tuple[str, ...] | None]:
    """The fields of bare-connection reads and writes for ``service`` (None: not bare)."""
    repository = service.repository_type
    fields = _row_fields(service, repository)
    if (
        fields is None
        or not service.bare_connection
        or service.unit_of_work is not BaseService.unit_of_work
        or service.repository is not BaseService.repository
        or any(
            getattr(repository, name) is not getattr(SQLAlchemyRepository, name)
            for name in _REPOSITORY_METHODS
        )
    ):
        return None, None
    hooked = any(getattr(service, name) is not getattr(BaseService, name) for name in _HOOKS)
    return fields, None if hooked else fields


_LIST_ADAPTERS: dict[type[Any], TypeAdapter[Any]] = {}


def _row_fields(
    service: type[BaseService[Any, Any, Any, Any]], repository: type[Any]
) -> tuple[str, ...] | None:
    """The read schema's fields when ``get`` and ``list`` may read rows instead of
    entities, else None.

    Only when nothing could tell the difference: ``to_read`` is the default, the schema has
    no model validator that could look at the entity and no aliases, every field is a
    column of the model, and the repository is a ``SQLAlchemyRepository`` that keeps its
    ``get``, ``get_or_none`` and ``list``.
    """
    key = (service, repository)
    if key not in _ROW_FIELDS:
        schema = service.read_schema
        fields: tuple[str, ...] | None = tuple(schema.model_fields)
        columns = getattr(getattr(repository, "model", None), "__mapper__", None)
        if (
            service.to_read is not BaseService.to_read
            or not issubclass(repository, SQLAlchemyRepository)
            or repository.list is not SQLAlchemyRepository.list
            or repository.get is not SQLAlchemyRepository.get
            or repository.get_or_none is not SQLAlchemyRepository.get_or_none
            or columns is None
            or schema.__pydantic_decorators__.model_validators
            or any(
                field.alias is not None or field.validation_alias is not None
                for field in schema.model_fields.values()
            )
            or not set(schema.model_fields) <= set(columns.column_attrs.keys())
        ):
            fields = None
        _ROW_FIELDS[key] = fields
    return _ROW_FIELDS[key]
