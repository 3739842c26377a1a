"""The documented downstream example (examples/downstream) passes all four suites, run as
its own project: its own ini, the plugin loaded by entry point, on this run's databases."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from fixtures.plugin import SPECS_KEY

EXAMPLE = Path(__file__).parents[2] / "examples" / "downstream"
# per database: 191 tests pass (books and listings) and 40 are skipped for undeclared
# capabilities; the single-head check of the migrations needs no database and runs once
PASSED_PER_DB, SKIPPED_PER_DB, PASSED_ONCE = 191, 40, 1


def test_downstream_example_passes_all_four_suites(
    pytester: pytest.Pytester, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    for item in ("bookshelf", "migrations", "tests", "pyproject.toml"):
        source = EXAMPLE / item
        target = pytester.path / item
        if source.is_dir():
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, target)
    specs = request.config.stash[SPECS_KEY]
    monkeypatch.delenv("FOUNDATION_TEST_DB", raising=False)
    monkeypatch.delenv("PYTHONPATH", raising=False)
    args = [arg for spec in specs for arg in ("--db", _spec_arg(spec))]
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", *args)
    result.assert_outcomes(
        passed=PASSED_ONCE + PASSED_PER_DB * len(specs), skipped=SKIPPED_PER_DB * len(specs)
    )


def _spec_arg(spec: object) -> str:
    name, url = getattr(spec, "name"), getattr(spec, "url")  # noqa: B009
    return name if url is None else f"{name}={url}"
