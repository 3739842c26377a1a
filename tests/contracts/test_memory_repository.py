"""The in-memory repository passes ``RepositoryContract``: the fake cannot drift."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from contracts import RepositoryContract
from fixtures.memory import MemoryRepository, MemorySession
from tests.contracts.models import Gadget, Note
from tests.contracts.repositories import GADGET_CAPABILITIES, GadgetRepository, gadget_data


class TestMemoryGadgetRepository(RepositoryContract):
    capabilities = GADGET_CAPABILITIES
    text_field, second_sort_field = "title", "quantity"
    unique_field = "code"

    @pytest.fixture
    def repository(self) -> MemoryRepository[Gadget]:
        return MemoryRepository(
            Gadget,
            filterable=GadgetRepository.filterable,
            sortable=GadgetRepository.sortable,
            searchable=GadgetRepository.searchable,
        )

    def new_data(self, n: int) -> dict[str, Any]:
        return gadget_data(n)


class TestMemoryNoteRepository(RepositoryContract):
    capabilities = ("timestamps", "cursor_pagination", "foreign_keys")
    text_field = "body"

    @pytest.fixture
    def repository(self) -> MemoryRepository[Note]:
        session = MemorySession()  # the referenced gadgets live in the same session
        return MemoryRepository(Note, session)

    def new_data(self, n: int) -> dict[str, Any]:
        return {"body": f"note {n}"}

    def data_with_missing_reference(self) -> dict[str, Any]:
        return {"body": "orphan", "gadget_id": uuid.uuid4()}
