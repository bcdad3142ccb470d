"""Rights-protection cases (权益保障), their append-only events, and the holiday tables provinces load.

Revision ID: 0014
Revises: 0015 (training)
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    ref_table, ref_column = target.split(".")
    return sa.ForeignKeyConstraint([column], [target], name=op.f(f"fk_{table}_{column}_{ref_table}"))


def upgrade() -> None:
    t = "rights_cases"
    op.create_table(
        t,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("placement_id", sa.Integer(), nullable=True),
        sa.Column("worker_id", sa.Integer(), nullable=True),
        sa.Column("worker_owner_org_id", sa.Integer(), nullable=True),
        sa.Column("employer_id", sa.Integer(), nullable=True),
        sa.Column("agency_id", sa.Integer(), nullable=True),
        sa.Column("opened_by_org_id", sa.Integer(), nullable=False),
        sa.Column("opened_by_kind", sa.String(length=32), nullable=False),
        sa.Column("assigned_org_id", sa.Integer(), nullable=False),
        sa.Column("jurisdiction_county", sa.String(length=6), nullable=False),
        sa.Column("home_county", sa.String(length=6), nullable=True),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("amount_claimed_fen", sa.Integer(), nullable=False),
        sa.Column("amount_recovered_fen", sa.Integer(), nullable=True),
        sa.Column("workers_affected", sa.Integer(), nullable=False),
        sa.Column("confidential", sa.Boolean(), nullable=False),
        sa.Column("external_ref", sa.String(length=64), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.Column("clocks", sa.JSON(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("due_provisional", sa.Boolean(), nullable=False),
        sa.Column("overdue_escalated", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        _fk(t, "placement_id", "placements.id"),
        _fk(t, "worker_id", "workers.id"),
        _fk(t, "worker_owner_org_id", "orgs.id"),
        _fk(t, "employer_id", "orgs.id"),
        _fk(t, "agency_id", "orgs.id"),
        _fk(t, "opened_by_org_id", "orgs.id"),
        _fk(t, "assigned_org_id", "orgs.id"),
        _fk(t, "jurisdiction_county", "divisions.code"),
        _fk(t, "home_county", "divisions.code"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rights_cases")),
    )
    for column in (
        "kind",
        "placement_id",
        "worker_id",
        "worker_owner_org_id",
        "employer_id",
        "agency_id",
        "opened_by_org_id",
        "assigned_org_id",
        "jurisdiction_county",
    ):
        op.create_index(op.f(f"ix_rights_cases_{column}"), t, [column])
    op.create_index("ix_rights_cases_status_due_on", t, ["status", "due_on"])

    e = "rights_case_events"
    op.create_table(
        e,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=12), nullable=False),
        sa.Column("from_status", sa.String(length=12), nullable=True),
        sa.Column("to_status", sa.String(length=12), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=True),
        sa.Column("org_kind", sa.String(length=32), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("amount_recovered_fen", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("external_ref", sa.String(length=64), nullable=True),
        sa.Column("assigned_org_id", sa.Integer(), nullable=True),
        _fk(e, "case_id", "rights_cases.id"),
        _fk(e, "org_id", "orgs.id"),
        _fk(e, "assigned_org_id", "orgs.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rights_case_events")),
    )
    op.create_index("ix_rights_case_events_case_id_id", e, ["case_id", "id"])

    c = "rights_calendar_days"
    op.create_table(
        c,
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("workday", sa.Boolean(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=True),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("loaded_by_org_id", sa.Integer(), nullable=True),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
        _fk(c, "loaded_by_org_id", "orgs.id"),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_rights_calendar_days")),
    )
    op.create_index(op.f("ix_rights_calendar_days_year"), c, ["year"])


def downgrade() -> None:
    op.drop_index(op.f("ix_rights_calendar_days_year"), table_name="rights_calendar_days")
    op.drop_table("rights_calendar_days")
    op.drop_index("ix_rights_case_events_case_id_id", table_name="rights_case_events")
    op.drop_table("rights_case_events")
    op.drop_index("ix_rights_cases_status_due_on", table_name="rights_cases")
    for column in (
        "kind",
        "placement_id",
        "worker_id",
        "worker_owner_org_id",
        "employer_id",
        "agency_id",
        "opened_by_org_id",
        "assigned_org_id",
        "jurisdiction_county",
    ):
        op.drop_index(op.f(f"ix_rights_cases_{column}"), table_name="rights_cases")
    op.drop_table("rights_cases")
