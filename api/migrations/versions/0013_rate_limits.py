"""Guessing limits: the failures counted per client and per account name, shared by every
replica on the database (``ratelimit``).

Revision ID: 0013
Revises: 0012
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ratelimit",
        sa.Column("bucket", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("reset_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("bucket"),
    )
    op.create_index("ix_ratelimit_reset_at", "ratelimit", ["reset_at"])


def downgrade() -> None:
    op.drop_index("ix_ratelimit_reset_at", table_name="ratelimit")
    op.drop_table("ratelimit")
