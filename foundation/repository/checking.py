"""Filters checked against an allow-list, their values coerced to the columns' types.

Every implementation of the repository protocol shares this step (the SQL compiler and
the in-memory fake alike), so a bad filter gets the same ``ValidationError``, with the same
message and details, whatever answers it.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

from sqlalchemy import Boolean, Column

from foundation.errors import ValidationError
from foundation.repository.filters import TEXT_OPS, And, Condition, Filter, FilterLike, Op, Or
from foundation.repository.filters import normalize_filter as _normalize
from foundation.repository.values import coerce

MAX_IN_ITEMS = 1000
_BOOL_COLUMN: Column[Any] = Column("is_null", Boolean())


def check_filter(
    spec: FilterLike,
    filterable: Mapping[str, Collection[Op]],
    columns: Mapping[str, Column[Any]],
) -> Filter | None:
    """``spec`` as a tree of conditions whose fields and operators ``filterable`` allows
    and whose values have the columns' types: ``IS_NULL`` a bool, ``IN``/``NOT_IN`` a
    tuple, ``BETWEEN`` a pair, text operators a string. ``None`` when it filters nothing;
    ``ValidationError`` naming the field otherwise."""
    try:
        normalized = _normalize(spec)
    except (TypeError, ValueError) as exc:
        raise ValidationError("Malformed filter.") from exc
    return None if normalized is None else _node(normalized, filterable, columns)


def _node(
    node: Any, filterable: Mapping[str, Collection[Op]], columns: Mapping[str, Column[Any]]
) -> Filter:
    if isinstance(node, Condition):
        return _condition(node, filterable, columns)
    if isinstance(node, And | Or):
        return type(node)(tuple(_node(item, filterable, columns) for item in node.items))
    raise ValidationError("Malformed filter.")


def _condition(
    cond: Condition, filterable: Mapping[str, Collection[Op]], columns: Mapping[str, Column[Any]]
) -> Condition:
    allowed = filterable.get(cond.field)
    if allowed is None:
        raise ValidationError(
            f"Filtering on '{cond.field}' is not allowed.", details={"field": cond.field}
        )
    op, value = cond.op, cond.value
    if op not in allowed:
        raise ValidationError(
            f"Operator '{op.value}' is not allowed on '{cond.field}'.",
            details={"field": cond.field, "operator": op.value},
        )
    column = columns[cond.field]

    def one(item: Any) -> Any:
        return coerce(column, item, field=cond.field)

    if op in TEXT_OPS:
        if not isinstance(value, str) or "\x00" in value:
            raise _bad_value(cond, "a string")
        return cond
    if op is Op.IS_NULL:
        if not isinstance(value, bool):
            value = coerce(_BOOL_COLUMN, value, field=cond.field)
    elif op in (Op.IN, Op.NOT_IN):
        if isinstance(value, str | bytes) or not isinstance(value, Collection):
            raise _bad_value(cond, "a list")
        if len(value) > MAX_IN_ITEMS:
            raise _bad_value(cond, f"at most {MAX_IN_ITEMS} items")
        value = tuple(one(item) for item in value)
    elif op is Op.BETWEEN:
        if isinstance(value, str | bytes) or not isinstance(value, Sequence) or len(value) != 2:
            raise _bad_value(cond, "a pair [low, high]")
        value = (one(value[0]), one(value[1]))
    elif value is None:
        if op not in (Op.EQ, Op.NE):
            raise _bad_value(cond, "a value")
    else:
        value = one(value)
    return cond if value is cond.value else Condition(cond.field, op, value)


def check_search(term: str, searchable: Sequence[str]) -> None:
    """Refuse a search where nothing is searchable, or a term the database cannot take."""
    if not searchable:
        raise ValidationError("This resource does not support search.")
    if "\x00" in term:
        raise ValidationError("The search term is invalid.", details={"field": "search"})


def _bad_value(cond: Condition, expected: str) -> ValidationError:
    return ValidationError(
        f"Operator '{cond.op.value}' on '{cond.field}' needs {expected}.",
        details={"field": cond.field, "operator": cond.op.value},
    )


def check_writable(
    data: Mapping[str, Any], columns: Collection[str], managed: Collection[str]
) -> None:
    """Refuse keys that are not columns, or that the repository manages itself (the
    version; the primary key on update)."""
    forbidden = (set(data) - set(columns)) | (set(data) & set(managed))
    if forbidden:
        names = sorted(map(str, forbidden))
        raise ValidationError(f"Cannot write {', '.join(names)}.", details={"fields": names})
