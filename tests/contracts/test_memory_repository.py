"""The in-memory repository passes ``RepositoryContract``, child policies included: the
fake cannot drift."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from contracts import RepositoryContract
from fixtures.memory import MemoryRepository, MemorySession
from foundation.repository import Children, OnParentDelete, SQLAlchemyRepository
from tests.contracts.models import Gadget, Note
from tests.contracts.repositories import GADGET_CAPABILITIES, GadgetRepository, gadget_data
from tests.soft_delete_models import Board, Card


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


class CardRepository(SQLAlchemyRepository[Card]):
    """The cards a fake board declares: a declaration names a repository class."""

    model = Card


class MemoryBoardContract(RepositoryContract, abstract=True):
    """A fake of boards whose cards follow ``child_policy``, cards in the same session."""

    capabilities = (
        "soft_delete",
        "versioning",
        "timestamps",
        "audit",
        "cursor_pagination",
        "child_policy",
        "child_upsert",
    )
    text_field = "owner"

    @pytest.fixture
    def repository(self) -> MemoryRepository[Board]:
        declared = Children(CardRepository, "board_id", OnParentDelete(self.child_policy))
        return MemoryRepository(Board, sortable=("owner",), children=(declared,))

    def new_data(self, n: int) -> dict[str, Any]:
        return {"slug": f"board-{n}"}

    def child_repository(self, repository: MemoryRepository[Board]) -> MemoryRepository[Card]:
        return MemoryRepository(Card, repository.session)

    def new_child_data(self, parent: Board, n: int) -> dict[str, Any]:
        return {"board_id": parent.id, "title": f"card {n}"}


class TestMemoryCascadingBoards(MemoryBoardContract):
    child_policy = "cascade"


class TestMemoryRefusingBoards(MemoryBoardContract):
    child_policy = "refuse"


class TestMemoryLeavingBoards(MemoryBoardContract):
    child_policy = "leave"
