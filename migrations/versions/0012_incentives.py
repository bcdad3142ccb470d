"""Four-party incentives: versioned rules, the append-only ledger (guarded in the database), payment batches,
and whether a placement used free point-to-point transport.

Revision ID: 0012
Revises: 0009
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.incentives import guard

revision: str = "0012"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ACCRUAL_PLACEMENT = sa.text("kind = 'accrual' AND placement_id IS NOT NULL")
ACCRUAL_ENROLMENT = sa.text("kind = 'accrual' AND enrolment_id IS NOT NULL")


def upgrade() -> None:
    with op.batch_alter_table("placements", schema=None) as batch_op:
        batch_op.add_column(sa.Column("free_transport", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table(
        "incentive_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("province_code", sa.String(length=6), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_by_org_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_org_id"], ["orgs.id"], name=op.f("fk_incentive_rules_created_by_org_id_orgs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incentive_rules")),
    )
    op.create_index(op.f("ix_incentive_rules_province_code"), "incentive_rules", ["province_code"])
    op.create_table(
        "incentive_rule_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rule_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("beneficiary", sa.String(length=20), nullable=False),
        sa.Column("trigger", sa.String(length=24), nullable=False),
        sa.Column("days", sa.Integer(), nullable=True),
        sa.Column("amount_mode", sa.String(length=16), nullable=False),
        sa.Column("amount_fen", sa.Integer(), nullable=True),
        sa.Column("cap_fen", sa.Integer(), nullable=True),
        sa.Column("conditions", sa.JSON(), nullable=False),
        sa.Column("exclusions", sa.JSON(), nullable=False),
        sa.Column("limits", sa.JSON(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("publicity_days", sa.Integer(), nullable=False),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("created_by_org_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_org_id"], ["orgs.id"], name=op.f("fk_incentive_rule_versions_created_by_org_id_orgs")
        ),
        sa.ForeignKeyConstraint(
            ["rule_id"], ["incentive_rules.id"], name=op.f("fk_incentive_rule_versions_rule_id_incentive_rules")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incentive_rule_versions")),
        sa.UniqueConstraint("rule_id", "version", name=op.f("uq_incentive_rule_versions_rule_id")),
    )
    op.create_index(op.f("ix_incentive_rule_versions_rule_id"), "incentive_rule_versions", ["rule_id"])
    op.create_table(
        "incentive_batches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("province_code", sa.String(length=6), nullable=False),
        sa.Column("created_by_org_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("payment_reference", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_org_id"], ["orgs.id"], name=op.f("fk_incentive_batches_created_by_org_id_orgs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incentive_batches")),
    )
    op.create_index(op.f("ix_incentive_batches_province_code"), "incentive_batches", ["province_code"])
    op.create_table(
        "incentive_ledger",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("amount_fen", sa.Integer(), nullable=False),
        sa.Column("rule_id", sa.Integer(), nullable=False),
        sa.Column("rule_version", sa.Integer(), nullable=False),
        sa.Column("province_code", sa.String(length=6), nullable=False),
        sa.Column("beneficiary_kind", sa.String(length=20), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=True),
        sa.Column("worker_id", sa.Integer(), nullable=True),
        sa.Column("placement_id", sa.Integer(), nullable=True),
        sa.Column("enrolment_id", sa.Integer(), nullable=True),
        sa.Column("milestone", sa.String(length=24), nullable=False),
        sa.Column("milestone_date", sa.Date(), nullable=False),
        sa.Column("publicity_until", sa.Date(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("corrects_id", sa.Integer(), nullable=True),
        sa.Column("batch_id", sa.Integer(), nullable=True),
        sa.Column("created_by_org_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["rule_id"], ["incentive_rules.id"], name=op.f("fk_incentive_ledger_rule_id_incentive_rules")
        ),
        sa.ForeignKeyConstraint(["org_id"], ["orgs.id"], name=op.f("fk_incentive_ledger_org_id_orgs")),
        sa.ForeignKeyConstraint(["worker_id"], ["workers.id"], name=op.f("fk_incentive_ledger_worker_id_workers")),
        sa.ForeignKeyConstraint(
            ["placement_id"], ["placements.id"], name=op.f("fk_incentive_ledger_placement_id_placements")
        ),
        sa.ForeignKeyConstraint(
            ["corrects_id"], ["incentive_ledger.id"], name=op.f("fk_incentive_ledger_corrects_id_incentive_ledger")
        ),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["incentive_batches.id"], name=op.f("fk_incentive_ledger_batch_id_incentive_batches")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_org_id"], ["orgs.id"], name=op.f("fk_incentive_ledger_created_by_org_id_orgs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incentive_ledger")),
    )
    for column in (
        "kind",
        "rule_id",
        "province_code",
        "org_id",
        "worker_id",
        "placement_id",
        "corrects_id",
        "batch_id",
    ):
        op.create_index(op.f(f"ix_incentive_ledger_{column}"), "incentive_ledger", [column])
    op.create_index(
        "uq_incentive_ledger_accrual_placement",
        "incentive_ledger",
        ["rule_id", "beneficiary_kind", "placement_id", "milestone"],
        unique=True,
        sqlite_where=ACCRUAL_PLACEMENT,
        postgresql_where=ACCRUAL_PLACEMENT,
    )
    op.create_index(
        "uq_incentive_ledger_accrual_enrolment",
        "incentive_ledger",
        ["rule_id", "beneficiary_kind", "enrolment_id", "milestone"],
        unique=True,
        sqlite_where=ACCRUAL_ENROLMENT,
        postgresql_where=ACCRUAL_ENROLMENT,
    )
    op.create_table(
        "incentive_batch_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["incentive_batches.id"], name=op.f("fk_incentive_batch_items_batch_id_incentive_batches")
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["incentive_ledger.id"], name=op.f("fk_incentive_batch_items_entry_id_incentive_ledger")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incentive_batch_items")),
        sa.UniqueConstraint("entry_id", name=op.f("uq_incentive_batch_items_entry_id")),
    )
    op.create_index(op.f("ix_incentive_batch_items_batch_id"), "incentive_batch_items", ["batch_id"])
    guard.install(op.get_bind())


def downgrade() -> None:
    guard.remove(op.get_bind())
    op.drop_table("incentive_batch_items")
    op.drop_table("incentive_ledger")
    op.drop_table("incentive_batches")
    op.drop_table("incentive_rule_versions")
    op.drop_table("incentive_rules")
    with op.batch_alter_table("placements", schema=None) as batch_op:
        batch_op.drop_column("free_transport")
