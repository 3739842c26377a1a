"""Running one page of a sorted query: by offset (with a total) or by keyset cursor."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from sqlalchemy import Column, Select

from foundation.errors import InvalidCursorError, ValidationError
from foundation.repository.cursor import CursorCodec, Position
from foundation.repository.pagination import (
    CursorPage,
    CursorPagination,
    OffsetPagination,
    Page,
    TotalStrategy,
)
from foundation.repository.sorting import SortOrder

T = TypeVar("T")
# Every backend takes a signed 64-bit OFFSET; beyond it drivers fail with overflow errors.
MAX_OFFSET = 2**63 - 1
Fetch = Callable[[Select[Any], dict[str, Any]], Awaitable[list[T]]]
"""Runs a statement with parameters, returning its entities."""


def check_limit(limit: int, max_limit: int) -> None:
    """Refuse a page size outside ``1..max_limit`` (refused, not clamped: a client asking
    for more than it can get should learn so)."""
    if not 1 <= limit <= max_limit:
        raise ValidationError(
            f"limit must be between 1 and {max_limit}.", details={"field": "limit"}
        )


def check_offset(offset: int) -> None:
    """Refuse an offset outside ``0..MAX_OFFSET`` (drivers overflow beyond it)."""
    if not 0 <= offset <= MAX_OFFSET:
        raise ValidationError(
            f"offset must be between 0 and {MAX_OFFSET}.", details={"field": "offset"}
        )


def cursor_position(
    page: CursorPagination, order: SortOrder, codec: CursorCodec, columns: Sequence[Column[Any]]
) -> tuple[bool, Position | None]:
    """Where a cursor page starts: whether it walks backwards, and the decoded position
    (``None`` on the first page). ``InvalidCursorError`` for both cursors at once, or a
    cursor of the other direction."""
    if page.after is not None and page.before is not None:
        raise InvalidCursorError("Give 'after' or 'before', not both.")
    backwards = page.before is not None
    cursor = page.before if backwards else page.after
    if cursor is None:
        return backwards, None
    position = codec.decode(cursor, order, columns)
    if (position.direction == "previous") != backwards:
        raise InvalidCursorError(details={"field": "cursor"})
    return backwards, position


async def offset_page(
    stmt: Select[Any],
    order: SortOrder,
    page: OffsetPagination,
    fetch: Fetch[T],
    total: Callable[[TotalStrategy], Awaitable[int]],
) -> Page[T]:
    """``limit`` rows after ``offset``; ``total(strategy)`` runs only when the page itself
    does not tell the total (a short last page does)."""
    check_offset(page.offset)
    items = await fetch(stmt.order_by(*order.order_by()).limit(page.limit).offset(page.offset), {})
    count: int | None = None
    if page.total is TotalStrategy.NONE:
        count = None
    elif (items and len(items) < page.limit) or (not items and page.offset == 0):
        count = page.offset + len(items)
    else:
        count = await total(page.total)
    return Page(items=items, limit=page.limit, offset=page.offset, total=count)


async def cursor_page(
    stmt: Select[Any],
    order: SortOrder,
    page: CursorPagination,
    fetch: Fetch[T],
    codec: CursorCodec,
    columns: Sequence[Column[Any]],
) -> CursorPage[T]:
    """``limit`` rows after ``page.after`` or before ``page.before`` in ``order``.

    One row more than asked tells whether the direction of travel continues. The side the
    cursor came from is assumed to have rows (they may have been deleted since; following
    that cursor then yields an empty page). Cost does not depend on depth.
    """
    backwards, position = cursor_position(page, order, codec, columns)
    parameters: dict[str, Any] = {}
    if position is not None:
        stmt = stmt.where(order.after_parameters(reverse=backwards))
        parameters = order.parameters(position.values)
    ordered = stmt.order_by(*order.order_by(reverse=backwards))
    rows = await fetch(ordered.limit(page.limit + 1), parameters)
    more = len(rows) > page.limit
    items = rows[: page.limit]
    if backwards:
        items.reverse()
    has_next = position is not None if backwards else more
    has_previous = more if backwards else position is not None
    result = CursorPage[T](items=items, limit=page.limit)
    if items and has_next:
        result.next_cursor = codec.encode(order, "next", _values(order, items[-1]))
    if items and has_previous:
        result.previous_cursor = codec.encode(order, "previous", _values(order, items[0]))
    return result


def _values(order: SortOrder, entity: Any) -> list[Any]:
    return [getattr(entity, key.field) for key in order.keys]
