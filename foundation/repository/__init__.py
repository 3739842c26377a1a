"""Repositories: the interface, filters, sorting, both kinds of pagination, and the
SQLAlchemy implementation.

Another implementation of ``IBaseRepository`` (a hand-written one, the test kit's
in-memory fake) answers bad input exactly as ``SQLAlchemyRepository`` does by building on
the same checks: ``check_filter``, ``check_search``, ``check_writable``, ``check_limit``,
``check_offset``, ``pagination_mismatch``, ``resolve_sort``, ``coerce`` and ``CursorCodec``
with ``cursor_position``, and on one reading of the model: ``read_traits`` (key, version
column, soft delete). It refuses what ``children`` declarations forbid with
``children_conflict`` and ``deleted_parent_conflict``, and answers rows made by
``make_record``.
"""

from foundation.repository.checking import check_filter, check_search, check_writable
from foundation.repository.children import (
    Children,
    OnParentDelete,
    children_conflict,
    deleted_parent_conflict,
)
from foundation.repository.cursor import (
    CursorCodec,
    Position,
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
    pagination_mismatch,
)
from foundation.repository.paging import check_limit, check_offset, cursor_position
from foundation.repository.protocol import IBaseRepository
from foundation.repository.records import make_record
from foundation.repository.sorting import SortOrder, resolve_sort
from foundation.repository.sqlalchemy import SQLAlchemyRepository
from foundation.repository.traits import ModelTraits, read_traits
from foundation.repository.values import coerce

__all__ = [
    "ALL_OPS",
    "DEFAULT_LIMIT",
    "DEFAULT_MAX_LIMIT",
    "EQUALITY_OPS",
    "ORDERING_OPS",
    "TEXT_OPS",
    "And",
    "Children",
    "Condition",
    "CursorCodec",
    "CursorPage",
    "CursorPagination",
    "Filter",
    "FilterLike",
    "IBaseRepository",
    "ModelTraits",
    "OffsetPagination",
    "OnParentDelete",
    "Op",
    "Or",
    "Page",
    "Position",
    "SQLAlchemyRepository",
    "SortKey",
    "SortLike",
    "SortOrder",
    "TotalStrategy",
    "and_",
    "check_filter",
    "check_limit",
    "check_offset",
    "check_search",
    "check_writable",
    "children_conflict",
    "coerce",
    "current_cursor_key",
    "cursor_direction",
    "cursor_position",
    "deleted_parent_conflict",
    "make_record",
    "or_",
    "pagination_mismatch",
    "parse_sort",
    "read_traits",
    "resolve_sort",
    "signing_cursors",
    "where",
]
