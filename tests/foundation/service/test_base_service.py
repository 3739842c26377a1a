"""The base service: schemas in and out, hooks, observation, and all-or-nothing units of work."""

from __future__ import annotations

import uuid

import pytest

from foundation import Database
from foundation.errors import (
    ConcurrencyError,
    ConfigurationError,
    ConflictError,
    DuplicateError,
    IntegrityViolationError,
    NotFoundError,
    ValidationError,
)
from foundation.repository import CursorPage, CursorPagination, OffsetPagination, Page
from foundation.service import BaseService, IBaseService
from tests.foundation.service.models import (
    Account,
    AccountCreate,
    AccountRead,
    AccountRepository,
    AccountService,
    AccountUpdate,
    EntryRepository,
)


@pytest.fixture
def service(database: Database) -> AccountService:
    """The account service on the test's database."""
    return AccountService(database)


async def entries(database: Database) -> int:
    async with database.session() as session:
        return await EntryRepository(session).count()


async def accounts(database: Database) -> int:
    async with database.session() as session:
        return await AccountRepository(session).count(include_deleted=True)


def test_the_service_satisfies_the_interface(service: AccountService) -> None:
    typed: IBaseService[AccountCreate, AccountUpdate, AccountRead] = service
    assert typed is service


def test_a_service_without_repository_or_schema_is_refused(database: Database) -> None:
    class Incomplete(BaseService[Account, AccountCreate, AccountUpdate, AccountRead]):
        repository_type = AccountRepository

    with pytest.raises(ConfigurationError):
        Incomplete(database)


async def test_create_returns_the_read_schema_and_runs_hooks(
    service: AccountService, database: Database
) -> None:
    read = await service.create(AccountCreate(name="  Ada ", balance=10))
    assert isinstance(read, AccountRead)
    assert (read.name, read.balance, read.version) == ("Ada", 10, 1)
    assert service.events == ["created Ada"]
    assert await entries(database) == 1  # written by the hook through another repository
    assert service.operations == [("create", "ok")]


async def test_a_hook_refusing_a_create_writes_nothing(
    service: AccountService, database: Database
) -> None:
    with pytest.raises(ValidationError):
        await service.create(AccountCreate(name="   "))
    assert await accounts(database) == 0
    assert service.operations == [("create", "validation_error")]


async def test_get_list_and_count_return_read_schemas(service: AccountService) -> None:
    created = await service.create_many([AccountCreate(name=n) for n in ("b", "a", "c")])
    assert [a.name for a in created] == ["b", "a", "c"]
    assert (await service.get(created[0].id)).name == "b"
    with pytest.raises(NotFoundError):
        await service.get(uuid.uuid4())
    page = await service.list(sort="name", page=OffsetPagination(limit=2))
    assert isinstance(page, Page)
    assert [a.name for a in page.items] == ["a", "b"]
    assert page.total == 3
    assert all(isinstance(a, AccountRead) for a in page.items)
    cursor_page = await service.list(sort="-name", page=CursorPagination(limit=2))
    assert isinstance(cursor_page, CursorPage)
    assert [a.name for a in cursor_page.items] == ["c", "b"]
    rest = await service.list(
        sort="-name", page=CursorPagination(limit=2, after=cursor_page.next_cursor)
    )
    assert [a.name for a in rest.items] == ["a"]
    assert await service.count({"name": "a"}) == 1
    assert await service.count(search="B") == 1


async def test_update_applies_only_the_fields_that_were_set(service: AccountService) -> None:
    account = await service.create(AccountCreate(name="Bob", balance=5))
    updated = await service.update(account.id, AccountUpdate(balance=7), expected_version=1)
    assert (updated.name, updated.balance, updated.version) == ("Bob", 7, 2)
    with pytest.raises(ConcurrencyError):
        await service.update(account.id, AccountUpdate(balance=8), expected_version=1)
    with pytest.raises(ValidationError):
        await service.update(account.id, AccountUpdate(name=None))
    assert (await service.get(account.id)).balance == 7
    assert service.events[-1] == "updated Bob"


async def test_delete_hook_refuses_and_restore_undoes(service: AccountService) -> None:
    full = await service.create(AccountCreate(name="Full", balance=1))
    empty = await service.create(AccountCreate(name="Empty"))
    with pytest.raises(ConflictError):
        await service.delete(full.id)
    await service.delete(empty.id)
    with pytest.raises(NotFoundError):
        await service.get(empty.id)
    assert (await service.restore(empty.id)).name == "Empty"
    assert service.events[-1] == "deleted"


async def test_a_failure_late_in_a_unit_of_work_rolls_back_every_repository(
    service: AccountService, database: Database
) -> None:
    source = await service.create(AccountCreate(name="Source", balance=5))
    target = await service.create(AccountCreate(name="Target"))
    assert await entries(database) == 1
    # entries and the target's balance are written before the source goes negative
    with pytest.raises(IntegrityViolationError):
        await service.transfer(source.id, target.id, 8)
    assert await entries(database) == 1
    assert (await service.get(target.id)).balance == 0
    assert (await service.get(source.id)).balance == 5
    await service.transfer(source.id, target.id, 3)
    assert await entries(database) == 3
    assert [(await service.get(i)).balance for i in (source.id, target.id)] == [2, 3]
    assert ("transfer", "integrity_violation") in service.operations


async def test_create_many_is_all_or_nothing_hooks_included(
    service: AccountService, database: Database
) -> None:
    await service.create(AccountCreate(name="Taken"))
    with pytest.raises(DuplicateError):
        await service.create_many(
            [AccountCreate(name="New", balance=3), AccountCreate(name="Taken")]
        )
    assert await accounts(database) == 1
    assert await entries(database) == 0


async def test_services_called_inside_an_outer_unit_of_work_roll_back_with_it(
    service: AccountService, database: Database
) -> None:
    async def outer() -> None:
        async with service.unit_of_work():
            await service.create(AccountCreate(name="Inner", balance=4))
            await AccountService(database).create(AccountCreate(name="Other"))
            raise ConflictError("changed our mind")

    with pytest.raises(ConflictError):
        await outer()
    assert await accounts(database) == 0
    assert await entries(database) == 0
