"""Contract machinery: hooks checked at definition, capabilities as data, strict known
failures, base classes never collected."""

from __future__ import annotations

import re
from typing import Any

import pytest

from contracts import SUITE_VERSION, ApiContract, ContractError, RepositoryContract
from tests.contracts.conftest import ContractRunner
from tests.contracts.repositories import GADGET_CAPABILITIES

MEMORY_SUITE = """
from typing import Any

import pytest

from contracts import RepositoryContract
from fixtures.memory import MemoryRepository
from tests.contracts.models import Gadget
from tests.contracts.repositories import gadget_data

{prelude}

class TestGadgets(RepositoryContract):
    capabilities = {capabilities}
    known_failures = {known_failures}
    text_field = "title"
    unique_field = "code"

    @pytest.fixture
    def repository(self):
        return {repository}

    def new_data(self, n: int) -> dict[str, Any]:
        return gadget_data(n)
"""
CORRECT = "MemoryRepository(Gadget)"
UNCHECKED_VERSION = (
    "type('Unchecked', (MemoryRepository,), {'update': "
    "lambda self, id, changes, expected_version=None: MemoryRepository.update(self, id, changes)"
    "})(Gadget)"
)


def suite(
    capabilities: tuple[str, ...] = GADGET_CAPABILITIES,
    known_failures: dict[str, str] | None = None,
    repository: str = CORRECT,
    prelude: str = "",
) -> str:
    return MEMORY_SUITE.format(
        capabilities=capabilities,
        known_failures=known_failures or {},
        repository=repository,
        prelude=prelude,
    )


def test_suite_version_is_semantic() -> None:
    assert re.fullmatch(r"\d+\.\d+\.\d+", SUITE_VERSION)
    assert RepositoryContract.suite_version == SUITE_VERSION


def test_missing_hook_fails_when_the_class_is_defined() -> None:
    with pytest.raises(ContractError, match=r"must define the hooks \['repository', 'new_data'\]"):

        class TestIncomplete(RepositoryContract):
            text_field = "title"


def test_capability_hooks_become_required_when_declared() -> None:
    with pytest.raises(ContractError, match="unique_field"):

        class TestNoUniqueField(RepositoryContract):
            capabilities = ("unique",)
            text_field = "title"

            @pytest.fixture
            def repository(self) -> Any:
                return None

            def new_data(self, n: int) -> dict[str, Any]:
                return {}


def test_unknown_capability_fails_when_the_class_is_defined() -> None:
    with pytest.raises(ContractError, match=r"unknown capabilities \['teleport'\]"):

        class TestTeleporting(RepositoryContract):
            capabilities = ("teleport",)


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        ({"/api/v1/books": (422,)}, "is no operation"),
        ({"POST /api/v1/books": (500,)}, "a business rule answers a 4xx status"),
        ((200,), "a business rule answers a 4xx status"),
    ],
    ids=["operation without a method", "a 5xx", "a 2xx"],
)
def test_business_rule_statuses_are_checked_when_the_class_is_defined(
    rules: Any, message: str
) -> None:
    with pytest.raises(ContractError, match=message):

        class TestRules(ApiContract, abstract=True):
            business_rule_statuses = rules


def test_min_accepted_share_is_a_share() -> None:
    with pytest.raises(ContractError, match="min_accepted_share"):

        class TestShare(ApiContract, abstract=True):
            min_accepted_share = 0


def test_known_failure_must_name_a_test_of_the_suite() -> None:
    with pytest.raises(ContractError, match="test_typo"):

        class TestTypo(RepositoryContract):
            known_failures = {"test_typo": "no such test"}  # noqa: RUF012
            text_field = "title"

            @pytest.fixture
            def repository(self) -> Any:
                return None

            def new_data(self, n: int) -> dict[str, Any]:
                return {}


def test_base_classes_are_not_collected(contract_runner: ContractRunner) -> None:
    outcome = contract_runner.run(
        "from contracts import ApiContract, MigrationContract, RepositoryContract, "
        "ServiceContract\n"
    )
    assert "collected 0 items" in outcome.text


def test_missing_hook_is_a_collection_error(contract_runner: ContractRunner) -> None:
    source = suite().replace("    def new_data", "    def renamed_data")
    outcome = contract_runner.run(source)
    assert outcome.errors == 1
    assert "must define the hooks ['new_data']" in outcome.text
    assert outcome.passed == 0


def test_unknown_capability_is_a_collection_error(contract_runner: ContractRunner) -> None:
    outcome = contract_runner.run(suite(capabilities=(*GADGET_CAPABILITIES, "time_travel")))
    assert outcome.errors == 1
    assert "unknown capabilities ['time_travel']" in outcome.text


def test_undeclared_capability_skips_with_the_reason(contract_runner: ContractRunner) -> None:
    outcome = contract_runner.run(suite(capabilities=()), "-rs", "-k", "not random")
    assert outcome.failed == set()
    assert "capability not declared by TestGadgets: versioning" in outcome.text
    assert "capability not declared by TestGadgets: soft_delete" in outcome.text


def test_declared_known_failure_keeps_the_run_green(contract_runner: ContractRunner) -> None:
    known = {"test_stale_version_is_refused": "tracked in #1"}
    outcome = contract_runner.run(
        suite(known_failures=known, repository=UNCHECKED_VERSION), "-k", "version"
    )
    assert (outcome.failed, outcome.xfailed, outcome.passed) == (set(), 1, 1), outcome.text


def test_fixed_known_failure_turns_the_run_red(contract_runner: ContractRunner) -> None:
    known = {"test_stale_version_is_refused": "tracked in #1"}
    outcome = contract_runner.run(suite(known_failures=known), "-k", "version")
    assert (outcome.failed, outcome.passed) == ({"test_stale_version_is_refused"}, 1)
    assert "XPASS(strict)" in outcome.text


def test_contract_failures_show_rewritten_assertions(contract_runner: ContractRunner) -> None:
    outcome = contract_runner.run(suite(repository=UNCHECKED_VERSION), "-k", "stale")
    assert outcome.failed == {"test_stale_version_is_refused"}
    assert "DID NOT RAISE" in outcome.text
    prelude = (
        "class Leaky(MemoryRepository):\n"
        "    async def list(self, filters=None, **options):\n"
        "        return await super().list(filters, **{**options, 'include_deleted': True})\n"
    )
    source = suite(repository="Leaky(Gadget)", prelude=prelude)
    outcome = contract_runner.run(source, "-k", "every_read")
    assert outcome.failed == {"test_delete_removes_from_every_read"}
    assert "assert [UUID(" in outcome.text  # operands shown: the plugin rewrote the suite


DATABASE_SUITE = """
import pytest

from contracts import RepositoryContract
from tests.contracts.repositories import GADGET_CAPABILITIES, GadgetRepository, gadget_data


class Unchecked(GadgetRepository):
    async def update(self, id, changes, *, expected_version=None):
        return await super().update(id, changes)


class TestGadgets(RepositoryContract):
    capabilities, known_failures = GADGET_CAPABILITIES, {known_failures}
    text_field, unique_field, new_data = "title", "code", staticmethod(gadget_data)
    repository = pytest.fixture(lambda self, db_session: Unchecked(db_session))
"""


@pytest.mark.parametrize(
    ("backend", "xfailed", "failed"),
    [("sqlite", 1, set()), ("postgresql", 0, {"test_stale_version_is_refused"})],
    ids=["this database", "another database"],
)
def test_known_failure_may_name_one_database(
    contract_runner: ContractRunner, backend: str, xfailed: int, failed: set[str]
) -> None:
    known = {f"test_stale_version_is_refused[{backend}]": "tracked in #2"}
    source = DATABASE_SUITE.format(known_failures=known)
    outcome = contract_runner.run(source, "-k", "stale_version")  # the nested run is on sqlite
    assert (outcome.failed, outcome.xfailed) == (failed, xfailed), outcome.text


def test_relative_migrations_resolve_from_the_test_module(
    contract_runner: ContractRunner,
) -> None:
    elsewhere = contract_runner.pytester.mkdir("elsewhere")
    source = (
        "from contracts import MigrationContract\n\n"
        "class TestNone(MigrationContract):\n"
        "    migrations, metadata = 'no-such-folder', staticmethod(lambda: None)\n"
    )
    outcome = contract_runner.run(source, "--collect-only", f"--rootdir={elsewhere}")
    assert outcome.errors == 1, outcome.text
    assert "resolved from the test module's folder" in outcome.text
    assert str(contract_runner.pytester.path / "no-such-folder") in outcome.text
