"""``RepositoryContract``'s soft-delete checks have teeth: unique values among live rows
and the declared child policy (on ``delete``, ``delete_many``, ``hard_delete`` and a
child's restore), each broken on purpose, fail exactly their tests."""

from __future__ import annotations

import textwrap
from typing import NamedTuple

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


class PlainCards(SQLAlchemyRepository[Card]):  # no board names them: no parent known
    model = Card


class RevivingCards(CardRepository):  # restore guarded, upsert not
    async def upsert(self, data, *, conflict):
        return await PlainCards(self.session).upsert(data, conflict=conflict)


class BoardRepository(SQLAlchemyRepository[Board]):
    model = Board
    filterable: ClassVar[dict[str, Any]] = {"owner": ALL_OPS}
    sortable = ("owner",)


class PlainBoards(SQLAlchemyRepository[Board]):  # declares no children
    model = Board
    filterable: ClassVar[dict[str, Any]] = {"owner": ALL_OPS}
"""

SUITE = """
class TestBoards(RepositoryContract):
    capabilities = ("soft_delete", "unique", "unique_among_live", "child_policy", "child_upsert")
    text_field, unique_field = "owner", "slug"
    child_policy = "{policy}"

    @pytest.fixture
    def repository(self, db_session):
        return Repository(db_session)

    def new_data(self, n: int) -> dict[str, Any]:
        return {{"slug": f"board-{{n}}"}}

    def child_repository(self, repository):
        return {cards}(repository.session)

    def new_child_data(self, parent, n: int) -> dict[str, Any]:
        return {{"board_id": parent.id, "title": f"card {{n}}"}}
"""


def module(
    repository_body: str = "pass",
    policy: str = "cascade",
    declared: str | None = None,
    cards: str = "CardRepository",
) -> str:
    """A test module running the contract against a ``BoardRepository`` that declares
    ``declared`` (default: ``policy``) for its cards, changed by the body; the suite says
    ``policy`` and reaches the cards through ``cards``."""
    policy_name = (declared or policy).upper()
    children = f'children = (Children(CardRepository, "board_id", OnParentDelete.{policy_name}),)'
    body = textwrap.indent(f"{children}\n{textwrap.dedent(repository_body).strip()}", "    ")
    suite = SUITE.format(policy=policy, cards=cards)
    return f"{HEADER}\n\nclass Repository(BoardRepository):\n{body}\n\n{suite}"


# 75 test ids; the board declares no versioning, search, upsert, cursors, foreign keys...
PASSED, SKIPPED = 59, 20
POLICY_TEST = "test_delete_applies_the_declared_child_policy"
MANY_TEST = "test_delete_many_applies_the_declared_child_policy"
HARD_TEST = "test_hard_delete_applies_the_declared_child_policy"
RESTORE_TEST = "test_a_child_waits_for_its_deleted_parent"
UPSERT_TEST = "test_an_upsert_does_not_revive_a_child_under_its_deleted_parent"
UNIQUE_TEST = "test_a_deleted_row_frees_its_unique_values"
ALL_POLICY_TESTS = {POLICY_TEST, MANY_TEST, HARD_TEST, RESTORE_TEST, UPSERT_TEST}


class Defect(NamedTuple):
    """A broken repository: its body, the policy the suite is told, the tests that must
    fail; what the board declares (default: the policy) and the cards' repository."""

    body: str
    policy: str
    expected: set[str]
    declared: str | None = None
    cards: str = "CardRepository"


BROKEN = {
    "cascade that forgets the children": Defect("children = ()", "cascade", ALL_POLICY_TESTS),
    "restore that leaves the children deleted": Defect(
        """
        async def restore(self, id):
            return await PlainBoards(self.session).restore(id)  # no cascade
        """,
        "cascade",
        {POLICY_TEST, MANY_TEST},
    ),
    "refusal declared, children left alone": Defect(
        "pass", "refuse", {POLICY_TEST, MANY_TEST, RESTORE_TEST, UPSERT_TEST}, declared="leave"
    ),
    "children left alone, cascade done": Defect(
        "pass", "leave", ALL_POLICY_TESTS, declared="cascade"
    ),
    "delete_many that forgets the cascade": Defect(
        """
        async def delete_many(self, filters):
            return await PlainBoards(self.session).delete_many(filters)
        """,
        "cascade",
        {MANY_TEST},
    ),
    "delete_many that forgets the refusal": Defect(
        """
        async def delete_many(self, filters):
            return await PlainBoards(self.session).delete_many(filters)
        """,
        "refuse",
        {MANY_TEST},
    ),
    "hard_delete that forgets the cascade": Defect(
        """
        async def hard_delete(self, id):
            return await PlainBoards(self.session).hard_delete(id)
        """,
        "cascade",
        {HARD_TEST},
    ),
    "a cascaded child restored under its deleted parent": Defect(
        "pass", "cascade", {RESTORE_TEST, UPSERT_TEST}, cards="PlainCards"
    ),
    "a refused child restored under its deleted parent": Defect(
        "pass", "refuse", {RESTORE_TEST, UPSERT_TEST}, cards="PlainCards"
    ),
    "restore that swallows the conflict": Defect(
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
    "an upsert that revives a child under its deleted parent": Defect(
        "pass", "cascade", {UPSERT_TEST}, cards="RevivingCards"
    ),
    "unique values that stay taken": Defect(
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
    outcome = contract_runner.run(module(policy=policy))
    assert (outcome.passed, outcome.skipped, outcome.failed) == (PASSED, SKIPPED, set()), (
        outcome.text
    )


@pytest.mark.parametrize("defect", list(BROKEN))
def test_broken_soft_delete_fails_the_named_test(
    contract_runner: ContractRunner, defect: str
) -> None:
    broken = BROKEN[defect]
    outcome = contract_runner.run(module(broken.body, broken.policy, broken.declared, broken.cards))
    assert outcome.failed == broken.expected, outcome.text
