"""Report page sessions: the sign-in cookie carries a random id, the table its hash and the key it stands for.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "report_sessions",
        sa.Column("id_hash", sa.String(length=64), nullable=False),
        sa.Column("key_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["key_id"], ["api_keys.id"], name=op.f("fk_report_sessions_key_id_api_keys")),
        sa.PrimaryKeyConstraint("id_hash", name=op.f("pk_report_sessions")),
    )
    with op.batch_alter_table("report_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_report_sessions_key_id"), ["key_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_report_sessions_expires_at"), ["expires_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("report_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_report_sessions_expires_at"))
        batch_op.drop_index(batch_op.f("ix_report_sessions_key_id"))
    op.drop_table("report_sessions")
