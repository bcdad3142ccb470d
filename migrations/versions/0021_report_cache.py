"""Built weekly reports per scope and week, and the log of fact changes that invalidates them.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "report_fact_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fact_day", sa.Date(), nullable=False),
        sa.Column("txid", sa.BigInteger(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_fact_changes")),
    )
    op.create_index(op.f("ix_report_fact_changes_txid"), "report_fact_changes", ["txid"])
    op.create_table(
        "report_cache",
        sa.Column("scope", sa.String(length=40), nullable=False),
        sa.Column("week", sa.String(length=8), nullable=False),
        sa.Column("variant", sa.String(length=16), nullable=False),
        sa.Column("mark", sa.Text(), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("built_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("scope", "week", name=op.f("pk_report_cache")),
    )


def downgrade() -> None:
    op.drop_table("report_cache")
    op.drop_index(op.f("ix_report_fact_changes_txid"), table_name="report_fact_changes")
    op.drop_table("report_fact_changes")
