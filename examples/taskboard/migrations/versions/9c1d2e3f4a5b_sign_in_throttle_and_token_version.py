"""sign-in throttle table and users.token_version

Revision ID: 9c1d2e3f4a5b
Revises: 4e3b152546eb
Create Date: 2026-11-30 13:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import foundation.models.types

# revision identifiers, used by Alembic.
revision: str = "9c1d2e3f4a5b"
down_revision: str | Sequence[str] | None = "4e3b152546eb"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "foundation_sign_in_failures",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column(
            "window_started_at", foundation.models.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_foundation_sign_in_failures")),
    )
    with op.batch_alter_table("foundation_sign_in_failures", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_foundation_sign_in_failures_window_started_at"),
            ["window_started_at"],
            unique=False,
        )
    # existing users start at version 0, like new ones: their tokens stay valid
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("token_version", sa.Integer(), server_default="0", nullable=False)
        )


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("token_version")
    op.drop_table("foundation_sign_in_failures")
