"""An occupation code the normaliser inferred from a vacancy's title, with the alternatives it weighed."""

from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, Timestamped


class OccupationInference(Base, Timestamped):
    __tablename__ = "occupation_inferences"

    vacancy_id: Mapped[int] = mapped_column(ForeignKey("vacancies.id", ondelete="CASCADE"), primary_key=True)
    code: Mapped[str] = mapped_column(String(10))  # "" when the title was too unclear to pick one
    alternatives: Mapped[list[dict[str, Any]]] = mapped_column(JSON)  # [{code, name, score}], best first
    model_version: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200))  # the title it was inferred from
