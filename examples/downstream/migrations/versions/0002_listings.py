"""listings

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import foundation.models.types

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the listings table."""
    op.create_table(
        "k_listing",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("book_id", sa.Uuid(), nullable=False),
        sa.Column("seller", sa.String(length=100), nullable=False),
        sa.Column("price", sa.Numeric(precision=10, scale=2), nullable=False),
        sa.Column("created_at", foundation.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", foundation.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["book_id"], ["k_book.id"], name=op.f("fk_k_listing_book_id_k_book")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_k_listing")),
    )
    op.create_index(op.f("ix_k_listing_book_id"), "k_listing", ["book_id"], unique=False)


def downgrade() -> None:
    """Drop the listings table; its indexes and foreign key go with it.

    Autogenerate writes ``drop_index`` first, which MariaDB refuses for the index behind a
    foreign key; dropping the table alone works on every backend.
    """
    op.drop_table("k_listing")
