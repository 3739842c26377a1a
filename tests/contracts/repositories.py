"""Repositories over the ``k_`` models, shared by the suites' own tests."""

from __future__ import annotations

from typing import Any, ClassVar

from foundation.repository import ALL_OPS, SQLAlchemyRepository
from tests.contracts.models import Gadget, Note

GADGET_CAPABILITIES = (
    "soft_delete",
    "versioning",
    "timestamps",
    "audit",
    "cursor_pagination",
    "upsert",
    "search",
    "unique",
)


class GadgetRepository(SQLAlchemyRepository[Gadget]):
    """Every capability the contract knows, except foreign keys."""

    model = Gadget
    filterable: ClassVar[dict[str, Any]] = {"title": ALL_OPS, "code": ALL_OPS}
    sortable = ("title", "quantity")
    searchable = ("title",)


class NoteRepository(SQLAlchemyRepository[Note]):
    """A plain model with a foreign key."""

    model = Note
    filterable: ClassVar[dict[str, Any]] = {"body": ALL_OPS}
    sortable = ("body",)


def gadget_data(n: int) -> dict[str, Any]:
    """Valid data for the ``n``-th gadget."""
    return {"code": f"code-{n}", "title": f"gadget {n}", "quantity": n}
