"""Books; authors get a unique email (an ALTER: batch mode on SQLite).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 02:31:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import foundation.models.types

# revision identifiers, used by Alembic.
revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("m_author") as batch_op:
        batch_op.add_column(sa.Column("email", sa.String(length=200), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_m_author_email"), ["email"])
    op.create_table(
        "m_book",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("author_id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("created_at", foundation.models.types.UTCDateTime(), nullable=False),
        sa.Column("updated_at", foundation.models.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["m_author.id"],
            name=op.f("fk_m_book_author_id_m_author"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_m_book")),
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_table("m_book")
    with op.batch_alter_table("m_author") as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_m_author_email"), type_="unique")
        batch_op.drop_column("email")
