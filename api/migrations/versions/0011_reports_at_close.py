"""Reports rendered when a campaign closes: the run of each closed snapshot (``reportrun``),
its stored analysis (``storedanalysis``), the jobs rendering a unit (``renderclaim``) and every
report it renders (``storedreport``), served as stored by the API, the portal and
``transversal report``.

Revision ID: 0011
Revises: 0010
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "reportrun",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("snapshot", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("planned", sa.Integer(), nullable=False),
        sa.Column("error", sa.String(length=2000), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisation.id"]),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaign.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("campaign_id", "snapshot"),
    )
    op.create_index("ix_reportrun_organisation_id", "reportrun", ["organisation_id"])
    op.create_index("ix_reportrun_campaign_id", "reportrun", ["campaign_id"])
    op.create_table(
        "renderclaim",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["reportrun.id"]),
        sa.PrimaryKeyConstraint("run_id", "kind", "unit_id"),
    )
    op.create_table(
        "storedanalysis",
        sa.Column("snapshot", sa.String(length=64), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaign.id"]),
        sa.PrimaryKeyConstraint("snapshot"),
    )
    op.create_index("ix_storedanalysis_campaign_id", "storedanalysis", ["campaign_id"])
    op.create_table(
        "storedreport",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("snapshot", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("format", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.String(length=2000), nullable=True),
        sa.Column("content", sa.LargeBinary(), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaign.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("campaign_id", "snapshot", "kind", "unit_id", "language", "format"),
    )
    op.create_index("ix_storedreport_campaign_id", "storedreport", ["campaign_id"])


def downgrade() -> None:
    op.drop_index("ix_storedreport_campaign_id", table_name="storedreport")
    op.drop_table("storedreport")
    op.drop_index("ix_storedanalysis_campaign_id", table_name="storedanalysis")
    op.drop_table("storedanalysis")
    op.drop_table("renderclaim")
    op.drop_index("ix_reportrun_campaign_id", table_name="reportrun")
    op.drop_index("ix_reportrun_organisation_id", table_name="reportrun")
    op.drop_table("reportrun")
