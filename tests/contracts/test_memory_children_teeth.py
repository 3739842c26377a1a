"""``RepositoryContract``'s child-policy tests hold the in-memory fake to account too: a
correct fake passes them under each policy with exact counts, and a fake broken on
purpose (a step of a policy skipped, or the wrong policy declared) fails exactly the
tests that check that step."""

from __future__ import annotations

from typing import NamedTuple

import pytest

from tests.contracts.conftest import ContractRunner

MODULE = """
from typing import Any

import pytest

import fixtures.memory
from contracts import RepositoryContract
from fixtures.memory import MemoryRepository
from foundation.repository import Children, OnParentDelete, SQLAlchemyRepository
from tests.soft_delete_models import Board, Card


class CardRepository(SQLAlchemyRepository[Card]):
    model = Card


Boards = MemoryRepository
{defect}


class TestBoards(RepositoryContract):
    capabilities = ("soft_delete", "child_policy")
    text_field = "owner"
    child_policy = "{policy}"

    @pytest.fixture
    def repository(self):
        declared = Children(CardRepository, "board_id", OnParentDelete.{declared})
        return Boards(Board, sortable=("owner",), children={children})

    def new_data(self, n: int) -> dict[str, Any]:
        return {{"slug": f"board-{{n}}"}}

    def child_repository(self, repository):
        return MemoryRepository(Card, repository.session)

    def new_child_data(self, parent, n: int) -> dict[str, Any]:
        return {{"board_id": parent.id, "title": f"card {{n}}"}}
"""

# 79 test ids; the board declares soft delete and child policies only (not child_upsert)
PASSED, SKIPPED = 54, 25
POLICY_TEST = "test_delete_applies_the_declared_child_policy"
MANY_TEST = "test_delete_many_applies_the_declared_child_policy"
HARD_TEST = "test_hard_delete_applies_the_declared_child_policy"
RESTORE_TEST = "test_a_child_waits_for_its_deleted_parent"
ALL_POLICY_TESTS = {POLICY_TEST, MANY_TEST, HARD_TEST, RESTORE_TEST}


class Defect(NamedTuple):
    """A broken fake: the code that breaks it, the policy the suite is told, the tests
    that must fail; what the board declares (default: the policy) and its declarations."""

    code: str
    policy: str
    expected: set[str]
    declared: str | None = None
    children: str = "(declared,)"


def module(
    defect: str = "",
    policy: str = "cascade",
    declared: str | None = None,
    children: str = "(declared,)",
) -> str:
    """A test module running the contract against a fake of boards declaring
    ``declared`` (default: ``policy``) for their cards, broken by ``defect``."""
    return MODULE.format(
        defect=defect,
        policy=policy,
        declared=(declared or policy).upper(),
        children=children,
    )


def skipping(step: str) -> str:
    """Code that makes the fake skip ``step`` of ``fixtures.memory_children``."""
    return f"fixtures.memory.{step} = lambda *args, **kwargs: None"


FORGETFUL_DELETE_MANY = """
class Boards(MemoryRepository):
    async def delete_many(self, filters):
        plain = MemoryRepository(Board, self.session, sortable=("owner",))
        return await plain.delete_many(filters)
"""

BROKEN = {
    "no children declared": Defect("", "cascade", ALL_POLICY_TESTS, children="()"),
    "cascade that forgets the children": Defect(
        skipping("cascade_delete"), "cascade", {POLICY_TEST, MANY_TEST}
    ),
    "restore that leaves the children deleted": Defect(
        skipping("cascade_restore"), "cascade", {POLICY_TEST, MANY_TEST}
    ),
    "hard_delete that forgets the cascade": Defect(
        skipping("cascade_hard_delete"), "cascade", {HARD_TEST}
    ),
    "refusal that lets live children go": Defect(
        # the hard delete is still refused, by the foreign key
        skipping("refuse_children"),
        "refuse",
        {POLICY_TEST, MANY_TEST},
    ),
    "a cascaded child restored under its deleted parent": Defect(
        skipping("refuse_restore_under_deleted_parent"), "cascade", {RESTORE_TEST}
    ),
    "a refused child restored under its deleted parent": Defect(
        skipping("refuse_restore_under_deleted_parent"), "refuse", {RESTORE_TEST}
    ),
    "refusal declared, children left alone": Defect(
        "", "refuse", {POLICY_TEST, MANY_TEST, RESTORE_TEST}, declared="leave"
    ),
    "children left alone, cascade done": Defect("", "leave", ALL_POLICY_TESTS, declared="cascade"),
    "delete_many that forgets the cascade": Defect(FORGETFUL_DELETE_MANY, "cascade", {MANY_TEST}),
    "delete_many that forgets the refusal": Defect(FORGETFUL_DELETE_MANY, "refuse", {MANY_TEST}),
}


@pytest.mark.parametrize("policy", ["cascade", "refuse", "leave"])
def test_the_fake_passes_each_policy_with_exact_counts(
    contract_runner: ContractRunner, policy: str
) -> None:
    outcome = contract_runner.run(module(policy=policy))
    assert (outcome.passed, outcome.skipped, outcome.failed) == (PASSED, SKIPPED, set()), (
        outcome.text
    )


@pytest.mark.parametrize("defect", list(BROKEN))
def test_a_broken_fake_fails_the_named_tests(contract_runner: ContractRunner, defect: str) -> None:
    broken = BROKEN[defect]
    source = module(broken.code, broken.policy, broken.declared, broken.children)
    outcome = contract_runner.run(source)
    assert outcome.failed == broken.expected, outcome.text
