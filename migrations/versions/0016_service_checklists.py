"""One-stop service checklists: templates per province pair, each placement's tasks, and the tasks' history.

Revision ID: 0016
Revises: 0014 (rights cases)
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    ref_table, _ = target.split(".")
    return sa.ForeignKeyConstraint([column], [target], name=op.f(f"fk_{table}_{column}_{ref_table}"))


def _stamps() -> list[sa.Column]:
    return [
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    ]


def upgrade() -> None:
    t = "service_templates"
    op.create_table(
        t,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("home_province", sa.String(length=6), nullable=False),
        sa.Column("work_province", sa.String(length=6), nullable=False),
        sa.Column("tasks", sa.JSON(), nullable=False),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("updated_by_org_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        *_stamps(),
        _fk(t, "updated_by_org_id", "orgs.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_templates")),
        sa.UniqueConstraint(
            "home_province", "work_province", name=op.f("uq_service_templates_home_province_work_province")
        ),
    )

    k = "service_tasks"
    op.create_table(
        k,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("placement_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("stage", sa.String(length=20), nullable=False),
        sa.Column("responsible", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("due_provisional", sa.Boolean(), nullable=False),
        sa.Column("remind_on", sa.Date(), nullable=True),
        sa.Column("evidence_ref", sa.String(length=128), nullable=True),
        sa.Column("blocked_reason", sa.Text(), nullable=True),
        sa.Column("illustrative", sa.Boolean(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("template_version", sa.Integer(), nullable=False),
        sa.Column("done_on", sa.Date(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        *_stamps(),
        _fk(k, "placement_id", "placements.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_tasks")),
        sa.UniqueConstraint("placement_id", "kind", name=op.f("uq_service_tasks_placement_id_kind")),
    )
    op.create_index(op.f("ix_service_tasks_placement_id"), k, ["placement_id"])
    op.create_index(op.f("ix_service_tasks_responsible"), k, ["responsible"])
    op.create_index("ix_service_tasks_status_due_on", k, ["status", "due_on"])

    e = "service_task_events"
    op.create_table(
        e,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("from_status", sa.String(length=20), nullable=True),
        sa.Column("to_status", sa.String(length=20), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("evidence_ref", sa.String(length=128), nullable=True),
        sa.Column("blocked_reason", sa.Text(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        _fk(e, "task_id", "service_tasks.id"),
        _fk(e, "org_id", "orgs.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_task_events")),
    )
    op.create_index("ix_service_task_events_task_id_id", e, ["task_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_service_task_events_task_id_id", table_name="service_task_events")
    op.drop_table("service_task_events")
    op.drop_index("ix_service_tasks_status_due_on", table_name="service_tasks")
    op.drop_index(op.f("ix_service_tasks_responsible"), table_name="service_tasks")
    op.drop_index(op.f("ix_service_tasks_placement_id"), table_name="service_tasks")
    op.drop_table("service_tasks")
    op.drop_table("service_templates")
