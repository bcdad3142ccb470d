"""A quarterly evaluation of one pairing and its append-only history; a final evaluation never changes."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint, event, inspect
from sqlalchemy.orm import Mapped, Mapper, mapped_column

from app.db import Base, Timestamped, UtcDateTime, utcnow

EVALUATION_STATUSES = ("draft", "submitted", "reviewed", "final")


class Evaluation(Base, Timestamped):
    """One pairing's figures for a finished quarter, scored with the weights kept beside them."""

    __tablename__ = "evaluations"
    __table_args__ = (UniqueConstraint("quarter", "pairing_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    quarter: Mapped[str] = mapped_column(String(7), index=True)  # 2026-Q3
    pairing_id: Mapped[int] = mapped_column(ForeignKey("pairings.id"), index=True)
    # The pairing as it stood on the quarter's last day: the version whose regions and target were evaluated.
    pairing_version: Mapped[int] = mapped_column(Integer)
    east_code: Mapped[str] = mapped_column(String(6))
    west_code: Mapped[str] = mapped_column(String(6))
    level: Mapped[str] = mapped_column(String(12))
    annual_target: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(12), default="draft")
    indicators: Mapped[dict[str, Any]] = mapped_column(JSON)
    trend: Mapped[dict[str, Any]] = mapped_column(JSON)
    components: Mapped[dict[str, Any]] = mapped_column(JSON)  # each component's sub-score and weight
    score: Mapped[float | None] = mapped_column(Float)
    grade: Mapped[str] = mapped_column(String(12))
    below_target: Mapped[bool] = mapped_column(Boolean)
    review_flag: Mapped[bool] = mapped_column(Boolean)
    rectification_action_id: Mapped[int | None] = mapped_column(ForeignKey("consultation_actions.id"))
    created_by_org_id: Mapped[int | None] = mapped_column(ForeignKey("orgs.id"))  # None: the scheduled run
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}


class EvaluationEvent(Base):
    """One step of the workflow (or a draft's recomputation), with who took it and the comment they gave."""

    __tablename__ = "evaluation_events"
    __table_args__ = (Index("ix_evaluation_events_evaluation_id_id", "evaluation_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("evaluations.id"))
    org_id: Mapped[int | None] = mapped_column(ForeignKey("orgs.id"))  # None: the scheduled run
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    from_status: Mapped[str | None] = mapped_column(String(12))  # None: the event that computed the draft
    to_status: Mapped[str] = mapped_column(String(12))
    comment: Mapped[str] = mapped_column(Text)
    score: Mapped[float | None] = mapped_column(Float)  # the score as it stood after the step


class Immutable(Exception):
    """A final evaluation or an evaluation event was about to be changed or deleted."""


@event.listens_for(EvaluationEvent, "before_update")
@event.listens_for(EvaluationEvent, "before_delete")
def _refuse_event_change(mapper: Mapper[EvaluationEvent], connection: object, target: EvaluationEvent) -> None:
    raise Immutable(f"evaluation event {target.id} is append-only")


@event.listens_for(Evaluation, "before_update")
@event.listens_for(Evaluation, "before_delete")
def _refuse_final_change(mapper: Mapper[Evaluation], connection: object, target: Evaluation) -> None:
    history = inspect(target).attrs.status.history
    before = history.deleted[0] if history.deleted else target.status
    if before == "final":
        raise Immutable(f"evaluation {target.id} is final")
