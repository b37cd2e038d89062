"""Responses stored in no order of submission: on SQLite a table WITHOUT ROWID, keyed by the
response's random id (a rowid grows with every insert, so it told which response came last).

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return  # PostgreSQL has no rowid; closing a campaign rewrites its rows by id instead
    with op.batch_alter_table(
        "response", recreate="always", table_kwargs={"sqlite_with_rowid": False}
    ):
        pass


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    with op.batch_alter_table("response", recreate="always"):
        pass
