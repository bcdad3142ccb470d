"""Consultation actions on a pairing and their append-only history.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "consultation_actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pairing_id", sa.Integer(), nullable=False),
        sa.Column("issue", sa.Text(), nullable=False),
        sa.Column("owner_org_id", sa.Integer(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("closing_note", sa.Text(), nullable=True),
        sa.Column("raised_by_org_id", sa.Integer(), nullable=False),
        sa.Column("raised_on", sa.Date(), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["pairing_id"], ["pairings.id"], name=op.f("fk_consultation_actions_pairing_id_pairings")
        ),
        sa.ForeignKeyConstraint(["owner_org_id"], ["orgs.id"], name=op.f("fk_consultation_actions_owner_org_id_orgs")),
        sa.ForeignKeyConstraint(
            ["raised_by_org_id"], ["orgs.id"], name=op.f("fk_consultation_actions_raised_by_org_id_orgs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consultation_actions")),
    )
    op.create_index("ix_consultation_actions_pairing_id_id", "consultation_actions", ["pairing_id", "id"])
    op.create_index(op.f("ix_consultation_actions_owner_org_id"), "consultation_actions", ["owner_org_id"])
    op.create_table(
        "consultation_action_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("action_id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("from_status", sa.String(length=12), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("issue", sa.Text(), nullable=False),
        sa.Column("owner_org_id", sa.Integer(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("closing_note", sa.Text(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["action_id"],
            ["consultation_actions.id"],
            name=op.f("fk_consultation_action_events_action_id_consultation_actions"),
        ),
        sa.ForeignKeyConstraint(["org_id"], ["orgs.id"], name=op.f("fk_consultation_action_events_org_id_orgs")),
        sa.ForeignKeyConstraint(
            ["owner_org_id"], ["orgs.id"], name=op.f("fk_consultation_action_events_owner_org_id_orgs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consultation_action_events")),
    )
    op.create_index("ix_consultation_action_events_action_id_id", "consultation_action_events", ["action_id", "id"])
    op.create_index(op.f("ix_consultation_action_events_at"), "consultation_action_events", ["at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_consultation_action_events_at"), table_name="consultation_action_events")
    op.drop_index("ix_consultation_action_events_action_id_id", table_name="consultation_action_events")
    op.drop_table("consultation_action_events")
    op.drop_index(op.f("ix_consultation_actions_owner_org_id"), table_name="consultation_actions")
    op.drop_index("ix_consultation_actions_pairing_id_id", table_name="consultation_actions")
    op.drop_table("consultation_actions")
