"""``RepositoryContract``'s soft-delete checks have teeth: unique values among live rows
and the declared child policy, each broken on purpose, fail exactly their test."""

from __future__ import annotations

import textwrap

import pytest

from tests.contracts.conftest import ContractRunner

HEADER = """
from typing import Any, ClassVar

import pytest

from contracts import RepositoryContract
from foundation import DuplicateError
from foundation.repository import ALL_OPS, Children, OnParentDelete, SQLAlchemyRepository
from tests.soft_delete_models import Board, Card


class CardRepository(SQLAlchemyRepository[Card]):
    model = Card


class BoardRepository(SQLAlchemyRepository[Board]):
    model = Board
    filterable: ClassVar[dict[str, Any]] = {"owner": ALL_OPS}
    sortable = ("owner",)
    children = (Children(CardRepository, "board_id", OnParentDelete.CASCADE),)


class PlainBoards(SQLAlchemyRepository[Board]):
    model = Board
"""

SUITE = """
class TestBoards(RepositoryContract):
    capabilities = ("soft_delete", "unique", "unique_among_live", "child_policy")
    text_field, unique_field = "owner", "slug"
    child_policy = "{policy}"

    @pytest.fixture
    def repository(self, db_session):
        return Repository(db_session)

    def new_data(self, n: int) -> dict[str, Any]:
        return {{"slug": f"board-{{n}}"}}

    def child_repository(self, repository):
        return CardRepository(repository.session)

    def new_child_data(self, parent, n: int) -> dict[str, Any]:
        return {{"board_id": parent.id, "title": f"card {{n}}"}}
"""


def module(repository_body: str = "pass", policy: str = "cascade") -> str:
    """A test module running the contract against ``BoardRepository`` changed by the body."""
    body = textwrap.indent(textwrap.dedent(repository_body).strip(), "    ")
    suite = SUITE.format(policy=policy)
    return f"{HEADER}\n\nclass Repository(BoardRepository):\n{body}\n\n{suite}"


# 71 test ids; the board declares no versioning, search, upsert, cursors, foreign keys...
PASSED, SKIPPED = 54, 19
POLICY_TEST = "test_delete_applies_the_declared_child_policy"
UNIQUE_TEST = "test_a_deleted_row_frees_its_unique_values"

BROKEN = {
    "cascade that forgets the children": ("children = ()", "cascade", {POLICY_TEST}),
    "restore that leaves the children deleted": (
        """
        async def restore(self, id):
            return await PlainBoards(self.session).restore(id)  # no cascade
        """,
        "cascade",
        {POLICY_TEST},
    ),
    "refusal declared, children left alone": (
        'children = (Children(CardRepository, "board_id", OnParentDelete.LEAVE),)',
        "refuse",
        {POLICY_TEST},
    ),
    "children left alone, cascade done": ("pass", "leave", {POLICY_TEST}),
    "restore that swallows the conflict": (
        """
        async def restore(self, id):
            try:
                return await super().restore(id)
            except DuplicateError:
                return await self.get(id, include_deleted=True)
        """,
        "cascade",
        {UNIQUE_TEST},
    ),
    "unique values that stay taken": (
        """
        async def create(self, data):
            if await self.exists({"slug": data["slug"]}, include_deleted=True):
                raise DuplicateError(details={"fields": ["slug"]})
            return await super().create(data)
        filterable: ClassVar[dict[str, Any]] = {"owner": ALL_OPS, "slug": ALL_OPS}
        """,
        "cascade",
        {UNIQUE_TEST},
    ),
}


@pytest.mark.parametrize("policy", ["cascade", "refuse", "leave"])
def test_each_correct_policy_passes_with_exact_counts(
    contract_runner: ContractRunner, policy: str
) -> None:
    declared = (
        f'children = (Children(CardRepository, "board_id", OnParentDelete.{policy.upper()}),)'
    )
    outcome = contract_runner.run(module(declared, policy))
    assert (outcome.passed, outcome.skipped, outcome.failed) == (PASSED, SKIPPED, set()), (
        outcome.text
    )


@pytest.mark.parametrize("defect", list(BROKEN))
def test_broken_soft_delete_fails_the_named_test(
    contract_runner: ContractRunner, defect: str
) -> None:
    body, policy, expected = BROKEN[defect]
    outcome = contract_runner.run(module(body, policy))
    assert outcome.failed == expected, outcome.text
