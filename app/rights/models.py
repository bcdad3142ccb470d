"""A rights case and its append-only events: the row changes only through a recorded transition."""

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text, event
from sqlalchemy.orm import Mapped, Mapper, mapped_column

from app.db import Base, Timestamped, UtcDateTime, utcnow

CASE_KINDS = (
    "wage_arrears",
    "contract",
    "insurance_unpaid",
    "work_injury",
    "occupational_disease",
    "agency_misconduct",
    "other",
)
CASE_STATUSES = ("open", "accepted", "in_progress", "resolved", "rejected", "withdrawn")
CASE_ACTIONS = (
    "contact",
    "accept",
    "refer",
    "start",
    "note",
    "resolve",
    "reject",
    "withdraw",
    "reopen",
    "escalate",
    "assign",
)
ACTIVE_STATUSES = ("open", "accepted", "in_progress")


class RightsCase(Base, Timestamped):
    __tablename__ = "rights_cases"
    __table_args__ = (Index("ix_rights_cases_status_due_on", "status", "due_on"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(24), index=True)
    status: Mapped[str] = mapped_column(String(12), default="open")
    placement_id: Mapped[int | None] = mapped_column(ForeignKey("placements.id"), index=True)
    worker_id: Mapped[int | None] = mapped_column(ForeignKey("workers.id"), index=True)
    worker_owner_org_id: Mapped[int | None] = mapped_column(ForeignKey("orgs.id"), index=True)  # the county wall
    employer_id: Mapped[int | None] = mapped_column(ForeignKey("orgs.id"), index=True)
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("orgs.id"), index=True)
    opened_by_org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id"), index=True)
    opened_by_kind: Mapped[str] = mapped_column(String(32))
    assigned_org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id"), index=True)
    jurisdiction_county: Mapped[str] = mapped_column(ForeignKey("divisions.code"), index=True)
    home_county: Mapped[str | None] = mapped_column(ForeignKey("divisions.code"))
    summary: Mapped[str] = mapped_column(Text)
    amount_claimed_fen: Mapped[int] = mapped_column(Integer, default=0)
    amount_recovered_fen: Mapped[int | None] = mapped_column(Integer)
    workers_affected: Mapped[int] = mapped_column(Integer, default=1)
    confidential: Mapped[bool] = mapped_column(Boolean, default=False)
    external_ref: Mapped[str | None] = mapped_column(String(64))
    outcome: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)
    opened_on: Mapped[date] = mapped_column(Date)  # China Standard Time: the day the clocks start
    # The running clocks {name: {"started", "due", "provisional", "days", "unit"}}; due_on is the earliest due.
    clocks: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    due_on: Mapped[date | None] = mapped_column(Date)
    due_provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    overdue_escalated: Mapped[bool] = mapped_column(Boolean, default=False)  # the automatic escalation ran once
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}


class CaseEvent(Base):
    """One transition or note; never updated or deleted (the mapper refuses)."""

    __tablename__ = "rights_case_events"
    __table_args__ = (Index("ix_rights_case_events_case_id_id", "case_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("rights_cases.id"))
    action: Mapped[str] = mapped_column(String(12))
    from_status: Mapped[str | None] = mapped_column(String(12))
    to_status: Mapped[str] = mapped_column(String(12))
    org_id: Mapped[int | None] = mapped_column(ForeignKey("orgs.id"))  # None: the daily escalation job
    org_kind: Mapped[str | None] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    note: Mapped[str | None] = mapped_column(Text)
    amount_recovered_fen: Mapped[int | None] = mapped_column(Integer)
    outcome: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)
    external_ref: Mapped[str | None] = mapped_column(String(64))
    assigned_org_id: Mapped[int | None] = mapped_column(ForeignKey("orgs.id"))


class CalendarDay(Base):
    """A holiday or make-up working day a province loaded for a year, with the notice it comes from."""

    __tablename__ = "rights_calendar_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    workday: Mapped[bool] = mapped_column(Boolean)  # False: a holiday; True: a make-up working day (调休)
    name: Mapped[str | None] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(Text)
    loaded_by_org_id: Mapped[int | None] = mapped_column(ForeignKey("orgs.id"))
    loaded_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class AppendOnly(Exception):
    """A case event was about to be changed or deleted: the history is append-only."""


@event.listens_for(CaseEvent, "before_update")
@event.listens_for(CaseEvent, "before_delete")
def _refuse_change(mapper: Mapper[CaseEvent], connection: object, target: CaseEvent) -> None:
    raise AppendOnly(f"case event {target.id} is append-only")
