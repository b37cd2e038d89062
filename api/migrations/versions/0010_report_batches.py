"""Batches of reports: every report of a closed campaign rendered by a job of the queue, with
how far it has got (``reportbatch``). A campaign has at most one batch still to finish: a
partial unique index, on both databases.

Revision ID: 0010
Revises: 0009
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ACTIVE_BATCH = "status IN ('queued', 'running')"


def upgrade() -> None:
    op.create_table(
        "reportbatch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("snapshot", sa.String(length=64), nullable=False),
        sa.Column("format", sa.String(length=10), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("error", sa.String(length=2000), nullable=True),
        sa.Column("requested_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisation.id"]),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaign.id"]),
        sa.ForeignKeyConstraint(["requested_by"], ["account.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_reportbatch_organisation_id", "reportbatch", ["organisation_id"])
    op.create_index("ix_reportbatch_campaign_id", "reportbatch", ["campaign_id"])
    op.create_index(
        "uq_reportbatch_active_campaign",
        "reportbatch",
        ["campaign_id"],
        unique=True,
        sqlite_where=sa.text(ACTIVE_BATCH),
        postgresql_where=sa.text(ACTIVE_BATCH),
    )


def downgrade() -> None:
    op.drop_index("uq_reportbatch_active_campaign", table_name="reportbatch")
    op.drop_index("ix_reportbatch_campaign_id", table_name="reportbatch")
    op.drop_index("ix_reportbatch_organisation_id", table_name="reportbatch")
    op.drop_table("reportbatch")
