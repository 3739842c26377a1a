"""What a model can do, read once from its mapper and mixins when a repository is defined."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import cached_property
from typing import Any

from sqlalchemy import Column, String, inspect

from foundation.context import current_actor
from foundation.errors import ConfigurationError
from foundation.models import AuditMixin, SoftDeleteMixin, TimestampMixin, utcnow
from foundation.models.mixins import ROW_DEFAULTS
from foundation.repository.filters import Op
from foundation.repository.values import python_type

# the types ``coerce`` parses from a string; JSON takes strings as they are, enums by name
_PARSED = (uuid.UUID, datetime, date, Decimal, int, float, bool)


@dataclass(frozen=True)
class ModelTraits:
    """Primary key, writable columns and capabilities (soft delete, versioning) of a model."""

    model: type[Any]
    pk: str
    pk_column: Column[Any]
    columns: frozenset[str]
    soft_delete: bool
    version: str | None
    keep_on_upsert: frozenset[str]
    touch: tuple[tuple[str, Callable[[], Any]], ...]
    insert_defaults: tuple[tuple[str, Callable[[Mapping[str, Any]], Any]], ...] = ()
    # defaults with one value per statement: the time and the actor of the write
    statement_defaults: frozenset[str] = frozenset()
    # every attribute is named as its table column: rows insert as they are through Core
    keys_are_column_keys: bool = False

    @cached_property
    def managed_on_create(self) -> frozenset[str]:
        """Columns a create may not set: the version, which the repository counts."""
        return frozenset(name for name in (self.version,) if name)

    @cached_property
    def managed_on_update(self) -> frozenset[str]:
        """Columns an update may not set: the key, the version, and ``deleted_at``, which
        only ``delete`` and ``restore`` change (they apply the child policies)."""
        soft = "deleted_at" if self.soft_delete else None
        return frozenset(name for name in (self.pk, self.version, soft) if name)

    @cached_property
    def parsed_from_text(self) -> frozenset[str]:
        """Columns of a type a string is parsed into on writes (keys, times, numbers), as
        filters parse theirs: the driver would refuse the string, or store it as text."""
        return frozenset(key for key in self.columns if python_type(self.column(key)) in _PARSED)

    def column(self, key: str) -> Column[Any]:
        """The table column behind the attribute ``key``."""
        column: Column[Any] = self.model.__mapper__.columns[key]
        return column

    def touch_values(self) -> dict[str, Any]:
        """Values that every write refreshes (``updated_at``, ``updated_by``, ...)."""
        return {key: make() for key, make in self.touch}

    def fill_defaults(self, row: dict[str, Any]) -> None:
        """Put the Python-side column defaults into ``row`` where it has no value.

        The same values SQLAlchemy would compute, without its per-row, per-column
        execution-context machinery (the bulk of a large ``INSERT``'s CPU time).
        """
        self.fill_defaults_all([row])

    def fill_defaults_all(self, rows: Sequence[dict[str, Any]]) -> None:
        """``fill_defaults`` for the rows of one statement; the time and the actor are
        read once, so every row of the statement carries the same ones."""
        shared: dict[str, Any] = {}
        per_statement = self.statement_defaults
        for row in rows:
            for key, make in self.insert_defaults:
                if key in row:
                    continue
                if key in per_statement:
                    if key not in shared:
                        shared[key] = make(row)
                    row[key] = shared[key]
                else:
                    row[key] = make(row)


def read_traits(model: type[Any]) -> ModelTraits:
    """Inspect ``model``; ``ConfigurationError`` when it cannot back a repository."""
    try:
        mapper = inspect(model)
    except Exception as exc:
        raise ConfigurationError(f"{model!r} is not a mapped class.") from exc
    if len(mapper.primary_key) != 1:
        raise ConfigurationError(f"{model.__name__} needs a single-column primary key.")
    pk_column = mapper.primary_key[0]
    pk = mapper.get_property_by_column(pk_column).key
    keys = {mapper.get_property_by_column(column).key: column for column in mapper.columns}
    version = None
    if mapper.version_id_col is not None:
        version = mapper.get_property_by_column(mapper.version_id_col).key
    touch: list[tuple[str, Callable[[], Any]]] = []
    for key, column in keys.items():
        default = column.onupdate
        if default is not None and getattr(default, "is_callable", False):
            touch.append((key, _caller(default.arg)))
        elif default is not None and getattr(default, "is_scalar", False):
            touch.append((key, _constant(default.arg)))
    keep = {pk}
    defaults, per_statement = _insert_defaults(keys)
    if issubclass(model, TimestampMixin):
        keep.add("created_at")
    if issubclass(model, AuditMixin):
        keep.add("created_by")
    return ModelTraits(
        model=model,
        pk=pk,
        pk_column=pk_column,
        # generated columns (``unique_among_live``'s marker) are computed, never written
        columns=frozenset(key for key, column in keys.items() if column.computed is None),
        soft_delete=issubclass(model, SoftDeleteMixin),
        version=version,
        keep_on_upsert=frozenset(keep),
        touch=tuple(touch),
        insert_defaults=defaults,
        statement_defaults=per_statement,
        keys_are_column_keys=all(column.key == key for key, column in keys.items()),
    )


def _insert_defaults(
    columns: Mapping[str, Column[Any]],
) -> tuple[tuple[tuple[str, Callable[[Mapping[str, Any]], Any]], ...], frozenset[str]]:
    """Column defaults computable from the row alone, those reading other values last;
    a default that needs the statement's context otherwise is left to SQLAlchemy. Also the
    keys whose default is the same for every row of a statement (the time, the actor)."""
    plain: list[tuple[str, Callable[[Mapping[str, Any]], Any]]] = []
    dependent: list[tuple[str, Callable[[Mapping[str, Any]], Any]]] = []
    per_statement: set[str] = set()
    for key, column in columns.items():
        default = column.default
        if default is None or getattr(default, "is_sequence", False):
            continue
        if getattr(default, "is_scalar", False):
            plain.append((key, _constant(default.arg)))  # type: ignore[attr-defined]
        elif getattr(default, "is_callable", False):
            arg = default.arg  # type: ignore[attr-defined]
            wrapped = getattr(arg, "__wrapped__", None)  # SQLAlchemy wraps zero-argument ones
            if wrapped is not None:
                plain.append((key, _ignore_row(wrapped)))
                if wrapped in _PER_STATEMENT:
                    per_statement.add(key)
            elif arg in ROW_DEFAULTS:
                dependent.append((key, ROW_DEFAULTS[arg]))
    return (*plain, *dependent), frozenset(per_statement)


_PER_STATEMENT = (utcnow, current_actor)


def _ignore_row(make: Callable[[], Any]) -> Callable[[Mapping[str, Any]], Any]:
    return lambda _row: make()


def _constant(value: Any) -> Callable[..., Any]:
    return lambda *_: value


def _caller(arg: Callable[[Any], Any]) -> Callable[[], Any]:
    # SQLAlchemy wraps zero-argument defaults to take the execution context
    return lambda: arg(None)


def check_allow_lists(
    traits: ModelTraits, filterable: Mapping[str, Collection[Op]], searchable: Sequence[str]
) -> None:
    """Refuse allow-lists that name unknown columns or search non-text columns."""
    name = traits.model.__name__
    for field, ops in filterable.items():
        if field not in traits.columns:
            raise ConfigurationError(f"{name} has no column '{field}' to filter on.")
        if not all(isinstance(op, Op) for op in ops):
            raise ConfigurationError(f"{name}.{field}: filter operators must be Op members.")
    for field in searchable:
        if field not in traits.columns or not isinstance(traits.column(field).type, String):
            raise ConfigurationError(f"{name}.{field} is not a text column to search.")
