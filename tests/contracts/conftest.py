"""Helpers for running contract suites inside a nested pytest (``pytester``)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

INNER_INI = """\
[pytest]
asyncio_mode = auto
asyncio_default_fixture_loop_scope = session
asyncio_default_test_loop_scope = session
"""


@dataclass
class Outcome:
    """What a nested run reported, by test name (without the backend id)."""

    passed: int
    skipped: int
    failed: set[str]
    errors: int
    xfailed: int
    text: str


class ContractRunner:
    """Writes a test module and runs it on SQLite in a nested pytest session."""

    def __init__(self, pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
        self.pytester = pytester
        pytester.makeini(INNER_INI)
        # the nested run imports our test models and repositories from the checkout
        root = str(pytester._request.config.rootpath)
        monkeypatch.setenv("PYTHONPATH", root)
        monkeypatch.delenv("FOUNDATION_TEST_DB", raising=False)

    def run(self, source: str, *args: str) -> Outcome:
        """Run ``source`` as ``test_inner.py``; report outcomes and the failed test names."""
        self.pytester.makepyfile(test_inner=source)
        result = self.pytester.runpytest_subprocess(
            "--db",
            "sqlite",
            "-p",
            "no:cacheprovider",
            "--contract-profile",
            "quick",
            "-rfE",
            *args,
        )
        outcomes = result.parseoutcomes()
        failed = set()
        for line in result.outlines:
            if line.startswith("FAILED "):
                test_id = line.split()[1].split("::")[-1]
                failed.add(test_id.split("[")[0])
        return Outcome(
            passed=outcomes.get("passed", 0),
            skipped=outcomes.get("skipped", 0),
            failed=failed,
            errors=outcomes.get("errors", outcomes.get("error", 0)),
            xfailed=outcomes.get("xfailed", 0),
            text=str(result.stdout),
        )


@pytest.fixture
def contract_runner(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> ContractRunner:
    """Runs contract subclasses in a nested pytest."""
    return ContractRunner(pytester, monkeypatch)
