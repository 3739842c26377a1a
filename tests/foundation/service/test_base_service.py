"""The base service: schemas in and out, hooks, observation, and all-or-nothing units of work."""

from __future__ import annotations

import uuid
from typing import Any

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
    cursor_page = await service.list_cursor(sort="-name", page=CursorPagination(limit=2))
    assert isinstance(cursor_page, CursorPage)
    assert [a.name for a in cursor_page.items] == ["c", "b"]
    rest = await service.list_cursor(
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


class EntityReadService(AccountService):
    """Reads entities, through its own ``to_read``."""

    read_fields = None

    def to_read(self, entity: Any) -> AccountRead:
        assert isinstance(entity, Account), type(entity)
        return super().to_read(entity)


@pytest.mark.parametrize("sort", ["name", "-name", None])
async def test_list_reads_rows_yet_answers_exactly_as_from_entities(
    database: Database, sort: str | None
) -> None:
    """The row path (default ``to_read``) and the entity path give the same pages and the
    same cursors, forwards and back."""
    rows, entities = AccountService(database), EntityReadService(database)
    assert AccountService.resolved_read_fields == tuple(AccountRead.model_fields)
    assert EntityReadService.resolved_read_fields is None
    await rows.create_many([AccountCreate(name=f"n{i % 4}-{i}") for i in range(7)])
    for limit in (1, 3, 10):
        for offset in (0, 2, 6):
            page = OffsetPagination(limit=limit, offset=offset)
            assert await rows.list(sort=sort, page=page) == await entities.list(
                sort=sort, page=page
            )
        walked: list[Any] = []
        pages = [await rows.list_cursor(sort=sort, page=CursorPagination(limit=limit))]
        expected = await entities.list_cursor(sort=sort, page=CursorPagination(limit=limit))
        assert pages[0] == expected
        while pages[-1].next_cursor:
            after = CursorPagination(limit=limit, after=pages[-1].next_cursor)
            pages.append(await rows.list_cursor(sort=sort, page=after))
            assert pages[-1] == await entities.list_cursor(sort=sort, page=after)
        for found in pages:
            walked.extend(found.items)
        assert len({a.id for a in walked}) == 7
        back = CursorPagination(limit=limit, before=pages[-1].previous_cursor)
        if back.before is not None:
            assert await rows.list_cursor(sort=sort, page=back) == await entities.list_cursor(
                sort=sort, page=back
            )


async def test_list_values_refuses_a_field_that_is_no_column(database: Database) -> None:
    async with database.transaction() as session:
        with pytest.raises(ConfigurationError, match="no column attribute 'balance_x'"):
            await AccountRepository(session).list_values(["id", "balance_x"])


async def test_get_reads_a_row_yet_answers_exactly_as_from_the_entity(database: Database) -> None:
    rows, entities = AccountService(database), EntityReadService(database)
    kept, gone = await rows.create_many([AccountCreate(name="kept"), AccountCreate(name="gone")])
    await rows.delete(gone.id)
    assert await rows.get(kept.id) == await entities.get(kept.id) == kept
    for missing in (gone.id, uuid.uuid4()):
        problems = []
        for service in (rows, entities):
            with pytest.raises(NotFoundError) as caught:
                await service.get(missing)
            problems.append((str(caught.value), caught.value.details))
        assert problems[0] == problems[1]
    async with database.transaction() as session:
        row = await AccountRepository(session).get_values(gone.id, ["name"], include_deleted=True)
    assert row.name == "gone"


async def test_a_service_reading_entities_reads_through_the_repositorys_own_methods(
    database: Database,
) -> None:
    """With ``read_fields = None`` the service calls ``get``/``list``/``list_cursor``,
    overrides included."""
    calls: list[str] = []

    class Scoped(AccountRepository):
        async def list(self, *args: Any, **kwargs: Any) -> Any:
            calls.append("list")
            return await super().list(*args, **kwargs)

        async def list_cursor(self, *args: Any, **kwargs: Any) -> Any:
            calls.append("list_cursor")
            return await super().list_cursor(*args, **kwargs)

        async def get_or_none(self, *args: Any, **kwargs: Any) -> Any:
            calls.append("get_or_none")
            return await super().get_or_none(*args, **kwargs)

    class OnScoped(EntityReadService):
        repository_type = Scoped

    created = await OnScoped(database).create(AccountCreate(name="scoped"))
    assert await OnScoped(database).get(created.id) == created
    assert (await OnScoped(database).list()).total == 1
    assert (await OnScoped(database).list_cursor()).items == [created]
    assert calls == ["get_or_none", "list", "list_cursor"]


async def test_reads_make_no_session(
    service: AccountService, database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """get, list and count read rows on the unit's connection: no ORM session."""
    created = await service.create(AccountCreate(name="bare", balance=3))

    def no_unit_of_work(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("made an ORM session")

    monkeypatch.setattr(database, "sessionmaker", no_unit_of_work)
    assert await service.get(created.id) == created
    assert (await service.list()).items == [created]
    assert await service.count() == 1
    with pytest.raises(NotFoundError):
        await service.get(uuid.uuid4())
    # the check can fail: this delete's hook reads the entity
    with pytest.raises(AssertionError, match="made an ORM session"):
        await service.delete(created.id)


async def test_reads_inside_a_unit_of_work_join_it_and_see_its_unflushed_writes(
    service: AccountService, database: Database
) -> None:
    async with database.transaction() as session:
        account = Account(id=uuid.uuid4(), name="pending", balance=0)
        session.add(account)  # not flushed: only the session's autoflush can show it
        assert (await service.get(account.id)).name == "pending"
        assert await service.count() == 1
        assert [a.name for a in (await service.list()).items] == ["pending"]


async def test_a_service_with_its_own_unit_of_work_or_repository_reads_through_them(
    database: Database,
) -> None:
    """An override may prepare the session (a tenant, a role): reads must not skip it."""
    calls: list[str] = []

    class OwnUnit(AccountService):
        def unit_of_work(self, **options: Any) -> Any:
            calls.append("unit_of_work")
            return super().unit_of_work(**options)

    class OwnRepository(AccountService):
        def repository(self, session: Any) -> AccountRepository:
            calls.append("repository")
            return super().repository(session)

    created = await AccountService(database).create(AccountCreate(name="own"))
    for service_type in (OwnUnit, OwnRepository):
        service = service_type(database)
        assert await service.get(created.id) == created
        assert (await service.list()).total == 1
        assert await service.count() == 1
    assert calls == ["unit_of_work"] * 3 + ["repository"] * 3
