"""The latest departure risk of each active placement, and every officer's answer to a flag."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, Timestamped, UtcDateTime


class PlacementRisk(Base, Timestamped):
    """Probability of leaving within 30/90/180 days of the start, given the placement has lasted until scored_at."""

    __tablename__ = "placement_risks"

    placement_id: Mapped[int] = mapped_column(ForeignKey("placements.id"), primary_key=True)
    risk_30: Mapped[float | None] = mapped_column(Float, index=True)  # None once the horizon has passed
    risk_90: Mapped[float | None] = mapped_column(Float, index=True)
    risk_180: Mapped[float | None] = mapped_column(Float, index=True)
    reasons: Mapped[list[Any]] = mapped_column(JSON)  # plain-word reasons, most important first
    action: Mapped[str] = mapped_column(String(20))  # call, visit, employer_talk, dispute_case, transfer
    model_version: Mapped[str] = mapped_column(String(40))
    scored_at: Mapped[datetime] = mapped_column(UtcDateTime)


class FlagReview(Base, Timestamped):
    """An officer's answer to a risk flag, kept beside the model's score at that moment."""

    __tablename__ = "flag_reviews"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    placement_id: Mapped[int] = mapped_column(ForeignKey("placements.id"), index=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id"), index=True)
    decision: Mapped[str] = mapped_column(String(16))  # contacted, dismissed, escalated
    note: Mapped[str | None] = mapped_column(Text)
    risk_90: Mapped[float | None] = mapped_column(Float)
    model_version: Mapped[str | None] = mapped_column(String(40))
