"""Pairings as living data: every change is a new version; the pairing row keeps its id and shows the latest.

`pairing_versions` holds each version with the date it takes effect; readers of a past period take the version
in force then. Existing pairings become version 1, in force since 1996 (when east-west cooperation began), with
open start and end dates.

Revision ID: 0013
Revises: 0009
Create Date: 2026-12-03
"""

import datetime as dt
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PROGRAMME_START = dt.date(1996, 1, 1)
COPIED = ("east_code", "west_code", "level", "annual_target", "illustrative", "note")


def upgrade() -> None:
    with op.batch_alter_table("pairings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
        batch_op.add_column(
            sa.Column("effective_from", sa.Date(), nullable=False, server_default=PROGRAMME_START.isoformat())
        )
        batch_op.add_column(sa.Column("start_date", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("end_date", sa.Date(), nullable=True))
    op.create_table(
        "pairing_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pairing_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("east_code", sa.String(length=6), nullable=False),
        sa.Column("west_code", sa.String(length=6), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("annual_target", sa.Integer(), nullable=False),
        sa.Column("illustrative", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("org_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["pairing_id"], ["pairings.id"], name=op.f("fk_pairing_versions_pairing_id_pairings")),
        sa.ForeignKeyConstraint(["org_id"], ["orgs.id"], name=op.f("fk_pairing_versions_org_id_orgs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pairing_versions")),
        sa.UniqueConstraint("pairing_id", "version", name=op.f("uq_pairing_versions_pairing_id")),
    )
    with op.batch_alter_table("pairing_versions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pairing_versions_pairing_id"), ["pairing_id"], unique=False)
    pairings = sa.table(
        "pairings",
        sa.column("id", sa.Integer),
        sa.column("created_at", sa.DateTime(timezone=True)),
        *(sa.column(c) for c in COPIED),
    )
    versions = sa.table(
        "pairing_versions",
        sa.column("pairing_id", sa.Integer),
        sa.column("version", sa.Integer),
        sa.column("effective_from", sa.Date),
        sa.column("created_at", sa.DateTime(timezone=True)),
        *(sa.column(c) for c in COPIED),
    )
    conn = op.get_bind()
    rows = [
        {"pairing_id": r.id, "version": 1, "effective_from": PROGRAMME_START, "created_at": r.created_at}
        | {c: getattr(r, c) for c in COPIED}
        for r in conn.execute(sa.select(pairings))
    ]
    if rows:
        conn.execute(versions.insert(), rows)


def downgrade() -> None:
    with op.batch_alter_table("pairing_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pairing_versions_pairing_id"))
    op.drop_table("pairing_versions")
    with op.batch_alter_table("pairings", schema=None) as batch_op:
        batch_op.drop_column("end_date")
        batch_op.drop_column("start_date")
        batch_op.drop_column("effective_from")
        batch_op.drop_column("version")
