"""A fitted model stored in the database, so every API process and host loads the same bytes."""

from typing import Any

from sqlalchemy import JSON, Boolean, Index, Integer, LargeBinary, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, Timestamped


class ModelArtefact(Base, Timestamped):
    __tablename__ = "model_artefacts"
    __table_args__ = (
        # At most one active artefact of each kind: promotion is a swap the database guards.
        Index(
            "uq_model_artefacts_active_kind",
            "kind",
            unique=True,
            sqlite_where=text("active"),
            postgresql_where=text("active"),
        ),
        Index("uq_model_artefacts_kind_version", "kind", "version", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # "occupations", "ranker", "departure"
    version: Mapped[str] = mapped_column(String(40))
    active: Mapped[bool] = mapped_column(Boolean, default=False)
    payload: Mapped[bytes] = mapped_column(LargeBinary)  # skops bytes, never bare pickle
    details: Mapped[dict[str, Any]] = mapped_column(JSON)  # library versions, features, training window, metrics
    inactive_reason: Mapped[str | None] = mapped_column(Text)
