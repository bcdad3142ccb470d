"""Service templates per (home province, work province) pair, each placement's tasks, and the tasks' history."""

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, Mapper, mapped_column

from app.db import Base, Timestamped, UtcDateTime, utcnow

TASK_STATUSES = ("todo", "in_progress", "awaiting_external", "done", "blocked", "not_needed")
CLOSED_STATUSES = ("done", "not_needed")
OPEN_STATUSES = tuple(s for s in TASK_STATUSES if s not in CLOSED_STATUSES)


class ServiceTemplate(Base, Timestamped):
    """The checklist a pair's provincial offices keep; a pair without one uses the shipped default."""

    __tablename__ = "service_templates"
    __table_args__ = (UniqueConstraint("home_province", "work_province"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    home_province: Mapped[str] = mapped_column(String(6))
    work_province: Mapped[str] = mapped_column(String(6))
    tasks: Mapped[list[dict[str, Any]]] = mapped_column(JSON)  # [TaskSpec as a dict], in checklist order
    source: Mapped[str | None] = mapped_column(Text)
    updated_by_org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id"))
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}


class ServiceTask(Base, Timestamped):
    """One step of a placement's checklist; it changes only through the service, which records each change."""

    __tablename__ = "service_tasks"
    __table_args__ = (
        UniqueConstraint("placement_id", "kind"),
        Index("ix_service_tasks_status_due_on", "status", "due_on"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    placement_id: Mapped[int] = mapped_column(ForeignKey("placements.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    stage: Mapped[str] = mapped_column(String(20))
    responsible: Mapped[str] = mapped_column(String(16), index=True)
    status: Mapped[str] = mapped_column(String(20), default="todo")
    due_on: Mapped[date | None] = mapped_column(Date)
    due_provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    remind_on: Mapped[date | None] = mapped_column(Date)
    evidence_ref: Mapped[str | None] = mapped_column(String(128))
    blocked_reason: Mapped[str | None] = mapped_column(Text)
    illustrative: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str] = mapped_column(Text)
    template_version: Mapped[int] = mapped_column(Integer)  # 0: the shipped default
    done_on: Mapped[date | None] = mapped_column(Date)  # China Standard Time: the day it was confirmed done
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}


class ServiceTaskEvent(Base):
    """One change of a task (created, status, evidence); never updated or deleted (the mapper refuses)."""

    __tablename__ = "service_task_events"
    __table_args__ = (Index("ix_service_task_events_task_id_id", "task_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("service_tasks.id"))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    org_id: Mapped[int | None] = mapped_column(ForeignKey("orgs.id"))  # None: made with the placement
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    evidence_ref: Mapped[str | None] = mapped_column(String(128))
    blocked_reason: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)


class AppendOnly(Exception):
    """A task event was about to be changed or deleted: the history is append-only."""


@event.listens_for(ServiceTaskEvent, "before_update")
@event.listens_for(ServiceTaskEvent, "before_delete")
def _refuse_change(mapper: Mapper[ServiceTaskEvent], connection: object, target: ServiceTaskEvent) -> None:
    raise AppendOnly(f"service task event {target.id} is append-only")
