"""E-mail: the addresses of a campaign's list, kept while it is open (``mailrecipient``), the
reminders HR set (``mailreminder``), every message with its send log (``mailmessage``) and the
sending rate shared by the workers (``mailthrottle``).

Revision ID: 0012
Revises: 0011
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "mailrecipient",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("seed", sa.String(length=32), nullable=False),
        sa.Column("invitation_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaign.id"]),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"]),
        sa.ForeignKeyConstraint(["invitation_id"], ["invitation.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("campaign_id", "email"),
        sa.UniqueConstraint("seed"),
        sa.UniqueConstraint("invitation_id"),
    )
    op.create_index("ix_mailrecipient_campaign_id", "mailrecipient", ["campaign_id"])
    op.create_table(
        "mailreminder",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("send_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("planned_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("planned", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaign.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("campaign_id", "send_at"),
    )
    op.create_index("ix_mailreminder_campaign_id", "mailreminder", ["campaign_id"])
    op.create_table(
        "mailmessage",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("recipient_id", sa.Integer(), nullable=True),
        sa.Column("reminder_id", sa.Integer(), nullable=True),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("link_base", sa.String(length=200), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error", sa.String(length=1000), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaign.id"]),
        sa.ForeignKeyConstraint(["recipient_id"], ["mailrecipient.id"]),
        sa.ForeignKeyConstraint(["reminder_id"], ["mailreminder.id"]),
        sa.ForeignKeyConstraint(["account_id"], ["account.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    op.create_index("ix_mailmessage_campaign_id", "mailmessage", ["campaign_id"])
    op.create_index("ix_mailmessage_recipient_id", "mailmessage", ["recipient_id"])
    op.create_index("ix_mailmessage_due", "mailmessage", ["status", "next_attempt_at"])
    op.create_table(
        "mailthrottle",
        sa.Column("name", sa.String(length=20), nullable=False),
        sa.Column("next_slot_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("sender", sa.String(length=32), nullable=True),
        sa.Column("sender_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("name"),
    )


def downgrade() -> None:
    op.drop_table("mailthrottle")
    op.drop_index("ix_mailmessage_due", table_name="mailmessage")
    op.drop_index("ix_mailmessage_recipient_id", table_name="mailmessage")
    op.drop_index("ix_mailmessage_campaign_id", table_name="mailmessage")
    op.drop_table("mailmessage")
    op.drop_index("ix_mailreminder_campaign_id", table_name="mailreminder")
    op.drop_table("mailreminder")
    op.drop_index("ix_mailrecipient_campaign_id", table_name="mailrecipient")
    op.drop_table("mailrecipient")
