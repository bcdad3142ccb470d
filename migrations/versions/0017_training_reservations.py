"""Places held for an order class's graduates on the employer's vacancy after the class completes.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "training_reservations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("class_id", sa.Integer(), nullable=False),
        sa.Column("vacancy_id", sa.Integer(), nullable=False),
        sa.Column("places", sa.Integer(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["class_id"], ["training_classes.id"], name=op.f("fk_training_reservations_class_id_training_classes")
        ),
        sa.ForeignKeyConstraint(
            ["vacancy_id"], ["vacancies.id"], name=op.f("fk_training_reservations_vacancy_id_vacancies")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_reservations")),
        sa.UniqueConstraint("class_id", name=op.f("uq_training_reservations_class_id")),
    )
    op.create_index(op.f("ix_training_reservations_vacancy_id"), "training_reservations", ["vacancy_id"])
    op.create_index(op.f("ix_training_reservations_expires_on"), "training_reservations", ["expires_on"])


def downgrade() -> None:
    op.drop_index(op.f("ix_training_reservations_expires_on"), table_name="training_reservations")
    op.drop_index(op.f("ix_training_reservations_vacancy_id"), table_name="training_reservations")
    op.drop_table("training_reservations")
