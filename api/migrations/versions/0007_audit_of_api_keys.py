"""The audit log names the API key a key event is about (created, revoked, rotated): its id,
never its secret.

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("auditevent", schema=None) as batch_op:
        batch_op.add_column(sa.Column("key_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_auditevent_key_id_apikey"), "apikey", ["key_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("auditevent", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_auditevent_key_id_apikey"), type_="foreignkey")
        batch_op.drop_column("key_id")
