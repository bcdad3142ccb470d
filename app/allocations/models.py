"""Allocation proposals: one run of the solver over a county's (or the province's) unplaced workers, and its items."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, Timestamped, UtcDateTime

ITEM_STATUSES = ("proposed", "accepted", "rejected")


class Allocation(Base, Timestamped):
    __tablename__ = "allocations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id"), index=True)  # who asked: the wall
    county_code: Mapped[str | None] = mapped_column(String(6))  # None: every county the caller covers
    method: Mapped[str] = mapped_column(String(16))
    objective: Mapped[str] = mapped_column(String(16))
    candidates_per_worker: Mapped[int] = mapped_column(Integer)
    quotas: Mapped[list[dict[str, int]]] = mapped_column(JSON)  # [{pairing_id, max}]
    model: Mapped[dict[str, Any]] = mapped_column(JSON)  # {kind, version, note}: what scored the edges
    summary: Mapped[dict[str, Any]] = mapped_column(JSON)  # workers, edges, placed, expected_retained, baselines


class AllocationItem(Base, Timestamped):
    """One proposed worker -> vacancy; it becomes a placement only when an officer accepts it."""

    __tablename__ = "allocation_items"
    __table_args__ = (Index("ix_allocation_items_allocation_id_id", "allocation_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    allocation_id: Mapped[int] = mapped_column(ForeignKey("allocations.id", ondelete="CASCADE"))
    worker_id: Mapped[int] = mapped_column(ForeignKey("workers.id"), index=True)
    vacancy_id: Mapped[int] = mapped_column(ForeignKey("vacancies.id"), index=True)
    score: Mapped[float] = mapped_column(Float)
    rank: Mapped[int] = mapped_column(Integer)  # the vacancy's place in this worker's own ranking (1 = best)
    pairing_id: Mapped[int | None] = mapped_column(ForeignKey("pairings.id"))
    reasons: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(10), default="proposed")
    placement_id: Mapped[int | None] = mapped_column(ForeignKey("placements.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    decided_by_org_id: Mapped[int | None] = mapped_column(ForeignKey("orgs.id"))
