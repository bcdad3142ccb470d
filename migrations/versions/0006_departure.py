"""Early-departure risk: indexes for the at-risk list at 30 and 180 days (90 has one since 0003).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-21
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("placement_risks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_placement_risks_risk_30"), ["risk_30"], unique=False)
        batch_op.create_index(batch_op.f("ix_placement_risks_risk_180"), ["risk_180"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("placement_risks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_placement_risks_risk_180"))
        batch_op.drop_index(batch_op.f("ix_placement_risks_risk_30"))
