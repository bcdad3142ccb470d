"""A consultation action and its append-only history: each event holds the action as it stood after the change."""

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, event
from sqlalchemy.orm import Mapped, Mapper, mapped_column

from app.db import Base, Timestamped, UtcDateTime, utcnow

ACTION_STATUSES = ("open", "in_progress", "done", "dropped")
CLOSED_STATUSES = ("done", "dropped")
OPEN_STATUSES = ("open", "in_progress")


class ConsultationAction(Base, Timestamped):
    """The action as it stands now; it changes only through the service, which appends an event for each change."""

    __tablename__ = "consultation_actions"
    __table_args__ = (Index("ix_consultation_actions_pairing_id_id", "pairing_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pairing_id: Mapped[int] = mapped_column(ForeignKey("pairings.id"))
    issue: Mapped[str] = mapped_column(Text)
    owner_org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id"), index=True)
    due_date: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12), default="open")
    closing_note: Mapped[str | None] = mapped_column(Text)
    raised_by_org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id"))
    raised_on: Mapped[date] = mapped_column(Date)  # China Standard Time
    closed_on: Mapped[date | None] = mapped_column(Date)  # China Standard Time; None while open
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}


class ConsultationActionEvent(Base):
    """One change, with the whole action after it, so a past month's pack replays the state at that month's end."""

    __tablename__ = "consultation_action_events"
    __table_args__ = (Index("ix_consultation_action_events_action_id_id", "action_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("consultation_actions.id"))
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id"))
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)
    from_status: Mapped[str | None] = mapped_column(String(12))  # None: the event that raised the action
    status: Mapped[str] = mapped_column(String(12))
    issue: Mapped[str] = mapped_column(Text)
    owner_org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id"))
    due_date: Mapped[date] = mapped_column(Date)
    closing_note: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)


class AppendOnly(Exception):
    """An action event was about to be changed or deleted: the history is append-only."""


@event.listens_for(ConsultationActionEvent, "before_update")
@event.listens_for(ConsultationActionEvent, "before_delete")
def _refuse_change(
    mapper: Mapper[ConsultationActionEvent], connection: object, target: ConsultationActionEvent
) -> None:
    raise AppendOnly(f"consultation action event {target.id} is append-only")
