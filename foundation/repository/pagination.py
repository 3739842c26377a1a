"""Pagination requests and results: offset pages with a total strategy, and keyset cursors."""

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
