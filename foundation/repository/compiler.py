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

from sqlalchemy import Column, ColumnElement, and_, false, func, or_, true

from foundation.repository.checking import check_filter, check_search
from foundation.repository.filters import TEXT_OPS, And, Condition, Filter, FilterLike, Op

Criterion = ColumnElement[bool]


class FilterCompiler:
    """Turns a ``FilterLike`` into a SQL criterion for one model and one allow-list
    (checked by ``check_filter``, which every implementation shares)."""

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
        checked = check_filter(spec, self.filterable, self.columns)
        return None if checked is None else self._node(checked)

    def search(self, term: str) -> Criterion:
        """Rows where any searchable field contains ``term``, ignoring case."""
        check_search(term, self.searchable)
        attrs = [self.columns[name] for name in self.searchable]
        return or_(*(self._text(Op.ICONTAINS, attr, term) for attr in attrs))

    def _node(self, node: Filter) -> Criterion:
        if isinstance(node, Condition):
            return self._condition(node)
        parts = [self._node(item) for item in node.items]
        if not parts:  # empty AND is true, empty OR false, as in logic
            return true() if isinstance(node, And) else false()
        return and_(*parts) if isinstance(node, And) else or_(*parts)

    def _condition(self, cond: Condition) -> Criterion:
        # the table's column, not the ORM attribute: ORM-annotated clauses cost more on
        # every execution (cache key, compile state), and a Core statement needs none
        attr = self.columns[cond.field]
        op, value = cond.op, cond.value
        if op in TEXT_OPS:
            return self._text(op, attr, value)
        if op is Op.IS_NULL:
            return attr.is_(None) if value else attr.is_not(None)
        if op is Op.IN:
            return attr.in_(value)
        if op is Op.NOT_IN:
            return attr.not_in(value)
        if op is Op.BETWEEN:
            return attr.between(value[0], value[1])
        if value is None:  # only EQ and NE pass the check without a value
            return attr.is_(None) if op is Op.EQ else attr.is_not(None)
        return _COMPARISONS[op](attr, value)

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


_COMPARISONS: dict[Op, Callable[[Any, Any], Criterion]] = {
    Op.EQ: lambda a, v: a == v,
    Op.NE: lambda a, v: a != v,
    Op.LT: lambda a, v: a < v,
    Op.LE: lambda a, v: a <= v,
    Op.GT: lambda a, v: a > v,
    Op.GE: lambda a, v: a >= v,
}
