"""Occupation codes the normaliser inferred from vacancy titles, and the codes people confirmed or corrected."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, Timestamped, UtcDateTime, utcnow


class OccupationInference(Base, Timestamped):
    __tablename__ = "occupation_inferences"

    vacancy_id: Mapped[int] = mapped_column(ForeignKey("vacancies.id", ondelete="CASCADE"), primary_key=True)
    code: Mapped[str] = mapped_column(String(10))  # "" when the title was too unclear to pick one
    alternatives: Mapped[list[dict[str, Any]]] = mapped_column(JSON)  # [{code, name, score}], best first
    model_version: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200))  # the title it was inferred from


class OccupationCorrection(Base):
    """A person confirmed or corrected a vacancy's occupation code: append-only, the normaliser's new labels."""

    __tablename__ = "occupation_corrections"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    vacancy_id: Mapped[int] = mapped_column(ForeignKey("vacancies.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))  # the vacancy's title when the code was confirmed
    previous_code: Mapped[str | None] = mapped_column(String(10))
    code: Mapped[str] = mapped_column(ForeignKey("occupations.code"))
    was_inferred: Mapped[bool] = mapped_column(Boolean)  # the previous code came from the normaliser
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id"))
    api_key_id: Mapped[int] = mapped_column(ForeignKey("api_keys.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)
