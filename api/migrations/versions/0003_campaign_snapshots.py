"""Campaign snapshots: what a closed campaign's outputs are made of, frozen at close.

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "campaignsnapshot",
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("campaign_name", sa.String(length=200), nullable=False),
        sa.Column("organisation_name", sa.String(length=200), nullable=False),
        sa.Column("units", _JSON, nullable=False),
        sa.Column("invited", _JSON, nullable=False),
        sa.Column("first_read_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaign.id"],
            name=op.f("fk_campaignsnapshot_campaign_id_campaign"),
        ),
        sa.PrimaryKeyConstraint("campaign_id", name=op.f("pk_campaignsnapshot")),
    )


def downgrade() -> None:
    op.drop_table("campaignsnapshot")
