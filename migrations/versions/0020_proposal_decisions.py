"""Decisions on the computed proposals to adjust pairings (append-only).

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "pairing_proposal_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.String(length=64), nullable=False),
        sa.Column("quarter", sa.String(length=7), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("decision", sa.String(length=8), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("effective_from", sa.Date(), nullable=True),
        sa.Column("proposal", sa.JSON(), nullable=False),
        sa.Column("pairing_ids", sa.JSON(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["org_id"], ["orgs.id"], name=op.f("fk_pairing_proposal_decisions_org_id_orgs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pairing_proposal_decisions")),
        sa.UniqueConstraint("proposal_id", name=op.f("uq_pairing_proposal_decisions_proposal_id")),
    )
    op.create_index(op.f("ix_pairing_proposal_decisions_quarter"), "pairing_proposal_decisions", ["quarter"])


def downgrade() -> None:
    op.drop_index(op.f("ix_pairing_proposal_decisions_quarter"), table_name="pairing_proposal_decisions")
    op.drop_table("pairing_proposal_decisions")
