"""``MigrationContract`` has teeth: a migration missing a column, and a second head, fail."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from tests.contracts.conftest import ContractRunner

EXAMPLE = Path(__file__).parents[2] / "examples" / "downstream"
SUITE = """
from bookshelf.models import Book
from contracts import MigrationContract


class TestBookMigrations(MigrationContract):
    migrations, metadata = "migrations", staticmethod(lambda: Book.metadata)
"""
SECOND_HEAD = '''
"""a branch nobody merged"""
revision = "0002"
down_revision = None
branch_labels = ("other",)
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
'''


@pytest.fixture
def runner(contract_runner: ContractRunner, monkeypatch: pytest.MonkeyPatch) -> ContractRunner:
    for item in ("bookshelf", "migrations"):
        shutil.copytree(
            EXAMPLE / item,
            contract_runner.pytester.path / item,
            ignore=shutil.ignore_patterns("__pycache__"),
        )
    monkeypatch.syspath_prepend(str(contract_runner.pytester.path))
    sys.modules.pop("bookshelf", None)
    return contract_runner


def test_correct_migrations_pass(runner: ContractRunner) -> None:
    outcome = runner.run(SUITE)
    assert (outcome.passed, outcome.failed) == (3, set()), outcome.text


def test_a_migration_missing_a_column_fails(runner: ContractRunner) -> None:
    revision = runner.pytester.path / "migrations" / "versions" / "0001_books.py"
    source = revision.read_text()
    title = '        sa.Column("title", sa.String(length=200), nullable=False),\n'
    assert title in source
    revision.write_text(source.replace(title, ""))
    outcome = runner.run(SUITE)
    assert outcome.failed == {
        "test_upgrade_on_an_empty_database_builds_the_models",
        "test_downgrade_to_base_and_upgrade_again",
    }
    assert "add_column k_book.title" in outcome.text


def test_a_second_head_fails(runner: ContractRunner) -> None:
    (runner.pytester.path / "migrations" / "versions" / "0002_other.py").write_text(SECOND_HEAD)
    outcome = runner.run(SUITE, "-k", "single_head")
    assert outcome.failed == {"test_single_head"}
