"""Pagination requests and results: offset pages with a total strategy, and keyset cursors.

Each kind has its own listing: ``list`` (and ``list_values``) take an ``OffsetPagination``
and answer a ``Page``; ``list_cursor`` (and ``list_cursor_values``) take a
``CursorPagination`` and answer a ``CursorPage``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Generic, TypeVar

T = TypeVar("T")

DEFAULT_LIMIT = 50
DEFAULT_MAX_LIMIT = 100


class TotalStrategy(StrEnum):
    """How ``Page.total`` is computed: a separate exact ``COUNT``, nothing, or the
    planner's estimate (PostgreSQL; exact elsewhere)."""

    EXACT = "exact"
    NONE = "none"
    ESTIMATED = "estimated"


@dataclass(frozen=True, slots=True)
class OffsetPagination:
    """Ask for ``limit`` rows after skipping ``offset``."""

    limit: int = DEFAULT_LIMIT
    offset: int = 0
    total: TotalStrategy = TotalStrategy.EXACT


@dataclass(frozen=True, slots=True)
class CursorPagination:
    """Ask for ``limit`` rows after the ``after`` cursor, or before the ``before`` cursor
    (at most one of them); neither means the first page."""

    limit: int = DEFAULT_LIMIT
    after: str | None = None
    before: str | None = None


@dataclass(slots=True)
class Page(Generic[T]):
    """One page by offset; ``total`` is ``None`` under ``TotalStrategy.NONE``."""

    items: Sequence[T]
    limit: int
    offset: int
    total: int | None = None


@dataclass(slots=True)
class CursorPage(Generic[T]):
    """One page by keyset; cursors are opaque and ``None`` at the ends."""

    items: Sequence[T]
    limit: int
    next_cursor: str | None = None
    previous_cursor: str | None = None


_OTHER_LISTING = {
    "list": "list_cursor",
    "list_values": "list_cursor_values",
    "list_cursor": "list",
    "list_cursor_values": "list_values",
}


def pagination_mismatch(method: str, page: object) -> TypeError:
    """The error for ``method`` given the other kind of page request, naming the listing
    that takes it (``list`` pages by offset, ``list_cursor`` by keyset)."""
    other = _OTHER_LISTING[method]
    kinds = ("keyset", "offset") if "cursor" in method else ("offset", "keyset")
    return TypeError(
        f"{method}() pages by {kinds[0]}, not by {kinds[1]}: "
        f"pass the {type(page).__name__} to {other}() instead."
    )
