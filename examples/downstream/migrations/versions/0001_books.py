"""books

Revision ID: 0001
Revises:
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import foundation.models.types

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the books table."""
    op.create_table(
        "k_book",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("isbn", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("created_at", foundation.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", foundation.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", foundation.models.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_k_book")),
        sa.UniqueConstraint("isbn", name=op.f("uq_k_book_isbn")),
    )
    op.create_index(op.f("ix_k_book_deleted_at"), "k_book", ["deleted_at"], unique=False)


def downgrade() -> None:
    """Drop the books table."""
    op.drop_index(op.f("ix_k_book_deleted_at"), table_name="k_book")
    op.drop_table("k_book")
