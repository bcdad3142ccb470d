"""Placements (a worker in a vacancy, from a start date until an end) and their follow-ups."""

from datetime import date
from typing import Literal

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, false, text
from sqlalchemy.orm import Mapped, mapped_column

from app.clock import today
from app.db import Base, Timestamped

PlacementStatus = Literal["upcoming", "active", "ended"]


class Placement(Base, Timestamped):
    __tablename__ = "placements"
    __table_args__ = (
        # A worker holds at most one active placement: the database enforces it under any concurrency.
        Index(
            "uq_placements_active_worker",
            "worker_id",
            unique=True,
            sqlite_where=text("end_date IS NULL"),
            postgresql_where=text("end_date IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    worker_id: Mapped[int] = mapped_column(ForeignKey("workers.id"), index=True)
    vacancy_id: Mapped[int] = mapped_column(ForeignKey("vacancies.id"), index=True)
    start_date: Mapped[date] = mapped_column(Date, index=True)
    referred_by: Mapped[int | None] = mapped_column(ForeignKey("orgs.id"), index=True)
    end_date: Mapped[date | None] = mapped_column(Date)
    end_reason: Mapped[str | None] = mapped_column(String(20))
    # With a `dismissed` end: whether it was for cause. A dismissal without cause lets the province claw back the
    # employer's retention subsidy on the placement; None: not said (or not a dismissal).
    for_cause: Mapped[bool | None] = mapped_column(Boolean)
    recorded_by_org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id"))
    # Free point-to-point transport (点对点免费输送) was used: a transport subsidy would pay twice.
    free_transport: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The completed training that led to this hire, if any (the worker's own).
    training_enrolment_id: Mapped[int | None] = mapped_column(ForeignKey("training_enrolments.id"), index=True)

    @property
    def active(self) -> bool:
        """Holding its place: not ended (a placement starting later holds the place already)."""
        return self.end_date is None

    @property
    def version(self) -> int:
        """The version its ETag names: only recording the end changes a placement, so that is version 2."""
        return 1 if self.end_date is None else 2

    @property
    def status(self) -> PlacementStatus:
        """upcoming until the start date (China time), active until an end is recorded, then ended."""
        if self.end_date is not None:
            return "ended"
        return "upcoming" if self.start_date > today() else "active"


class FollowUp(Base, Timestamped):
    __tablename__ = "follow_ups"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    placement_id: Mapped[int] = mapped_column(ForeignKey("placements.id"), index=True)
    date: Mapped[date] = mapped_column(Date)
    contact: Mapped[str] = mapped_column(String(16))
    outcome: Mapped[str] = mapped_column(String(16))
    notes: Mapped[str | None] = mapped_column(Text)
    recorded_by_org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id"))
