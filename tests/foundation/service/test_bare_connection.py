"""Calls nothing customizes run on a bare connection, and answer exactly as in a unit of work."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from foundation import Database
from foundation.errors import ConfigurationError, FoundationError
from foundation.service import BaseService
from foundation.service.base import _plan
from tests.foundation.service.models import (
    Account,
    AccountCreate,
    AccountRead,
    AccountRepository,
    AccountService,
    AccountUpdate,
)


class PlainAccountService(BaseService[Account, AccountCreate, AccountUpdate, AccountRead]):
    """No hooks, no overrides: every call may skip the ORM session."""

    repository_type = AccountRepository
    read_schema = AccountRead


class SessionAccountService(PlainAccountService):
    """The same, kept in units of work."""

    bare_connection = False


def _no_unit_of_work(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError("opened a unit of work")


def test_the_plan_follows_the_overrides() -> None:
    fields = tuple(AccountRead.model_fields)
    assert _plan(PlainAccountService) == (fields, fields)
    assert _plan(SessionAccountService) == (None, None)
    assert _plan(AccountService) == (fields, None)  # hooks: reads bare, writes not

    class OwnUpdate(AccountRepository):
        async def update(self, *args: Any, **kwargs: Any) -> Any:
            return await super().update(*args, **kwargs)

    class OnOwnUpdate(PlainAccountService):
        repository_type = OwnUpdate

    assert _plan(OnOwnUpdate) == (None, None)  # its update must run, on a session


async def test_a_plain_service_writes_without_a_unit_of_work(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    service = PlainAccountService(database)
    monkeypatch.setattr(database, "transaction", _no_unit_of_work)
    created = await service.create(AccountCreate(name="bare", balance=1))
    more = await service.create_many([AccountCreate(name="b2"), AccountCreate(name="b3")])
    updated = await service.update(created.id, AccountUpdate(balance=5), expected_version=1)
    assert (updated.balance, updated.version) == (5, 2)
    await service.delete(more[0].id)
    assert [a.name for a in (await service.list(sort="name")).items] == ["b3", "bare"]
    with pytest.raises(AssertionError, match="opened a unit of work"):  # the check bites
        await AccountService(database).create(AccountCreate(name="hooked"))


async def _scenario(service: BaseService[Any, Any, Any, Any], prefix: str) -> list[Any]:
    """Every outcome of a run of writes, good and bad, with names and fresh ids masked."""
    outcomes: list[Any] = []

    async def attempt(call: Any) -> Any:
        try:
            result = await call
        except FoundationError as error:
            outcomes.append((type(error).__name__, error.code, error.details))
            return None
        outcomes.append(result)
        return result

    missing = uuid.UUID(int=7)
    first = await attempt(service.create(AccountCreate(name=f"{prefix}a", balance=2)))
    await attempt(service.create(AccountCreate(name=f"{prefix}a")))  # duplicate name
    await attempt(service.create(AccountCreate(name=f"{prefix}n", balance=-1)))  # check fails
    await attempt(
        service.create_many([AccountCreate(name=f"{prefix}m"), AccountCreate(name=f"{prefix}m")])
    )
    await attempt(service.update(first.id, AccountUpdate(name=f"{prefix}b")))
    await attempt(service.update(first.id, AccountUpdate(balance=1), expected_version=1))
    await attempt(service.update(missing, AccountUpdate(balance=1)))
    await attempt(service.update(first.id, AccountUpdate(balance=-5)))
    await attempt(service.delete(first.id))
    await attempt(service.delete(first.id))
    await attempt(service.update(first.id, AccountUpdate(balance=1)))
    await attempt(service.count())
    masked = []
    for outcome in outcomes:
        if isinstance(outcome, AccountRead):
            outcome = outcome.model_dump(exclude={"id", "created_at"})
            outcome["name"] = outcome["name"].removeprefix(prefix)
        elif isinstance(outcome, tuple):
            details = {k: v for k, v in outcome[2].items() if k not in ("id", "constraint")}
            outcome = (*outcome[:2], details)
        masked.append(outcome)
    return masked


async def test_bare_writes_answer_as_the_unit_of_work_does(database: Database) -> None:
    bare = await _scenario(PlainAccountService(database), "x-")
    assert bare == await _scenario(SessionAccountService(database), "y-")
    assert bare[1][0] == "DuplicateError"
    assert bare[2][0] == "IntegrityViolationError"
    assert bare[3][0] == "DuplicateError"  # and neither of the pair was written:
    assert bare[-1] == 0  # a, then renamed b, then deleted; no m


async def test_a_repository_on_a_connection_refuses_entity_work(database: Database) -> None:
    async with database.reading() as connection:
        repository = AccountRepository(connection)
        assert await repository.count() == 0
        with pytest.raises(ConfigurationError, match="built on a connection"):
            await repository.get(uuid.uuid4())
