"""Weekly report: risk_snapshots, the at-risk inputs each week's Monday run froze (placement_risks keeps the latest).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-21
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "risk_snapshots",
        sa.Column("week", sa.String(length=8), nullable=False),
        sa.Column("placement_id", sa.Integer(), nullable=False),
        sa.Column("risk_30", sa.Float(), nullable=True),
        sa.Column("risk_90", sa.Float(), nullable=True),
        sa.Column("risk_180", sa.Float(), nullable=True),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("model_version", sa.String(length=40), nullable=False),
        sa.Column("scored_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["placement_id"], ["placements.id"], name=op.f("fk_risk_snapshots_placement_id_placements")
        ),
        sa.PrimaryKeyConstraint("week", "placement_id", name=op.f("pk_risk_snapshots")),
    )


def downgrade() -> None:
    op.drop_table("risk_snapshots")
