"""``unique_among_live``: a unique constraint that soft-deleted rows do not hold.

A soft-deleted row keeps its values, so a plain unique constraint keeps them taken: after
deleting the project ``website`` no new project could be called ``website``. Declare the
constraint among live rows instead::

    class Project(SoftDeleteMixin, BaseModel):
        __tablename__ = "projects"
        __table_args__ = (*unique_among_live("slug"),)

PostgreSQL and SQLite get a partial unique index (``WHERE deleted_at IS NULL``). MariaDB has
no partial indexes: there the index covers the columns and ``live_marker``, a generated
column that is 1 for a live row and NULL for a deleted one; a unique index ignores rows
with a NULL in it, so deleted rows never conflict. The marker column exists on every
backend (one per table, whatever the number of such constraints) so that the schema is the
same everywhere; only MariaDB's index reads it.

Each index is created only on its own backends (``ddl_if``, set on every copy of the table
too), and the foundation's Alembic environment compares each backend with its own index only
(see ``foundation.migrations.applies_to_dialect``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, Computed, Index, SmallInteger, Table, event, text
from sqlalchemy.schema import conv

from foundation.errors import ConfigurationError

LIVE_MARKER = "live_marker"
"""Name of the generated column behind MariaDB's unique indexes among live rows."""

LIVE_CRITERION = "deleted_at IS NULL"
PARTIAL_INDEX_DIALECTS = ("postgresql", "sqlite")
MARKER_INDEX_DIALECTS = ("mysql", "mariadb")


def unique_among_live(*columns: str, name: str | None = None) -> tuple[Index, Index]:
    """Indexes making ``columns`` unique among rows whose ``deleted_at`` is NULL.

    Spread them into ``__table_args__`` of a model with ``SoftDeleteMixin``. The name
    defaults to ``uq_<table>_<columns>_live``; a violation is a ``DuplicateError`` naming
    ``columns``.
    """
    if not columns:
        raise ConfigurationError("unique_among_live needs at least one column.")
    live = text(LIVE_CRITERION)
    partial = Index(name, *columns, unique=True, postgresql_where=live, sqlite_where=live)
    marked = Index(name, *columns, LIVE_MARKER, unique=True)
    for index in (partial, marked):
        index.info["foundation_live_unique"] = columns
        event.listen(index, "before_parent_attach", _prepare_table)
    return partial, marked


def live_marker_column() -> Column[int]:
    """The generated column ``live_marker``: 1 while ``deleted_at`` is NULL, else NULL."""
    return Column(
        LIVE_MARKER,
        SmallInteger,
        # STORED on every backend: PostgreSQL before 18 has no virtual columns
        Computed("CASE WHEN deleted_at IS NULL THEN 1 END", persisted=True),
        nullable=True,
    )


def _prepare_table(index: Index, table: Table) -> None:
    """Name the index after its table, and give the table its marker column once."""
    if "deleted_at" not in table.c:
        raise ConfigurationError(
            f"unique_among_live on {table.name}: the model needs SoftDeleteMixin (deleted_at)."
        )
    if index.name is None:
        columns: Any = index.info["foundation_live_unique"]
        index.name = conv(f"uq_{table.name}_{'_'.join(columns)}_live")  # final, as named
    if LIVE_MARKER not in table.c:
        table.append_column(live_marker_column())


def live_unique_dialects(index: Index) -> tuple[str, ...] | None:
    """The backends an index of ``unique_among_live`` is built on; ``None`` for others.

    Read from the index's shape, so that copies (``Table.to_metadata``, which drops
    ``info`` and ``ddl_if``) are recognised too.
    """
    if not index.unique:
        return None
    if any(getattr(column, "name", None) == LIVE_MARKER for column in index.columns):
        return MARKER_INDEX_DIALECTS
    where = index.dialect_options["postgresql"]["where"]
    if where is not None and str(where) == LIVE_CRITERION:
        return PARTIAL_INDEX_DIALECTS
    return None


@event.listens_for(Index, "after_parent_attach")
def _build_on_its_backends(index: Index, table: Table) -> None:
    """Create each index of ``unique_among_live`` only on its own backends (``ddl_if``),
    copies included."""
    if index._ddl_if is None:  # no public reader of ddl_if
        dialects = live_unique_dialects(index)
        if dialects is not None:
            # a tuple of names is documented; the annotation says str
            index.ddl_if(dialect=dialects)  # type: ignore[arg-type]
