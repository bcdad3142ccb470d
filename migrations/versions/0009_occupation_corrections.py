"""Occupation corrections (who confirmed or corrected a vacancy's code, and when), and the clerk's job words.

`occupation_corrections` is append-only: every confirmation or correction is a new row, with the title as it
was then, so the next `laborbridge train` can learn from it. The everyday words a clerk types for general
work (seed_data/occupation_clerk_words.csv) are appended to `occupations.alias`; the downgrade removes them.

Revision ID: 0009
Revises: 0007
Create Date: 2026-12-03
"""

import csv
from collections.abc import Sequence
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WORDS_CSV = Path(__file__).resolve().parents[2] / "seed_data" / "occupation_clerk_words.csv"
occupations = sa.table("occupations", sa.column("code", sa.String), sa.column("alias", sa.Text))


def _words() -> dict[str, list[str]]:
    with open(WORDS_CSV, encoding="utf-8", newline="") as fh:
        out: dict[str, list[str]] = {}
        for row in csv.DictReader(fh):
            out.setdefault(row["code"], []).append(row["word"])
        return out


def _set_aliases(add: bool) -> None:
    conn = op.get_bind()
    for code, words in _words().items():
        current = conn.execute(sa.select(occupations.c.alias).where(occupations.c.code == code)).scalar_one_or_none()
        parts = [p for p in (current or "").split(",") if p]
        if add:
            parts += [w for w in words if w not in parts]
        else:
            parts = [p for p in parts if p not in words]
        conn.execute(occupations.update().where(occupations.c.code == code).values(alias=",".join(parts) or None))


def upgrade() -> None:
    op.create_table(
        "occupation_corrections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("vacancy_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("previous_code", sa.String(length=10), nullable=True),
        sa.Column("code", sa.String(length=10), nullable=False),
        sa.Column("was_inferred", sa.Boolean(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("api_key_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["vacancy_id"], ["vacancies.id"], name=op.f("fk_occupation_corrections_vacancy_id_vacancies")
        ),
        sa.ForeignKeyConstraint(
            ["code"], ["occupations.code"], name=op.f("fk_occupation_corrections_code_occupations")
        ),
        sa.ForeignKeyConstraint(["org_id"], ["orgs.id"], name=op.f("fk_occupation_corrections_org_id_orgs")),
        sa.ForeignKeyConstraint(
            ["api_key_id"], ["api_keys.id"], name=op.f("fk_occupation_corrections_api_key_id_api_keys")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_occupation_corrections")),
    )
    op.create_index(
        op.f("ix_occupation_corrections_vacancy_id"), "occupation_corrections", ["vacancy_id"], unique=False
    )
    op.create_index(
        op.f("ix_occupation_corrections_created_at"), "occupation_corrections", ["created_at"], unique=False
    )
    _set_aliases(add=True)


def downgrade() -> None:
    _set_aliases(add=False)
    op.drop_index(op.f("ix_occupation_corrections_created_at"), table_name="occupation_corrections")
    op.drop_index(op.f("ix_occupation_corrections_vacancy_id"), table_name="occupation_corrections")
    op.drop_table("occupation_corrections")
