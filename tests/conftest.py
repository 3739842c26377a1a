"""Our own tests run on the databases chosen with --db / FOUNDATION_TEST_DB."""

import pytest

import tests.models
import tests.soft_delete_models  # noqa: F401

# pytester runs the contract suites against broken implementations (tests/contracts).
pytest_plugins = ["pytester"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Nested pytest runs (contract teeth) do not depend on --db: the tox matrix cells
    # deselect them with -m "not nested"; `make test` runs them once.
    for item in items:
        if "pytester" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.nested)
