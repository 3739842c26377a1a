"""The ``prerequisites`` fixture: rows the suite's data refers to, made before the suite's
own session or client starts, so that the suite's rollbacks keep them."""

from __future__ import annotations

from typing import Any

import pytest


class Prerequisites:
    """Mixed into the suites that write through the per-test ``database``."""

    @pytest.fixture
    def prerequisites(self) -> Any:
        """Rows your data refers to, such as a foreign key's parent (default: none).

        Override it as a fixture that writes them in a unit of work of its own::

            @pytest.fixture
            async def prerequisites(self, database):
                async with database.transaction() as session:
                    await WarehouseRepository(session).create({"id": MAIN, "name": "Main"})

        It runs once per test, before the suite's session, service or client is made, so
        the rollbacks the suite performs (after each state-machine run, each stateful
        scenario) leave these rows in place; the test's own rollback removes them.
        """
        return None

    @pytest.fixture(autouse=True)
    def _prerequisites_first(self, prerequisites: Any) -> Any:
        # autouse fixtures are set up before the test's other fixtures of the same scope
        return prerequisites
