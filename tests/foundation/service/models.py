"""Models, repositories, schemas and services for the service tests (tables ``s_``)."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any, ClassVar

from pydantic import BaseModel as Schema
from pydantic import ConfigDict
from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from foundation import BaseModel, SoftDeleteMixin, UnitOfWork, VersionedMixin
from foundation.errors import ConflictError, FoundationError, ValidationError
from foundation.repository import EQUALITY_OPS, Op, SQLAlchemyRepository
from foundation.service import BaseService


class Account(SoftDeleteMixin, VersionedMixin, BaseModel):
    """An account whose balance may not go negative."""

    __tablename__ = "s_account"
    __table_args__ = (
        UniqueConstraint("name"),
        CheckConstraint("balance >= 0", name="balance_non_negative"),
    )

    name: Mapped[str] = mapped_column(String(80))
    balance: Mapped[int] = mapped_column(default=0)


class Entry(BaseModel):
    """A movement on an account."""

    __tablename__ = "s_entry"

    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("s_account.id"))
    amount: Mapped[int]
    memo: Mapped[str] = mapped_column(String(80), default="")


class AccountRepository(SQLAlchemyRepository[Account]):
    """Accounts by name."""

    model = Account
    filterable: ClassVar[Mapping[str, Collection[Op]]] = {"name": EQUALITY_OPS}
    sortable = ("name",)
    searchable = ("name",)


class EntryRepository(SQLAlchemyRepository[Entry]):
    """Entries by account."""

    model = Entry
    filterable: ClassVar[Mapping[str, Collection[Op]]] = {"account_id": EQUALITY_OPS}


class AccountCreate(Schema):
    """Input to open an account."""

    model_config = ConfigDict(extra="forbid", strict=True)
    name: str
    balance: int = 0


class AccountUpdate(Schema):
    """Input to change an account; unset fields stay as they are."""

    model_config = ConfigDict(extra="forbid", strict=True)
    name: str | None = None
    balance: int | None = None


class AccountRead(Schema):
    """An account as clients see it."""

    id: uuid.UUID
    name: str
    balance: int
    version: int
    created_at: datetime


class AccountService(BaseService[Account, AccountCreate, AccountUpdate, AccountRead]):
    """Accounts, with business rules and an entry written for every opening balance."""

    repository_type = AccountRepository
    read_schema = AccountRead

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.operations: list[tuple[str, str]] = []
        self.events: list[str] = []

    async def before_create(self, unit: UnitOfWork, values: dict[str, Any]) -> dict[str, Any]:
        if values["name"].strip() == "":
            raise ValidationError("An account needs a name.", details={"field": "name"})
        values["name"] = values["name"].strip()
        return values

    async def after_create(self, unit: UnitOfWork, entity: Any) -> None:
        self.events.append(f"created {entity.name}")
        if entity.balance:
            await EntryRepository(unit).create(
                {"account_id": entity.id, "amount": entity.balance, "memo": "opening"}
            )

    async def before_update(
        self, unit: UnitOfWork, id: Any, changes: dict[str, Any]
    ) -> dict[str, Any]:
        if "name" in changes and changes["name"] is None:
            raise ValidationError("The name cannot be removed.")
        return changes

    async def after_update(self, unit: UnitOfWork, entity: Any) -> None:
        self.events.append(f"updated {entity.name}")

    async def before_delete(self, unit: UnitOfWork, id: Any) -> None:
        account = await self.repository(unit).get(id)
        if account.balance != 0:
            raise ConflictError("Only an empty account can be closed.")

    async def after_delete(self, unit: UnitOfWork, id: Any) -> None:
        self.events.append("deleted")

    async def on_operation(
        self, operation: str, *, seconds: float, error: FoundationError | None
    ) -> None:
        await super().on_operation(operation, seconds=seconds, error=error)
        self.operations.append((operation, "ok" if error is None else error.code))

    async def transfer(self, source: uuid.UUID, target: uuid.UUID, amount: int) -> None:
        """Move money: two entries and two balance updates, all or nothing."""
        async with self.observed("transfer"), self.unit_of_work() as unit:
            accounts, entries = AccountRepository(unit), EntryRepository(unit)
            await entries.create_many(
                [
                    {"account_id": source, "amount": -amount, "memo": "transfer out"},
                    {"account_id": target, "amount": amount, "memo": "transfer in"},
                ]
            )
            for account_id, delta in ((target, amount), (source, -amount)):
                account = await accounts.get(account_id)
                await accounts.update(account_id, {"balance": account.balance + delta})
