"""``SQLAlchemyRepository`` passes ``RepositoryContract`` on every selected database."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from contracts import RepositoryContract
from tests.contracts.repositories import (
    GADGET_CAPABILITIES,
    GadgetRepository,
    NoteRepository,
    gadget_data,
)


class TestGadgetRepository(RepositoryContract):
    capabilities = GADGET_CAPABILITIES
    text_field = "title"
    unique_field = "code"

    @pytest.fixture
    def repository(self, db_session: AsyncSession) -> GadgetRepository:
        return GadgetRepository(db_session)

    def new_data(self, n: int) -> dict[str, Any]:
        return gadget_data(n)


class TestNoteRepository(RepositoryContract):
    capabilities = ("timestamps", "cursor_pagination", "foreign_keys")
    text_field = "body"

    @pytest.fixture
    def repository(self, db_session: AsyncSession) -> NoteRepository:
        return NoteRepository(db_session)

    def new_data(self, n: int) -> dict[str, Any]:
        return {"body": f"note {n}"}

    def data_with_missing_reference(self) -> dict[str, Any]:
        return {"body": "orphan", "gadget_id": uuid.uuid4()}
