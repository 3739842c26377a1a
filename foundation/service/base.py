"""``BaseService``: use cases over a repository, in pydantic schemas, one unit of work each.

A service takes the ``Database``, not a session: each public call opens
``database.unit()``, which commits when the call succeeds and rolls back on any error.
Called inside another unit of work (a request's, another service's), it joins that unit,
so several services and repositories compose into one all-or-nothing unit. Holding a
session instead would push the commit decision to every caller, and a service could no
longer guarantee that its own writes roll back together.

Every call has one body: the hooks always run, and they receive the unit; its ORM
session exists only if something (a hook, the repository's entity methods) asks for it.

Subclasses set ``repository_type`` and ``read_schema`` and override hooks::

    class WidgetService(BaseService[Widget, WidgetCreate, WidgetUpdate, WidgetRead]):
        repository_type = WidgetRepository
        read_schema = WidgetRead

        async def before_create(self, unit, values):
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
from typing import Any, ClassVar, Generic, Literal, TypeVar

from pydantic import BaseModel as Schema

from foundation.db import Database, UnitOfWork
from foundation.errors import (
    ConcurrencyError,
    ConfigurationError,
    FoundationError,
    ValidationError,
)
from foundation.logging import logger
from foundation.metrics import SERVICE_OPERATION_DURATION
from foundation.metrics import enabled as metrics_enabled
from foundation.repository import (
    CursorPage,
    CursorPagination,
    FilterLike,
    OffsetPagination,
    Page,
    SortLike,
    SQLAlchemyRepository,
    pagination_mismatch,
)
from foundation.repository.traits import read_traits

ModelT = TypeVar("ModelT")
CreateT = TypeVar("CreateT", bound=Schema)
UpdateT = TypeVar("UpdateT", bound=Schema)
ReadT = TypeVar("ReadT", bound=Schema)


class BaseService(Generic[ModelT, CreateT, UpdateT, ReadT]):
    """Create, read, update and delete one entity type, with business-rule hooks.

    Hooks run inside the unit of work and receive it: pass it to repositories to read or
    write through them (``OtherRepository(unit)``), or use ``unit.session`` for the ORM;
    raising ``ValidationError``/``ConflictError`` rolls it all back. ``on_operation`` is
    called once per public call for logging and metrics.

    ``read_fields`` says what ``get``, ``list``, ``list_cursor``, ``create`` and ``update``
    read, and so what ``to_read``, ``after_create`` and ``after_update`` receive: rows of
    those fields (attribute access, ``row.name``), or entities when it is ``None``. The
    default, ``"auto"``, is the read schema's fields when the repository is a
    ``SQLAlchemyRepository`` and rows can fill the schema (every field a column of the
    model, no aliases, no model validators), else ``None``; it is resolved once, when the
    class is defined (``resolved_read_fields``).
    """

    repository_type: ClassVar[type[Any]]
    read_schema: type[ReadT]
    read_fields: ClassVar[Sequence[str] | Literal["auto"] | None] = "auto"
    resolved_read_fields: ClassVar[tuple[str, ...] | None] = None
    """``read_fields`` as resolved when the class was defined."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        declared = cls.read_fields
        if declared != "auto":
            cls.resolved_read_fields = None if declared is None else tuple(declared)
            return
        schema = getattr(cls, "read_schema", None)
        repository = getattr(cls, "repository_type", None)
        cls.resolved_read_fields = (
            row_fields(schema, repository) if schema is not None and repository else None
        )

    def __init__(self, database: Database) -> None:
        for name in ("repository_type", "read_schema"):
            if not hasattr(self, name):
                raise ConfigurationError(f"{type(self).__name__} must set {name}.")
        self.database = database

    # -- building blocks --------------------------------------------------------------

    def unit_of_work(self, *, readonly: bool = False) -> AbstractAsyncContextManager[UnitOfWork]:
        """The unit of work open in this task, joined as it is, or a new one.

        Joining without a SAVEPOINT keeps a call to the unit's own statements; an error
        still rolls back everything, because it fails the outer unit too. To recover from
        a service error and go on, wrap the call in ``database.unit()`` (a SAVEPOINT).
        Overrides may be ``@asynccontextmanager`` methods.
        """
        return self.database.unit(readonly=readonly, savepoint=False)

    def repository(self, unit: UnitOfWork) -> Any:
        """This service's repository in ``unit``."""
        return self.repository_type(unit)

    def to_read(self, item: Any) -> ReadT:
        """The read schema of ``item`` (a row or an entity, see ``read_fields``)."""
        # the validator itself: model_validate adds a Python frame per item of every page
        validate = self.read_schema.__pydantic_validator__.validate_python
        return validate(item, from_attributes=True)  # type: ignore[no-any-return]

    # -- hooks ---------------------------------------------------------------------------

    async def before_create(self, unit: UnitOfWork, values: dict[str, Any]) -> dict[str, Any]:
        """Check or adjust the values of a new entity; raise to refuse it."""
        return values

    async def after_create(self, unit: UnitOfWork, created: Any) -> None:
        """React to a created entity (still inside the unit of work)."""

    async def before_update(
        self, unit: UnitOfWork, id: Any, changes: dict[str, Any]
    ) -> dict[str, Any]:
        """Check or adjust changes; raise to refuse them."""
        return changes

    async def after_update(self, unit: UnitOfWork, updated: Any) -> None:
        """React to an updated entity (still inside the unit of work)."""

    async def before_delete(self, unit: UnitOfWork, id: Any) -> None:
        """Raise to refuse a deletion."""

    async def after_delete(self, unit: UnitOfWork, id: Any) -> None:
        """React to a deletion (still inside the unit of work)."""

    async def on_operation(
        self, operation: str, *, seconds: float, error: FoundationError | None
    ) -> None:
        """Called after every public call: log it and, when metrics are on, time it in
        ``foundation_service_operation_duration_seconds``; overrides should call it."""
        outcome = "ok" if error is None else error.code
        if metrics_enabled():
            SERVICE_OPERATION_DURATION.labels(type(self).__name__, operation, outcome).observe(
                seconds
            )
        logger.debug(
            "{service}.{operation} {outcome} in {ms:.1f} ms",
            service=type(self).__name__,
            operation=operation,
            outcome=outcome,
            ms=seconds * 1000,
        )

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
        fields = self.resolved_read_fields
        async with self.observed("get"), self.unit_of_work(readonly=True) as unit:
            repository = self.repository(unit)
            if fields is None:
                return self.to_read(await repository.get(id))
            return self.to_read(await repository.get_values(id, fields))

    async def list(
        self,
        filters: FilterLike = None,
        *,
        sort: SortLike = None,
        page: OffsetPagination | None = None,
        search: str | None = None,
        include_deleted: bool | Literal["only"] = False,
    ) -> Page[ReadT]:
        """One page by offset of entities, as read schemas (soft-deleted ones too, or only
        them, with ``include_deleted``); ``TypeError`` for a ``CursorPagination``."""
        if isinstance(page, CursorPagination):
            raise pagination_mismatch("list", page)
        options = {"sort": sort, "page": page, "search": search, "include_deleted": include_deleted}
        result, items = await self._read_page(False, filters, options)
        return Page(items, result.limit, result.offset, result.total)

    async def list_cursor(
        self,
        filters: FilterLike = None,
        *,
        sort: SortLike = None,
        page: CursorPagination | None = None,
        search: str | None = None,
        include_deleted: bool | Literal["only"] = False,
    ) -> CursorPage[ReadT]:
        """One page by keyset of entities, as read schemas, in ``list``'s order (the first
        page when ``page`` is ``None``); ``TypeError`` for an ``OffsetPagination``."""
        if isinstance(page, OffsetPagination):
            raise pagination_mismatch("list_cursor", page)
        options = {"sort": sort, "page": page, "search": search, "include_deleted": include_deleted}
        result, items = await self._read_page(True, filters, options)
        return CursorPage(items, result.limit, result.next_cursor, result.previous_cursor)

    async def _read_page(
        self, cursor: bool, filters: FilterLike, options: dict[str, Any]
    ) -> tuple[Any, builtins.list[ReadT]]:
        """The repository's page (by keyset when ``cursor``; entities, or rows of the read
        fields) and its items as read schemas."""
        fields = self.resolved_read_fields
        # both listings are reported as "list", as before the split: metrics keep their labels
        async with self.observed("list"), self.unit_of_work(readonly=True) as unit:
            repository = self.repository(unit)
            if fields is None:
                entities = repository.list_cursor if cursor else repository.list
                result: Any = await entities(filters, **options)
            else:
                rows = repository.list_cursor_values if cursor else repository.list_values
                result = await rows(fields, filters, **options)
            return result, list(map(self.to_read, result.items))

    async def count(self, filters: FilterLike = None, *, search: str | None = None) -> int:
        """How many entities match."""
        async with self.observed("count"), self.unit_of_work(readonly=True) as unit:
            return int(await self.repository(unit).count(filters, search=search))

    async def update(self, id: Any, data: UpdateT, *, expected_version: int | None = None) -> ReadT:
        """Apply the fields explicitly set in ``data``."""
        fields = self.resolved_read_fields
        async with self.observed("update"), self.unit_of_work() as unit:
            changes = await self.before_update(unit, id, data.model_dump(exclude_unset=True))
            repository = self.repository(unit)
            if fields is None:
                updated = await repository.update(id, changes, expected_version=expected_version)
            else:
                updated = await repository.update_values(
                    id, changes, fields, expected_version=expected_version
                )
            await self.after_update(unit, updated)
            return self.to_read(updated)

    async def delete(self, id: Any, *, expected_version: int | None = None) -> None:
        """Delete (softly where the model supports it); ``NotFoundError`` when absent,
        ``ConcurrencyError`` when ``expected_version`` is not the current one."""
        async with self.observed("delete"), self.unit_of_work() as unit:
            await self.before_delete(unit, id)
            repository = self.repository(unit)
            if expected_version is not None:
                await _expect_version(repository, id, expected_version, deleted=False)
            await repository.delete(id)
            await self.after_delete(unit, id)

    async def restore(self, id: Any, *, expected_version: int | None = None) -> ReadT:
        """Undo a soft delete; ``ConcurrencyError`` when ``expected_version`` is not the
        (deleted) entity's current one."""
        async with self.observed("restore"), self.unit_of_work() as unit:
            repository = self.repository(unit)
            if expected_version is not None:
                await _expect_version(repository, id, expected_version, deleted=True)
            return self.to_read(await repository.restore(id))

    async def _create(self, items: Sequence[CreateT], operation: str) -> builtins.list[ReadT]:
        fields = self.resolved_read_fields
        async with self.observed(operation), self.unit_of_work() as unit:
            rows = [await self.before_create(unit, item.model_dump()) for item in items]
            repository = self.repository(unit)
            if fields is None:
                created = await repository.create_many(rows)
            else:
                created = await repository.create_values(rows, fields)
            for item in created:
                await self.after_create(unit, item)
            return list(map(self.to_read, created))


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


async def _expect_version(repository: Any, id: Any, expected: int, *, deleted: bool) -> None:
    """Lock entity ``id`` and check it is at version ``expected``: the check and the write
    that follows see the same row. ``NotFoundError`` when absent."""
    version = read_traits(repository.model).version
    if version is None:
        raise ValidationError(f"{repository.model.__name__} is not versioned.")
    entity = await repository.get(id, include_deleted=deleted, for_update=True)
    current = getattr(entity, version)
    if current != expected:
        raise ConcurrencyError.stale(expected, current)


def row_fields(schema: type[Schema], repository: type[Any]) -> tuple[str, ...] | None:
    """The fields of ``schema`` when rows of ``repository``'s model can fill it, else None.

    Rows can fill it when the repository is a ``SQLAlchemyRepository``, every field is a
    column attribute of the model, and the schema has no aliases and no model validators
    (which could look at the entity).
    """
    if not (isinstance(repository, type) and issubclass(repository, SQLAlchemyRepository)):
        return None
    mapper = getattr(getattr(repository, "model", None), "__mapper__", None)
    if mapper is None or schema.__pydantic_decorators__.model_validators:
        return None
    fields = schema.model_fields
    if any(f.alias is not None or f.validation_alias is not None for f in fields.values()):
        return None
    if not set(fields) <= set(mapper.column_attrs.keys()):
        return None
    return tuple(fields)
