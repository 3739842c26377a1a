"""Race-safe ``INSERT … ON CONFLICT`` / ``ON DUPLICATE KEY UPDATE`` statements per dialect."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any, cast

from sqlalchemy import UniqueConstraint
from sqlalchemy.dialects import mysql, postgresql, sqlite
from sqlalchemy.sql.dml import Insert

from foundation.errors import ValidationError
from foundation.models.live_unique import PARTIAL_INDEX_DIALECTS, live_unique_dialects


def upsert_statement(
    dialect: str,
    model: type[Any],
    keys: Collection[str],
    conflict: Collection[str],
    extra_set: Mapping[str, Any],
    keep: Collection[str],
) -> Insert:
    """An insert that, on a conflict over ``conflict``, updates the other ``keys``.

    ``keep`` names columns never overwritten on conflict (primary key, creation stamps);
    ``extra_set`` adds maintained values (timestamps, version) to the update branch.
    """
    updated = [key for key in keys if key not in conflict and key not in keep]
    if not updated and not extra_set:  # the update branch must set something to return the row
        updated = [next(iter(conflict))]
    table = model.__table__
    stmt: Any
    if dialect == "postgresql":
        stmt = postgresql.insert(model)
    elif dialect == "sqlite":
        stmt = sqlite.insert(model)
    elif dialect == "mysql":
        # a Core statement with all rows in its VALUES: the ORM's executemany path
        # misplaces the ON DUPLICATE KEY parameters on aiomysql
        stmt = mysql.insert(table)
        values = {table.c[key]: stmt.inserted[key] for key in updated}
        values.update({table.c[key]: value for key, value in extra_set.items()})
        return cast(Insert, stmt.on_duplicate_key_update(values))
    else:  # pragma: no cover - the foundation supports exactly these three
        raise ValidationError(f"Upsert is not supported on {dialect}.")
    set_: dict[str, Any] = {key: stmt.excluded[key] for key in updated}
    set_.update(extra_set)
    elements = [table.c[key] for key in conflict]
    where = _live_only(table, conflict)
    return cast(
        Insert, stmt.on_conflict_do_update(index_elements=elements, index_where=where, set_=set_)
    )


def _live_only(table: Any, conflict: Collection[str]) -> Any:
    """``deleted_at IS NULL`` when ``conflict`` is unique among live rows only (a partial
    index of ``unique_among_live``): the conflict target must repeat the index's WHERE."""
    wanted = {table.c[key].name for key in conflict}
    for constraint in table.constraints:
        if isinstance(constraint, UniqueConstraint) and _names(constraint) == wanted:
            return None  # a plain unique constraint: no WHERE
    for index in table.indexes:
        partial = live_unique_dialects(index) == PARTIAL_INDEX_DIALECTS
        if partial and _names(index) == wanted:
            return table.c.deleted_at.is_(None)
    return None


def _names(item: Any) -> set[str]:
    return {column.name for column in item.columns}
