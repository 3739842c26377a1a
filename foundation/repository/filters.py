"""Filter and sort specifications: plain data, validated against a repository's allow-lists.

Build conditions with :func:`where` (or ``Condition``), combine them with :func:`and_` /
:func:`or_`, or pass a ``{"field": value}`` mapping as shorthand for equality conditions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, TypeAlias


class Op(StrEnum):
    """A filter operator; its value is the name used in query strings (``quantity__gt``)."""

    EQ = "eq"
    NE = "ne"
    LT = "lt"
    LE = "le"
    GT = "gt"
    GE = "ge"
    IN = "in"
    NOT_IN = "not_in"
    CONTAINS = "contains"
    ICONTAINS = "icontains"
    STARTS_WITH = "starts_with"
    ISTARTS_WITH = "istarts_with"
    ENDS_WITH = "ends_with"
    IENDS_WITH = "iends_with"
    IEQ = "ieq"
    IS_NULL = "is_null"
    BETWEEN = "between"


TEXT_OPS = frozenset(
    {
        Op.CONTAINS,
        Op.ICONTAINS,
        Op.STARTS_WITH,
        Op.ISTARTS_WITH,
        Op.ENDS_WITH,
        Op.IENDS_WITH,
        Op.IEQ,
    }
)
"""Operators on text: substring/prefix/suffix matches and case-insensitive equality."""

EQUALITY_OPS = frozenset({Op.EQ, Op.NE, Op.IN, Op.NOT_IN, Op.IS_NULL})
"""Operators that any column supports: (in)equality, membership and ``IS NULL``."""

ORDERING_OPS = frozenset({Op.LT, Op.LE, Op.GT, Op.GE, Op.BETWEEN})
"""Operators comparing order: numbers, dates, text."""

ALL_OPS = frozenset(Op)
"""Every operator (use for allow-lists of text columns)."""


@dataclass(frozen=True, slots=True)
class Condition:
    """``field op value``; ``IN``/``NOT_IN`` take a sequence, ``BETWEEN`` a pair,
    ``IS_NULL`` a bool."""

    field: str
    op: Op
    value: Any = None


@dataclass(frozen=True, slots=True)
class And:
    """All of ``items`` hold."""

    items: tuple[Filter, ...]


@dataclass(frozen=True, slots=True)
class Or:
    """At least one of ``items`` holds."""

    items: tuple[Filter, ...]


Filter: TypeAlias = Condition | And | Or
FilterLike: TypeAlias = Filter | Mapping[str, Any] | None


def where(field: str, op: Op | str = Op.EQ, value: Any = None) -> Condition:
    """Build a condition; ``op`` may be an ``Op`` or its name (``"gt"``)."""
    return Condition(field, Op(op), value)


def and_(*items: Filter) -> And:
    """Conjunction of filters."""
    return And(tuple(items))


def or_(*items: Filter) -> Or:
    """Disjunction of filters."""
    return Or(tuple(items))


def normalize_filter(spec: FilterLike) -> Filter | None:
    """Turn the mapping shorthand into conditions; ``None`` means no filter."""
    if spec is None or isinstance(spec, Condition | And | Or):
        return spec
    conditions = tuple(Condition(name, Op.EQ, value) for name, value in spec.items())
    if not conditions:
        return None
    return conditions[0] if len(conditions) == 1 else And(conditions)


def filter_fields(spec: Filter | None) -> set[str]:
    """Every field name a filter mentions."""
    if spec is None:
        return set()
    if isinstance(spec, Condition):
        return {spec.field}
    return set().union(*(filter_fields(item) for item in spec.items))


@dataclass(frozen=True, slots=True)
class SortKey:
    """One sort key; the primary key is always appended as the final tie-break."""

    field: str
    descending: bool = False


SortLike: TypeAlias = str | Sequence[SortKey | str] | None


def parse_sort(spec: SortLike) -> tuple[SortKey, ...]:
    """Parse ``"-created_at,name"`` (or a sequence of such items / ``SortKey``s)."""
    if spec is None:
        return ()
    items: Sequence[SortKey | str] = spec.split(",") if isinstance(spec, str) else spec
    keys: list[SortKey] = []
    for item in items:
        if isinstance(item, SortKey):
            keys.append(item)
            continue
        item = item.strip()
        if not item:
            continue
        descending = item.startswith("-")
        keys.append(SortKey(item.lstrip("+-"), descending))
    return tuple(keys)
