"""Repositories over the test's isolated session, and a small seeded catalogue."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from tests.foundation.repository.models import Gadget, GadgetRepository, PartRepository

T0 = datetime(2026, 1, 1, tzinfo=UTC)

# name, sku, quantity, category, active: duplicates on purpose (tie-breaks), mixed case,
# LIKE wildcards in text (escaping)
CATALOGUE: Sequence[tuple[str, str, int, str | None, bool]] = (
    ("Alpha", "A-1", 5, "tools", True),
    ("alpha", "A-2", 5, "tools", False),
    ("Beta", "B_1", 0, None, True),
    ("Gamma 100%", "G-1", 12, "toys", True),
    ("delta", "D-1", 7, None, False),
    ("Epsilon", "E-1", 5, "toys", True),
)


@pytest.fixture
def gadgets(db_session: AsyncSession) -> GadgetRepository:
    """A gadget repository on the test's session."""
    return GadgetRepository(db_session)


@pytest.fixture
def parts(db_session: AsyncSession) -> PartRepository:
    """A part repository on the test's session."""
    return PartRepository(db_session)


def catalogue_rows() -> list[dict[str, Any]]:
    """The catalogue as rows to create, launched a day apart."""
    return [
        {
            "name": name,
            "sku": sku,
            "quantity": quantity,
            "category": category,
            "active": active,
            "launched_at": T0 + timedelta(days=index),
        }
        for index, (name, sku, quantity, category, active) in enumerate(CATALOGUE)
    ]


@pytest.fixture
async def catalogue(gadgets: GadgetRepository) -> list[Gadget]:
    """The catalogue, created."""
    return await gadgets.create_many(catalogue_rows())
