"""School–enterprise training: employers' demands, schools' classes, workers' enrolments; placements may name one.

Revision ID: 0015
Revises: 0013
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _timestamps() -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "training_demands",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("employer_org_id", sa.Integer(), nullable=False),
        sa.Column("vacancy_id", sa.Integer(), nullable=True),
        sa.Column("occupation_code", sa.String(length=10), nullable=False),
        sa.Column("headcount", sa.Integer(), nullable=False),
        sa.Column("hire_commitment", sa.Integer(), nullable=False),
        sa.Column("skills", sa.JSON(), nullable=False),
        sa.Column("needed_by", sa.Date(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        *_timestamps(),
        sa.ForeignKeyConstraint(
            ["employer_org_id"], ["orgs.id"], name=op.f("fk_training_demands_employer_org_id_orgs")
        ),
        sa.ForeignKeyConstraint(
            ["vacancy_id"], ["vacancies.id"], name=op.f("fk_training_demands_vacancy_id_vacancies")
        ),
        sa.ForeignKeyConstraint(
            ["occupation_code"], ["occupations.code"], name=op.f("fk_training_demands_occupation_code_occupations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_demands")),
    )
    with op.batch_alter_table("training_demands") as batch_op:
        batch_op.create_index(batch_op.f("ix_training_demands_employer_org_id"), ["employer_org_id"])
        batch_op.create_index(batch_op.f("ix_training_demands_vacancy_id"), ["vacancy_id"])
        batch_op.create_index(batch_op.f("ix_training_demands_occupation_code"), ["occupation_code"])

    op.create_table(
        "training_classes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_org_id", sa.Integer(), nullable=False),
        sa.Column("demand_id", sa.Integer(), nullable=True),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("occupation_code", sa.String(length=10), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("county_code", sa.String(length=6), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("planned_hours", sa.Integer(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("certificate_type", sa.String(length=100), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        *_timestamps(),
        sa.ForeignKeyConstraint(["school_org_id"], ["orgs.id"], name=op.f("fk_training_classes_school_org_id_orgs")),
        sa.ForeignKeyConstraint(
            ["demand_id"], ["training_demands.id"], name=op.f("fk_training_classes_demand_id_training_demands")
        ),
        sa.ForeignKeyConstraint(
            ["occupation_code"], ["occupations.code"], name=op.f("fk_training_classes_occupation_code_occupations")
        ),
        sa.ForeignKeyConstraint(
            ["county_code"], ["divisions.code"], name=op.f("fk_training_classes_county_code_divisions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_classes")),
    )
    with op.batch_alter_table("training_classes") as batch_op:
        for column in ("school_org_id", "demand_id", "occupation_code", "county_code", "status"):
            batch_op.create_index(batch_op.f(f"ix_training_classes_{column}"), [column])

    op.create_table(
        "training_enrolments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("class_id", sa.Integer(), nullable=False),
        sa.Column("worker_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("attended_hours", sa.Integer(), nullable=False),
        sa.Column("result", sa.String(length=8), nullable=True),
        sa.Column("certificate_no", sa.String(length=64), nullable=True),
        sa.Column("drop_reason", sa.String(length=500), nullable=True),
        sa.Column("enrolled_by_org_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        *_timestamps(),
        sa.ForeignKeyConstraint(
            ["class_id"], ["training_classes.id"], name=op.f("fk_training_enrolments_class_id_training_classes")
        ),
        sa.ForeignKeyConstraint(["worker_id"], ["workers.id"], name=op.f("fk_training_enrolments_worker_id_workers")),
        sa.ForeignKeyConstraint(
            ["enrolled_by_org_id"], ["orgs.id"], name=op.f("fk_training_enrolments_enrolled_by_org_id_orgs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_enrolments")),
        sa.UniqueConstraint("class_id", "worker_id", name=op.f("uq_training_enrolments_class_id_worker_id")),
    )
    with op.batch_alter_table("training_enrolments") as batch_op:
        batch_op.create_index(batch_op.f("ix_training_enrolments_class_id"), ["class_id"])
        batch_op.create_index(batch_op.f("ix_training_enrolments_worker_id"), ["worker_id"])

    # A plain ADD COLUMN on SQLite (no table rebuild), so the placements' partial unique index stays as it is.
    fk_name = "fk_placements_training_enrolment_id_training_enrolments"
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "ALTER TABLE placements ADD COLUMN training_enrolment_id INTEGER "
            f"CONSTRAINT {fk_name} REFERENCES training_enrolments (id)"
        )
    else:
        op.add_column("placements", sa.Column("training_enrolment_id", sa.Integer(), nullable=True))
        op.create_foreign_key(fk_name, "placements", "training_enrolments", ["training_enrolment_id"], ["id"])
    op.create_index(op.f("ix_placements_training_enrolment_id"), "placements", ["training_enrolment_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_placements_training_enrolment_id"), table_name="placements")
    # SQLite drops the column by rebuilding the table; the partial unique index is put back by hand after it.
    op.drop_index("uq_placements_active_worker", table_name="placements")
    with op.batch_alter_table("placements") as batch_op:
        if op.get_bind().dialect.name != "sqlite":
            batch_op.drop_constraint("fk_placements_training_enrolment_id_training_enrolments", type_="foreignkey")
        batch_op.drop_column("training_enrolment_id")
    op.create_index(
        "uq_placements_active_worker",
        "placements",
        ["worker_id"],
        unique=True,
        sqlite_where=sa.text("end_date IS NULL"),
        postgresql_where=sa.text("end_date IS NULL"),
    )
    op.drop_table("training_enrolments")
    op.drop_table("training_classes")
    op.drop_table("training_demands")
