"""``ServiceContract``: use cases that validate, roll back together and keep error classes."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any, ClassVar

import pytest
from pydantic import BaseModel

from contracts._base import Contract, hook, requires
from contracts._prerequisites import Prerequisites
from foundation import ConcurrencyError, ConflictError, Database, NotFoundError, ValidationError
from foundation.repository import CursorPagination, OffsetPagination

Service = Any  # an IBaseService; typed loosely so fakes and real services both fit


class _AbortError(Exception):
    """Raised by the suite to fail a unit of work on purpose."""


class ServiceContract(Prerequisites, Contract, abstract=True):
    """Subclass in a ``Test*`` class and provide:

    - ``service`` (fixture): the service under test (e.g. built on the ``database`` fixture).
    - ``read_schema``: the pydantic class every use case returns.
    - ``valid_create(n)`` / ``valid_update(n)``: input schemas that must be accepted.
    - ``invalid_creates()`` (with ``validation``): inputs the service must refuse with
      ``ValidationError`` (business rules; pydantic already checked the shape).
    - ``invalid_updates()`` (with ``validation``): update inputs the service must refuse
      with ``ValidationError`` for an entity made from ``valid_create(0)``; a rule checked on
      create only is the bug this catches.
    - ``conflicting_create(existing)`` (with ``conflicts``): an input that clashes with the
      entity ``existing`` and must raise ``ConflictError``.

    ``versioning`` checks ``update(..., expected_version=...)``; ``soft_delete`` checks
    ``restore``; ``cursor_pagination`` checks ``list_cursor``. The ``unit_of_work`` fixture
    is the caller's transaction that service calls must join (default:
    ``database.transaction`` of the plugin's per-test ``database``).
    """

    known_capabilities = frozenset(
        {"validation", "conflicts", "versioning", "soft_delete", "cursor_pagination"}
    )
    required_hooks = ("service", "read_schema", "valid_create", "valid_update")
    capability_hooks: ClassVar[dict[str, tuple[str, ...]]] = {
        "validation": ("invalid_creates", "invalid_updates"),
        "conflicts": ("conflicting_create",),
    }
    read_schema: ClassVar[type[BaseModel]]

    @hook
    def valid_create(self, n: int) -> BaseModel:
        """An accepted create input, distinct for each ``n``."""
        raise NotImplementedError

    @hook
    def valid_update(self, n: int) -> BaseModel:
        """An accepted update input."""
        raise NotImplementedError

    @hook
    def invalid_creates(self) -> Sequence[BaseModel]:
        """Create inputs the service refuses with ``ValidationError``."""
        raise NotImplementedError

    @hook
    def invalid_updates(self) -> Sequence[BaseModel]:
        """Update inputs the service refuses with ``ValidationError``."""
        raise NotImplementedError

    @hook
    def conflicting_create(self, existing: Any) -> BaseModel:
        """A create input that clashes with ``existing``."""
        raise NotImplementedError

    def check_read(self, value: Any) -> None:
        """``value`` is an instance of the read schema."""
        assert isinstance(value, self.read_schema), f"{type(value).__name__} is no read schema"

    def missing_id(self) -> Any:
        """An id no entity has."""
        return uuid.uuid4()

    async def test_create_and_get_return_read_schemas(self, service: Service) -> None:
        created: Any = await service.create(self.valid_create(0))
        self.check_read(created)
        assert await service.get(created.id) == created
        page = await service.list()
        assert [item.id for item in page.items] == [created.id]
        assert all(isinstance(item, self.read_schema) for item in page.items)

    @requires("cursor_pagination")
    async def test_cursor_pages_are_read_schemas_in_list_order(self, service: Service) -> None:
        """``list_cursor`` walks ``list``'s order through ``next_cursor``, in read schemas;
        each listing refuses the other's kind of page with a ``TypeError``."""
        for n in range(3):
            await service.create(self.valid_create(n))
        expected = [item.id for item in (await service.list()).items]
        page = await service.list_cursor(page=CursorPagination(limit=2))
        seen = [item.id for item in page.items]
        assert page.next_cursor is not None, "two of three items and no next_cursor"
        page = await service.list_cursor(page=CursorPagination(limit=2, after=page.next_cursor))
        seen += [item.id for item in page.items]
        assert all(isinstance(item, self.read_schema) for item in page.items)
        assert (seen, page.next_cursor) == (expected, None)
        with pytest.raises(TypeError, match=r"\blist_cursor\("):
            await service.list(page=CursorPagination())
        with pytest.raises(TypeError, match=r"\blist\("):
            await service.list_cursor(page=OffsetPagination())

    async def test_update_returns_the_changed_read_schema(self, service: Service) -> None:
        created = await service.create(self.valid_create(0))
        updated: Any = await service.update(created.id, self.valid_update(1))
        self.check_read(updated)
        assert updated.id == created.id
        assert await service.get(created.id) == updated

    async def test_missing_entity_raises_not_found(self, service: Service) -> None:
        missing = self.missing_id()
        calls: tuple[Callable[[], Awaitable[Any]], ...] = (
            lambda: service.get(missing),
            lambda: service.update(missing, self.valid_update(0)),
            lambda: service.delete(missing),
        )
        for call in calls:
            with pytest.raises(NotFoundError):
                await call()

    async def test_delete_makes_the_entity_unreachable(self, service: Service) -> None:
        created = await service.create(self.valid_create(0))
        await service.delete(created.id)
        with pytest.raises(NotFoundError):
            await service.get(created.id)
        assert await service.count() == 0

    @pytest.fixture
    def unit_of_work(self, database: Database) -> Callable[[], AbstractAsyncContextManager[Any]]:
        """The caller's unit of work that service calls must join (default: the test's
        ``database.transaction``); override for services built otherwise."""
        return database.transaction

    async def test_failure_later_in_the_unit_of_work_rolls_the_call_back(
        self, service: Service, unit_of_work: Callable[[], AbstractAsyncContextManager[Any]]
    ) -> None:
        with pytest.raises(_AbortError):
            async with unit_of_work():
                await service.create(self.valid_create(0))
                await service.create(self.valid_create(1))
                raise _AbortError
        assert await service.count() == 0, "the service committed outside the caller's unit"

    async def test_bulk_create_is_all_or_nothing(self, service: Service) -> None:
        created = await service.create(self.valid_create(0))
        # the refused item: a declared conflict, else a repeat of the first create
        refused = (
            self.conflicting_create(created) if self.has("conflicts") else self.valid_create(0)
        )
        with pytest.raises(ConflictError):
            await service.create_many([self.valid_create(1), refused])
        assert [item.id for item in (await service.list()).items] == [created.id]

    @requires("validation")
    async def test_invalid_input_is_refused_and_writes_nothing(self, service: Service) -> None:
        for data in self.invalid_creates():
            with pytest.raises(ValidationError):
                await service.create(data)
        assert await service.count() == 0

    @requires("validation")
    async def test_invalid_update_is_refused_and_changes_nothing(self, service: Service) -> None:
        created = await service.create(self.valid_create(0))
        refused = list(self.invalid_updates())
        assert refused, "invalid_updates() returned nothing: list the updates your rules refuse"
        for data in refused:
            with pytest.raises(ValidationError):
                await service.update(created.id, data)
        assert await service.get(created.id) == created, "a refused update changed the entity"

    @requires("conflicts")
    async def test_business_conflict_raises_conflict_error(self, service: Service) -> None:
        existing = await service.create(self.valid_create(0))
        with pytest.raises(ConflictError):
            await service.create(self.conflicting_create(existing))
        assert await service.count() == 1

    @requires("versioning")
    async def test_stale_version_raises_concurrency_error(self, service: Service) -> None:
        created = await service.create(self.valid_create(0))
        version = created.version
        await service.update(created.id, self.valid_update(1), expected_version=version)
        with pytest.raises(ConcurrencyError):
            await service.update(created.id, self.valid_update(2), expected_version=version)
        assert (await service.get(created.id)).version == version + 1

    @requires("soft_delete")
    async def test_restore_brings_a_deleted_entity_back(self, service: Service) -> None:
        created = await service.create(self.valid_create(0))
        await service.delete(created.id)
        restored = await service.restore(created.id)
        self.check_read(restored)
        assert (await service.get(created.id)).id == created.id
