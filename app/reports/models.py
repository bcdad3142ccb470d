"""The at-risk inputs of a finished week, frozen by its Monday run so the week's report reads the same later."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UtcDateTime


class RiskSnapshot(Base):
    """One placement's departure score as the week's report read it (placement_risks keeps only the latest)."""

    __tablename__ = "risk_snapshots"

    week: Mapped[str] = mapped_column(String(8), primary_key=True)  # ISO week, 'YYYY-Www'
    placement_id: Mapped[int] = mapped_column(ForeignKey("placements.id"), primary_key=True)
    risk_30: Mapped[float | None] = mapped_column(Float)
    risk_90: Mapped[float | None] = mapped_column(Float)
    risk_180: Mapped[float | None] = mapped_column(Float)
    reasons: Mapped[list[Any]] = mapped_column(JSON)
    action: Mapped[str] = mapped_column(String(20))
    model_version: Mapped[str] = mapped_column(String(40))
    scored_at: Mapped[datetime] = mapped_column(UtcDateTime)
