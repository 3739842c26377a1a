"""Authors.

Revision ID: 0001
Revises:
Create Date: 2026-11-28 02:30:23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import foundation.models.types

# revision identifiers, used by Alembic.
revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "m_author",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("created_at", foundation.models.types.UTCDateTime(), nullable=False),
        sa.Column("updated_at", foundation.models.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_m_author")),
    )
    op.create_index(op.f("ix_m_author_name"), "m_author", ["name"], unique=False)


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index(op.f("ix_m_author_name"), table_name="m_author")
    op.drop_table("m_author")
