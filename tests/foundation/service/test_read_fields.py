"""``read_fields``: what a service reads is declared on its class; rows, entities alike."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from pydantic import Field

from foundation import Database
from foundation.errors import FoundationError, ValidationError
from foundation.service import BaseService
from tests.foundation.service.models import (
    Account,
    AccountCreate,
    AccountRead,
    AccountRepository,
    AccountService,
    AccountUpdate,
)


class PlainAccountService(BaseService[Account, AccountCreate, AccountUpdate, AccountRead]):
    """No hooks, no overrides: rows of the read schema's fields."""

    repository_type = AccountRepository
    read_schema = AccountRead


class EntityAccountService(PlainAccountService):
    """The same, declared to read entities."""

    read_fields = None


def _no_session(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError("made an ORM session")


def test_read_fields_are_declared_data_resolved_when_the_class_is_defined() -> None:
    fields = tuple(AccountRead.model_fields)
    assert PlainAccountService.resolved_read_fields == fields
    assert AccountService.resolved_read_fields == fields  # hooks change nothing
    assert EntityAccountService.resolved_read_fields is None

    class Aliased(AccountRead):
        label: str = Field(default="", alias="tag")

    class OnAliased(PlainAccountService):
        read_schema = Aliased  # type: ignore[assignment]  # a wider schema, on purpose

    class Narrow(PlainAccountService):
        read_fields = ("id", "name")

    assert OnAliased.resolved_read_fields is None
    assert Narrow.resolved_read_fields == ("id", "name")


async def test_a_service_whose_hooks_only_validate_never_makes_a_session(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``AccountService.before_create`` validates without the ORM: no call needs a session."""

    class Quiet(AccountService):
        async def after_create(self, unit: Any, created: Any) -> None:
            self.events.append(f"created {created.name}")

    service = Quiet(database)
    monkeypatch.setattr(database, "sessionmaker", _no_session)
    created = await service.create(AccountCreate(name=" spaced "))
    assert created.name == "spaced"  # the hook ran
    more = await service.create_many([AccountCreate(name="b2"), AccountCreate(name="b3")])
    updated = await service.update(created.id, AccountUpdate(balance=5), expected_version=1)
    assert (updated.balance, updated.version) == (5, 2)
    await PlainAccountService(database).delete(more[0].id)
    assert [a.name for a in (await service.list(sort="name")).items] == ["b3", "spaced"]
    assert await service.count() == 2
    assert (await service.get(created.id)).balance == 5
    assert service.events == ["created spaced", "created b2", "created b3", "updated spaced"]
    with pytest.raises(AssertionError, match="made an ORM session"):  # the check bites
        await EntityAccountService(database).get(created.id)


async def test_a_hook_patched_after_the_first_call_runs(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    service = PlainAccountService(database)
    await service.create(AccountCreate(name="first"))

    async def refuse(self: Any, unit: Any, values: dict[str, Any]) -> dict[str, Any]:
        raise ValidationError("patched")

    monkeypatch.setattr(PlainAccountService, "before_create", refuse)
    with pytest.raises(ValidationError, match="patched"):
        await service.create(AccountCreate(name="second"))
    assert await service.count() == 1


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


async def test_rows_and_entities_answer_alike(database: Database) -> None:
    bare = await _scenario(PlainAccountService(database), "x-")
    assert bare == await _scenario(EntityAccountService(database), "y-")
    assert bare[1][0] == "DuplicateError"
    assert bare[2][0] == "IntegrityViolationError"
    assert bare[3][0] == "DuplicateError"  # and neither of the pair was written:
    assert bare[-1] == 0  # a, then renamed b, then deleted; no m


async def test_a_repository_on_a_connection_makes_its_session_when_asked(
    database: Database,
) -> None:
    async with database.writing() as connection:
        repository = AccountRepository(connection)
        created = await repository.create({"name": "on a connection"})
        assert (await repository.get(created.id)).name == "on a connection"
        assert await repository.count() == 1
    async with database.reading() as connection:
        assert await AccountRepository(connection).count() == 1
