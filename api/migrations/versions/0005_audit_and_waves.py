"""The audit log (invitations, imports, closing and reopening: who, when, how many, never an
answer), a campaign's named previous wave, and the imported responses of a snapshot.

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "auditevent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=True),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("count", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_auditevent_organisation_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaign.id"], name=op.f("fk_auditevent_campaign_id_campaign")
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_auditevent_unit_id_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auditevent")),
    )
    with op.batch_alter_table("auditevent", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_auditevent_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_auditevent_campaign_id"), ["campaign_id"], unique=False
        )
    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.add_column(sa.Column("previous_campaign_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_campaign_previous_campaign_id_campaign"),
            "campaign",
            ["previous_campaign_id"],
            ["id"],
        )
    with op.batch_alter_table("campaignsnapshot", schema=None) as batch_op:
        batch_op.add_column(sa.Column("imported", _JSON, nullable=False, server_default="{}"))
    with op.batch_alter_table("campaignsnapshot", schema=None) as batch_op:
        batch_op.alter_column("imported", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("campaignsnapshot", schema=None) as batch_op:
        batch_op.drop_column("imported")
    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_campaign_previous_campaign_id_campaign"), type_="foreignkey"
        )
        batch_op.drop_column("previous_campaign_id")
    with op.batch_alter_table("auditevent", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_auditevent_campaign_id"))
        batch_op.drop_index(batch_op.f("ix_auditevent_organisation_id"))
    op.drop_table("auditevent")
