"""idempotency keys: each keyed write's response, replayed to retries

Revision ID: b7e4a1c2d3f5
Revises: 9c1d2e3f4a5b
Create Date: 2026-11-30 16:50:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

import foundation.models.types

# revision identifiers, used by Alembic.
revision: str = "b7e4a1c2d3f5"
down_revision: str | Sequence[str] | None = "9c1d2e3f4a5b"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "foundation_idempotency_keys",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("status", sa.Integer(), nullable=True),
        sa.Column("headers", sa.Text(), nullable=True),
        sa.Column(
            "body",
            sa.Text()
            .with_variant(mysql.MEDIUMTEXT(), "mariadb")
            .with_variant(mysql.MEDIUMTEXT(), "mysql"),
            nullable=True,
        ),
        sa.Column("expires_at", foundation.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_foundation_idempotency_keys")),
    )
    with op.batch_alter_table("foundation_idempotency_keys", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_foundation_idempotency_keys_expires_at"), ["expires_at"], unique=False
        )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_table("foundation_idempotency_keys")
