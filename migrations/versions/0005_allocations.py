"""Allocation proposals: a solver run over unplaced workers and its reviewable items.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-21
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "allocations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("county_code", sa.String(length=6), nullable=True),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("objective", sa.String(length=16), nullable=False),
        sa.Column("candidates_per_worker", sa.Integer(), nullable=False),
        sa.Column("quotas", sa.JSON(), nullable=False),
        sa.Column("model", sa.JSON(), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["org_id"], ["orgs.id"], name=op.f("fk_allocations_org_id_orgs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_allocations")),
    )
    with op.batch_alter_table("allocations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_allocations_org_id"), ["org_id"], unique=False)

    op.create_table(
        "allocation_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("allocation_id", sa.Integer(), nullable=False),
        sa.Column("worker_id", sa.Integer(), nullable=False),
        sa.Column("vacancy_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("pairing_id", sa.Integer(), nullable=True),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("placement_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by_org_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["allocation_id"],
            ["allocations.id"],
            name=op.f("fk_allocation_items_allocation_id_allocations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_org_id"], ["orgs.id"], name=op.f("fk_allocation_items_decided_by_org_id_orgs")
        ),
        sa.ForeignKeyConstraint(["pairing_id"], ["pairings.id"], name=op.f("fk_allocation_items_pairing_id_pairings")),
        sa.ForeignKeyConstraint(
            ["placement_id"], ["placements.id"], name=op.f("fk_allocation_items_placement_id_placements")
        ),
        sa.ForeignKeyConstraint(
            ["vacancy_id"], ["vacancies.id"], name=op.f("fk_allocation_items_vacancy_id_vacancies")
        ),
        sa.ForeignKeyConstraint(["worker_id"], ["workers.id"], name=op.f("fk_allocation_items_worker_id_workers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_allocation_items")),
    )
    with op.batch_alter_table("allocation_items", schema=None) as batch_op:
        batch_op.create_index("ix_allocation_items_allocation_id_id", ["allocation_id", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_allocation_items_vacancy_id"), ["vacancy_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_allocation_items_worker_id"), ["worker_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("allocation_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_allocation_items_worker_id"))
        batch_op.drop_index(batch_op.f("ix_allocation_items_vacancy_id"))
        batch_op.drop_index("ix_allocation_items_allocation_id_id")
    op.drop_table("allocation_items")
    with op.batch_alter_table("allocations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_allocations_org_id"))
    op.drop_table("allocations")
