"""Units can be archived (``unit.archived_at``): out of the chart, kept for the campaigns they
took part in. The audit log's campaign id loses its foreign key, so that a deleted draft
campaign stays named in the log.

Revision ID: 0009
Revises: 0008
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("unit", schema=None) as batch_op:
        batch_op.add_column(sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("auditevent", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_auditevent_campaign_id_campaign"), type_="foreignkey"
        )


def downgrade() -> None:
    # Events of deleted campaigns name campaigns that no longer exist: they lose that name.
    op.execute(
        "UPDATE auditevent SET campaign_id = NULL"
        " WHERE campaign_id IS NOT NULL AND campaign_id NOT IN (SELECT id FROM campaign)"
    )
    with op.batch_alter_table("auditevent", schema=None) as batch_op:
        batch_op.create_foreign_key(
            batch_op.f("fk_auditevent_campaign_id_campaign"), "campaign", ["campaign_id"], ["id"]
        )
    with op.batch_alter_table("unit", schema=None) as batch_op:
        batch_op.drop_column("archived_at")
