"""Quarterly evaluations of pairings and their append-only workflow history.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "evaluations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("quarter", sa.String(length=7), nullable=False),
        sa.Column("pairing_id", sa.Integer(), nullable=False),
        sa.Column("pairing_version", sa.Integer(), nullable=False),
        sa.Column("east_code", sa.String(length=6), nullable=False),
        sa.Column("west_code", sa.String(length=6), nullable=False),
        sa.Column("level", sa.String(length=12), nullable=False),
        sa.Column("annual_target", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("indicators", sa.JSON(), nullable=False),
        sa.Column("trend", sa.JSON(), nullable=False),
        sa.Column("components", sa.JSON(), nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("grade", sa.String(length=12), nullable=False),
        sa.Column("below_target", sa.Boolean(), nullable=False),
        sa.Column("review_flag", sa.Boolean(), nullable=False),
        sa.Column("rectification_action_id", sa.Integer(), nullable=True),
        sa.Column("created_by_org_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["created_by_org_id"], ["orgs.id"], name=op.f("fk_evaluations_created_by_org_id_orgs")),
        sa.ForeignKeyConstraint(["pairing_id"], ["pairings.id"], name=op.f("fk_evaluations_pairing_id_pairings")),
        sa.ForeignKeyConstraint(
            ["rectification_action_id"],
            ["consultation_actions.id"],
            name=op.f("fk_evaluations_rectification_action_id_consultation_actions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluations")),
        sa.UniqueConstraint("quarter", "pairing_id", name=op.f("uq_evaluations_quarter_pairing_id")),
    )
    op.create_index(op.f("ix_evaluations_pairing_id"), "evaluations", ["pairing_id"])
    op.create_index(op.f("ix_evaluations_quarter"), "evaluations", ["quarter"])
    op.create_table(
        "evaluation_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("evaluation_id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("from_status", sa.String(length=12), nullable=True),
        sa.Column("to_status", sa.String(length=12), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["evaluation_id"], ["evaluations.id"], name=op.f("fk_evaluation_events_evaluation_id_evaluations")
        ),
        sa.ForeignKeyConstraint(["org_id"], ["orgs.id"], name=op.f("fk_evaluation_events_org_id_orgs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluation_events")),
    )
    op.create_index("ix_evaluation_events_evaluation_id_id", "evaluation_events", ["evaluation_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_evaluation_events_evaluation_id_id", table_name="evaluation_events")
    op.drop_table("evaluation_events")
    op.drop_index(op.f("ix_evaluations_quarter"), table_name="evaluations")
    op.drop_index(op.f("ix_evaluations_pairing_id"), table_name="evaluations")
    op.drop_table("evaluations")
