"""Compile filter specifications into SQL, checking every field and operator against an
allow-list.

Text operators behave the same on every backend: ``contains``, ``starts_with`` and
``ends_with`` are case-sensitive (SQLite's ``LIKE`` and MariaDB's default collations are
not, so those backends get a binary comparison), the ``i``-variants and ``ieq`` compare
lower-cased text. ``eq``/``ne``/``in`` follow the column's collation (on MariaDB that is
usually case-insensitive) so that they can use indexes.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any

from sqlalchemy import Boolean, Column, ColumnElement, and_, false, func, or_, true

from foundation.errors import ValidationError
from foundation.repository.filters import TEXT_OPS, And, Condition, Filter, FilterLike, Op, Or
from foundation.repository.filters import normalize_filter as _normalize
from foundation.repository.values import coerce

_MAX_IN_ITEMS = 1000

Criterion = ColumnElement[bool]


class FilterCompiler:
    """Turns a ``FilterLike`` into a SQL criterion for one model and one allow-list."""

    def __init__(
        self,
        model: type[Any],
        filterable: Mapping[str, Collection[Op]],
        searchable: Sequence[str],
        dialect: str,
    ) -> None:
        self.model = model
        self.columns: Mapping[str, Column[Any]] = model.__mapper__.columns
        self.filterable = {name: frozenset(ops) for name, ops in filterable.items()}
        self.searchable = tuple(searchable)
        self.dialect = dialect

    def compile(self, spec: FilterLike) -> Criterion | None:
        """The criterion for ``spec``, or ``None`` when it filters nothing."""
        try:
            normalized = _normalize(spec)
        except (TypeError, ValueError) as exc:
            raise ValidationError("Malformed filter.") from exc
        return None if normalized is None else self._node(normalized)

    def search(self, term: str) -> Criterion:
        """Rows where any searchable field contains ``term``, ignoring case."""
        if not self.searchable:
            raise ValidationError("This resource does not support search.")
        if "\x00" in term:
            raise ValidationError("The search term is invalid.", details={"field": "search"})
        attrs = [self.columns[name] for name in self.searchable]
        return or_(*(self._text(Op.ICONTAINS, attr, term) for attr in attrs))

    def _node(self, node: Filter) -> Criterion:
        if isinstance(node, Condition):
            return self._condition(node)
        if isinstance(node, And | Or):
            parts = [self._node(item) for item in node.items]
            if not parts:  # empty AND is true, empty OR false, as in logic
                return true() if isinstance(node, And) else false()
            return and_(*parts) if isinstance(node, And) else or_(*parts)
        raise ValidationError("Malformed filter.")

    def _condition(self, cond: Condition) -> Criterion:
        allowed = self.filterable.get(cond.field)
        if allowed is None:
            raise ValidationError(
                f"Filtering on '{cond.field}' is not allowed.", details={"field": cond.field}
            )
        if cond.op not in allowed:
            raise ValidationError(
                f"Operator '{cond.op.value}' is not allowed on '{cond.field}'.",
                details={"field": cond.field, "operator": cond.op.value},
            )
        # the table's column, not the ORM attribute: ORM-annotated clauses cost more on
        # every execution (cache key, compile state), and a Core statement needs none
        column = attr = self.columns[cond.field]
        if cond.op in TEXT_OPS:
            if not isinstance(cond.value, str) or "\x00" in cond.value:
                raise _bad_value(cond, "a string")
            return self._text(cond.op, attr, cond.value)
        return self._compare(cond, attr, column)

    def _compare(self, cond: Condition, attr: Column[Any], column: Column[Any]) -> Criterion:
        def one(value: Any) -> Any:
            return coerce(column, value, field=cond.field)

        op, value = cond.op, cond.value
        if op is Op.IS_NULL:
            if not isinstance(value, bool):
                value = coerce(_BOOL_COLUMN, value, field=cond.field)
            return attr.is_(None) if value else attr.is_not(None)
        if op in (Op.IN, Op.NOT_IN):
            if isinstance(value, str | bytes) or not isinstance(value, Collection):
                raise _bad_value(cond, "a list")
            if len(value) > _MAX_IN_ITEMS:
                raise _bad_value(cond, f"at most {_MAX_IN_ITEMS} items")
            items = [one(item) for item in value]
            return attr.in_(items) if op is Op.IN else attr.not_in(items)
        if op is Op.BETWEEN:
            if isinstance(value, str | bytes) or not isinstance(value, Sequence) or len(value) != 2:
                raise _bad_value(cond, "a pair [low, high]")
            return attr.between(one(value[0]), one(value[1]))
        if value is None and op in (Op.EQ, Op.NE):
            return attr.is_(None) if op is Op.EQ else attr.is_not(None)
        if value is None:
            raise _bad_value(cond, "a value")
        return _COMPARISONS[op](attr, one(value))

    def _text(self, op: Op, attr: Column[Any], value: str) -> Criterion:
        if op is Op.IEQ:
            return func.lower(attr) == func.lower(value)
        if op in (Op.ICONTAINS, Op.ISTARTS_WITH, Op.IENDS_WITH):
            insensitive: dict[Op, Callable[[], Criterion]] = {
                Op.ICONTAINS: lambda: attr.icontains(value, autoescape=True),
                Op.ISTARTS_WITH: lambda: attr.istartswith(value, autoescape=True),
                Op.IENDS_WITH: lambda: attr.iendswith(value, autoescape=True),
            }
            return insensitive[op]()
        if self.dialect == "sqlite":
            # LIKE ignores case in SQLite; instr/substr compare bytes
            if op is Op.CONTAINS:
                return func.instr(attr, value) > 0
            if op is Op.STARTS_WITH:
                return func.substr(attr, 1, len(value)) == value
            return func.substr(attr, -len(value)) == value if value else true()
        target: Any = attr.collate("utf8mb4_bin") if self.dialect == "mysql" else attr
        if op is Op.CONTAINS:
            result: Criterion = target.contains(value, autoescape=True)
        elif op is Op.STARTS_WITH:
            result = target.startswith(value, autoescape=True)
        else:
            result = target.endswith(value, autoescape=True)
        return result


def _bad_value(cond: Condition, expected: str) -> ValidationError:
    return ValidationError(
        f"Operator '{cond.op.value}' on '{cond.field}' needs {expected}.",
        details={"field": cond.field, "operator": cond.op.value},
    )


_COMPARISONS: dict[Op, Callable[[Any, Any], Criterion]] = {
    Op.EQ: lambda a, v: a == v,
    Op.NE: lambda a, v: a != v,
    Op.LT: lambda a, v: a < v,
    Op.LE: lambda a, v: a <= v,
    Op.GT: lambda a, v: a > v,
    Op.GE: lambda a, v: a >= v,
}

_BOOL_COLUMN: Column[Any] = Column("is_null", Boolean())
