"""``ServiceContract`` has teeth: the bookshelf service passes with exact counts, and broken
services fail the tests named for their defect."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from tests.contracts.conftest import ContractRunner

EXAMPLE = Path(__file__).parents[2] / "examples" / "downstream"

SUITE = """
import pytest

from bookshelf.service import BookCreate, BookRead, BookService, BookUpdate
from contracts import ServiceContract
from foundation import ConflictError, Database, NotFoundError


class Service(BookService):
{body}


def book(n):
    return BookCreate(isbn=f"978-{{n:09d}}", title=f"Book {{n}}")


class TestBookService(ServiceContract):
    capabilities = ("validation", "conflicts", "versioning", "soft_delete", "cursor_pagination")
    service = pytest.fixture(lambda self, database: Service(database))
    read_schema, valid_create = BookRead, staticmethod(book)
    valid_update = staticmethod(lambda n: BookUpdate(title=f"Edition {{n}}"))
    invalid_creates = staticmethod(lambda: [BookCreate(isbn="978-000000001", title="LOUD")])
    invalid_updates = staticmethod(lambda: [BookUpdate(title="LOUD")])
    conflicting_create = staticmethod(lambda b: BookCreate(isbn=b.isbn, title="Copy"))
"""

BROKEN = {
    "wrong error class": (
        """
    async def get(self, id):
        try:
            return await super().get(id)
        except NotFoundError as error:
            raise ConflictError("gone") from error
        """,
        (),
        {"test_missing_entity_raises_not_found", "test_delete_makes_the_entity_unreachable"},
    ),
    "validation that lets bad input through": (
        """
    async def before_create(self, unit, values):
        return values
        """,
        (),
        {"test_invalid_input_is_refused_and_writes_nothing"},
    ),
    "a rule checked on create but forgotten on update": (
        """
    async def before_update(self, unit, id, changes):
        return changes
        """,
        (),
        {"test_invalid_update_is_refused_and_changes_nothing"},
    ),
    "a service that commits on its own": (
        """
    def __init__(self, database):
        super().__init__(Database(database.engine))  # its own transactions, not the caller's
        """,
        ("-k", "rolls_the_call_back"),
        {"test_failure_later_in_the_unit_of_work_rolls_the_call_back"},
    ),
}


@pytest.fixture
def runner(contract_runner: ContractRunner, monkeypatch: pytest.MonkeyPatch) -> ContractRunner:
    shutil.copytree(
        EXAMPLE / "bookshelf",
        contract_runner.pytester.path / "bookshelf",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    monkeypatch.syspath_prepend(str(contract_runner.pytester.path))
    sys.modules.pop("bookshelf", None)
    return contract_runner


def test_correct_service_passes_with_exact_counts(runner: ContractRunner) -> None:
    outcome = runner.run(SUITE.format(body="    pass"))
    assert (outcome.passed, outcome.skipped, outcome.failed) == (12, 0, set()), outcome.text


@pytest.mark.parametrize("defect", list(BROKEN))
def test_broken_service_fails_the_named_tests(runner: ContractRunner, defect: str) -> None:
    body, args, expected = BROKEN[defect]
    outcome = runner.run(SUITE.format(body=body.rstrip()), *args)
    assert outcome.failed == expected, outcome.text
