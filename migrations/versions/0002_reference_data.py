"""Load the reference data every database needs: GB/T 2260 divisions and CSCO 2022 occupations.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21
"""

import csv
from collections.abc import Sequence
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SEED = Path(__file__).resolve().parents[2] / "seed_data"

divisions = sa.table(
    "divisions",
    sa.column("code", sa.String),
    sa.column("name", sa.String),
    sa.column("level", sa.String),
    sa.column("parent_code", sa.String),
    sa.column("province", sa.String),
    sa.column("longitude", sa.Float),
    sa.column("latitude", sa.Float),
    sa.column("coord_source", sa.String),
)
occupations = sa.table(
    "occupations",
    sa.column("code", sa.String),
    sa.column("level", sa.Integer),
    sa.column("name", sa.String),
    sa.column("definition", sa.Text),
    sa.column("tasks", sa.Text),
    sa.column("alias", sa.Text),
)


def _rows(name: str) -> list[dict[str, str]]:
    with open(SEED / name, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _float(value: str) -> float | None:
    return float(value) if value else None


def upgrade() -> None:
    op.bulk_insert(
        divisions,
        [
            {
                "code": r["code"],
                "name": r["name"],
                "level": r["level"],
                "parent_code": r["parent_code"] or None,
                "province": r["province"],
                "longitude": _float(r["longitude"]),
                "latitude": _float(r["latitude"]),
                "coord_source": r["coord_source"] or None,
            }
            for r in _rows("divisions_guangdong_guangxi.csv")
        ],
    )
    # The source lists four codes twice (once as a level-3 heading); keep the deepest row of each.
    by_code: dict[str, dict[str, str]] = {}
    for r in _rows("csco2022_occupations.csv"):
        if r["code"] not in by_code or int(r["level"]) > int(by_code[r["code"]]["level"]):
            by_code[r["code"]] = r
    op.bulk_insert(
        occupations,
        [
            {
                "code": r["code"],
                "level": int(r["level"]),
                "name": r["name"],
                "definition": r["definition"] or None,
                "tasks": r["tasks"] or None,
                "alias": r["alias"] or None,
            }
            for r in by_code.values()
        ],
    )


def downgrade() -> None:
    op.execute(occupations.delete())
    op.execute(divisions.delete())
