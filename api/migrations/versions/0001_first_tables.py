"""Organisations, units, campaigns and responses: the first tables.

Revision ID: 0001
Revises:
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "organisation",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisation")),
    )
    op.create_table(
        "campaign",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("min_group_size", sa.Integer(), nullable=False),
        sa.Column("opens_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closes_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("instrument_id", sa.String(length=100), nullable=False),
        sa.Column("instrument_version", sa.String(length=20), nullable=False),
        sa.Column(
            "languages", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_campaign_organisation_id_organisation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign")),
    )
    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_campaign_organisation_id"), ["organisation_id"], unique=False
        )

    op.create_table(
        "unit",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("external_id", sa.String(length=100), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_unit_organisation_id_organisation"),
        ),
        sa.ForeignKeyConstraint(["parent_id"], ["unit.id"], name=op.f("fk_unit_parent_id_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unit")),
        sa.UniqueConstraint(
            "organisation_id", "external_id", name=op.f("uq_unit_organisation_id_external_id")
        ),
    )
    with op.batch_alter_table("unit", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_unit_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_unit_parent_id"), ["parent_id"], unique=False)

    op.create_table(
        "campaignunit",
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("invited", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaign.id"], name=op.f("fk_campaignunit_campaign_id_campaign")
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["unit.id"], name=op.f("fk_campaignunit_unit_id_unit")
        ),
        sa.PrimaryKeyConstraint("campaign_id", "unit_id", name=op.f("pk_campaignunit")),
    )
    op.create_table(
        "response",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("submitted_on", sa.Date(), nullable=False),
        sa.Column(
            "answers", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaign.id"], name=op.f("fk_response_campaign_id_campaign")
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_response_unit_id_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_response")),
    )
    with op.batch_alter_table("response", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_response_campaign_id"), ["campaign_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_response_unit_id"), ["unit_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("response", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_response_unit_id"))
        batch_op.drop_index(batch_op.f("ix_response_campaign_id"))

    op.drop_table("response")
    op.drop_table("campaignunit")
    with op.batch_alter_table("unit", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_unit_parent_id"))
        batch_op.drop_index(batch_op.f("ix_unit_organisation_id"))

    op.drop_table("unit")
    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_campaign_organisation_id"))

    op.drop_table("campaign")
    op.drop_table("organisation")
