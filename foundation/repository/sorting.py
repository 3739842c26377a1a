"""Sort orders checked against an allow-list, always ending in the primary key, and the
keyset predicate that continues such an order after a given row.

Sortable columns must be ``NOT NULL``: a keyset predicate over nullable columns needs
dialect-specific NULL ordering, so repositories refuse nullable sort columns when the
class is defined (see ``check_sortable``).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import Column, ColumnElement, and_, bindparam, literal, or_

from foundation.errors import ConfigurationError, ValidationError
from foundation.repository.filters import SortKey, SortLike, parse_sort


@dataclass(frozen=True, slots=True)
class SortOrder:
    """A resolved order: the keys (primary key last) and the table columns they name."""

    keys: tuple[SortKey, ...]
    attrs: tuple[Column[Any], ...]

    @property
    def spec(self) -> str:
        """The order as text, e.g. ``-quantity,id`` (cursors carry it)."""
        return ",".join(("-" if key.descending else "") + key.field for key in self.keys)

    def order_by(self, *, reverse: bool = False) -> list[ColumnElement[Any]]:
        """``ORDER BY`` clauses; ``reverse`` flips every direction (for previous pages)."""
        return list(_order_clauses(self, reverse))

    def after(self, values: Sequence[Any], *, reverse: bool = False) -> ColumnElement[bool]:
        """Rows strictly after the row with ``values`` in this order (before, if ``reverse``).

        Expanded as ``k1 > v1 OR (k1 = v1 AND k2 > v2) OR ...`` so that mixed directions
        work; each branch can still use an index on the leading keys.
        """
        # bound as typed parameters: SQLAlchemy refuses ``>`` against a bare True/False
        bound = [literal(v, a.type) for a, v in zip(self.attrs, values, strict=True)]
        return _keyset(self, bound, reverse)

    def after_parameters(self, *, reverse: bool = False) -> ColumnElement[bool]:
        """``after`` with the values left as parameters: bind them with ``parameters``.

        Built once per order and direction, so that a page costs no clause building.
        """
        return _keyset_with_parameters(self, reverse)

    def parameters(self, values: Sequence[Any]) -> dict[str, Any]:
        """The parameters of ``after_parameters`` for the row with ``values``."""
        return {f"_after_{index}": value for index, value in enumerate(values)}


def _keyset(
    order: SortOrder, bound: Sequence[ColumnElement[Any]], reverse: bool
) -> ColumnElement[bool]:
    branches: list[ColumnElement[bool]] = []
    for index, (key, attr) in enumerate(zip(order.keys, order.attrs, strict=True)):
        equal = [a == v for a, v in zip(order.attrs[:index], bound[:index], strict=True)]
        later = attr < bound[index] if key.descending != reverse else attr > bound[index]
        branches.append(and_(*equal, later))
    return or_(*branches)


@lru_cache(maxsize=256)
def _keyset_with_parameters(order: SortOrder, reverse: bool) -> ColumnElement[bool]:
    bound = [bindparam(f"_after_{i}", type_=attr.type) for i, attr in enumerate(order.attrs)]
    return _keyset(order, bound, reverse)


@lru_cache(maxsize=256)
def _order_clauses(order: SortOrder, reverse: bool) -> tuple[ColumnElement[Any], ...]:
    # building ORM clauses costs more than the query planner's work for a page
    return tuple(
        attr.desc() if key.descending != reverse else attr.asc()
        for key, attr in zip(order.keys, order.attrs, strict=True)
    )


def check_sortable(model: type[Any], sortable: Collection[str]) -> None:
    """Refuse unknown or nullable sort columns when a repository class is defined."""
    columns = model.__mapper__.columns
    for name in sortable:
        column: Column[Any] | None = columns.get(name)
        if column is None:
            raise ConfigurationError(f"{model.__name__} has no column '{name}' to sort by.")
        if column.nullable:
            raise ConfigurationError(
                f"{model.__name__}.{name} is nullable; sortable columns must be NOT NULL."
            )


def resolve_sort(
    model: type[Any], spec: SortLike, default: SortLike, sortable: Collection[str], pk: str
) -> SortOrder:
    """The order for ``spec`` (or ``default``), checked against ``sortable``, ending in ``pk``."""
    keys = list(parse_sort(spec) or parse_sort(default))
    seen: set[str] = set()
    for key in keys:
        if key.field not in sortable and key.field != pk:
            raise ValidationError(
                f"Sorting by '{key.field}' is not allowed.", details={"field": key.field}
            )
        if key.field in seen:
            raise ValidationError(f"'{key.field}' appears twice in the sort order.")
        seen.add(key.field)
    if pk in seen:  # nothing after the primary key can change the order
        keys = keys[: [k.field for k in keys].index(pk) + 1]
    else:
        keys.append(SortKey(pk))
    columns = model.__mapper__.columns
    return SortOrder(tuple(keys), tuple(columns[key.field] for key in keys))
