"""Repositories: the interface, filters, sorting, both kinds of pagination, and the
SQLAlchemy implementation."""

from foundation.repository.cursor import (
    CursorCodec,
    current_cursor_key,
    cursor_direction,
    signing_cursors,
)
from foundation.repository.filters import (
    ALL_OPS,
    EQUALITY_OPS,
    ORDERING_OPS,
    TEXT_OPS,
    And,
    Condition,
    Filter,
    FilterLike,
    Op,
    Or,
    SortKey,
    SortLike,
    and_,
    or_,
    parse_sort,
    where,
)
from foundation.repository.pagination import (
    DEFAULT_LIMIT,
    DEFAULT_MAX_LIMIT,
    CursorPage,
    CursorPagination,
    OffsetPagination,
    Page,
    TotalStrategy,
)
from foundation.repository.protocol import IBaseRepository
from foundation.repository.sqlalchemy import SQLAlchemyRepository

__all__ = [
    "ALL_OPS",
    "DEFAULT_LIMIT",
    "DEFAULT_MAX_LIMIT",
    "EQUALITY_OPS",
    "ORDERING_OPS",
    "TEXT_OPS",
    "And",
    "Condition",
    "CursorCodec",
    "CursorPage",
    "CursorPagination",
    "Filter",
    "FilterLike",
    "IBaseRepository",
    "OffsetPagination",
    "Op",
    "Or",
    "Page",
    "SQLAlchemyRepository",
    "SortKey",
    "SortLike",
    "TotalStrategy",
    "and_",
    "current_cursor_key",
    "cursor_direction",
    "or_",
    "parse_sort",
    "signing_cursors",
    "where",
]
