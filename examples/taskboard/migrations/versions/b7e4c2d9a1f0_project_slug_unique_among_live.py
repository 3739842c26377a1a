"""project slugs unique among live projects

Revision ID: b7e4c2d9a1f0
Revises: b7e4a1c2d3f5
Create Date: 2026-11-30 16:40:00.000000

``unique_among_live("slug")`` builds a different index per backend: a partial unique index
on PostgreSQL and SQLite, a unique index over the generated ``live_marker`` column on MariaDB
(no partial indexes there). Autogenerate renders the current backend's only; this revision
carries both, chosen by dialect.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "b7e4c2d9a1f0"
down_revision: str | Sequence[str] | None = "b7e4a1c2d3f5"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LIVE = sa.text("deleted_at IS NULL")


def _on_mariadb() -> bool:
    return op.get_context().dialect.name in ("mysql", "mariadb")


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "live_marker",
                sa.SmallInteger(),
                sa.Computed("CASE WHEN deleted_at IS NULL THEN 1 END", persisted=True),
                nullable=True,
            )
        )
        batch_op.drop_constraint(batch_op.f("uq_projects_slug"), type_="unique")
        if _on_mariadb():
            batch_op.create_index("uq_projects_slug_live", ["slug", "live_marker"], unique=True)
        else:
            batch_op.create_index(
                "uq_projects_slug_live",
                ["slug"],
                unique=True,
                postgresql_where=LIVE,
                sqlite_where=LIVE,
            )


def downgrade() -> None:
    """Revert this revision (fails if two live-or-deleted projects now share a slug)."""
    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.drop_index("uq_projects_slug_live")
        batch_op.create_unique_constraint(batch_op.f("uq_projects_slug"), ["slug"])
        batch_op.drop_column("live_marker")
