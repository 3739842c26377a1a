"""``SQLAlchemyRepository`` passes ``RepositoryContract`` on every selected database."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from contracts import RepositoryContract
from foundation import Database
from tests.contracts.repositories import (
    GADGET_CAPABILITIES,
    GadgetRepository,
    NoteRepository,
    gadget_data,
)


class TestGadgetRepository(RepositoryContract):
    capabilities = GADGET_CAPABILITIES
    text_field, second_sort_field = "title", "quantity"
    unique_field = "code"

    @pytest.fixture
    def repository(self, db_session: AsyncSession) -> GadgetRepository:
        return GadgetRepository(db_session)

    def new_data(self, n: int) -> dict[str, Any]:
        return gadget_data(n)


PARENT = uuid.UUID("0190a000-0000-7000-8000-0000000000aa")
"""The gadget every note of ``TestNoteRepository`` belongs to."""


class TestNoteRepository(RepositoryContract):
    """Notes refer to a parent made by ``prerequisites``: the state machine's rollbacks
    after each example must leave it in place."""

    capabilities = ("timestamps", "cursor_pagination", "foreign_keys")
    text_field = "body"

    @pytest.fixture
    async def prerequisites(self, database: Database) -> None:
        async with database.transaction() as session:
            await GadgetRepository(session).create({**gadget_data(999), "id": PARENT})

    @pytest.fixture
    def repository(self, db_session: AsyncSession) -> NoteRepository:
        return NoteRepository(db_session)

    def new_data(self, n: int) -> dict[str, Any]:
        return {"body": f"note {n}", "gadget_id": PARENT}

    def data_with_missing_reference(self) -> dict[str, Any]:
        return {"body": "orphan", "gadget_id": uuid.uuid4()}
