"""Sort orders checked against an allow-list, always ending in the primary key, and the
keyset predicate that continues such an order after a given row.

Sortable columns must be ``NOT NULL``: a keyset predicate over nullable columns needs
dialect-specific NULL ordering, so repositories refuse nullable sort columns when the
class is defined (see ``check_sortable``).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column, ColumnElement, and_, literal, or_
from sqlalchemy.orm import InstrumentedAttribute

from foundation.errors import ConfigurationError, ValidationError
from foundation.repository.filters import SortKey, SortLike, parse_sort


@dataclass(frozen=True, slots=True)
class SortOrder:
    """A resolved order: the keys (primary key last) and the attributes they name."""

    keys: tuple[SortKey, ...]
    attrs: tuple[InstrumentedAttribute[Any], ...]

    @property
    def spec(self) -> str:
        """The order as text, e.g. ``-quantity,id`` (cursors carry it)."""
        return ",".join(("-" if key.descending else "") + key.field for key in self.keys)

    def order_by(self, *, reverse: bool = False) -> list[ColumnElement[Any]]:
        """``ORDER BY`` clauses; ``reverse`` flips every direction (for previous pages)."""
        return [
            attr.desc() if key.descending != reverse else attr.asc()
            for key, attr in zip(self.keys, self.attrs, strict=True)
        ]

    def after(self, values: Sequence[Any], *, reverse: bool = False) -> ColumnElement[bool]:
        """Rows strictly after the row with ``values`` in this order (before, if ``reverse``).

        Expanded as ``k1 > v1 OR (k1 = v1 AND k2 > v2) OR ...`` so that mixed directions
        work; each branch can still use an index on the leading keys.
        """
        # bound as typed parameters: SQLAlchemy refuses ``>`` against a bare True/False
        bound = [literal(v, a.type) for a, v in zip(self.attrs, values, strict=True)]
        branches: list[ColumnElement[bool]] = []
        for index, (key, attr) in enumerate(zip(self.keys, self.attrs, strict=True)):
            equal = [a == v for a, v in zip(self.attrs[:index], bound[:index], strict=True)]
            later = attr < bound[index] if key.descending != reverse else attr > bound[index]
            branches.append(and_(*equal, later))
        return or_(*branches)


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
    return SortOrder(tuple(keys), tuple(getattr(model, key.field) for key in keys))
