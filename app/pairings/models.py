"""Every version of every pairing, each with the day it takes effect."""

import datetime as dt

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UtcDateTime, utcnow


class PairingVersion(Base):
    """One version of a pairing: append-only, so a report of a past period can always be rebuilt."""

    __tablename__ = "pairing_versions"
    __table_args__ = (UniqueConstraint("pairing_id", "version"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pairing_id: Mapped[int] = mapped_column(ForeignKey("pairings.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    effective_from: Mapped[dt.date] = mapped_column(Date)
    east_code: Mapped[str] = mapped_column(String(6))
    west_code: Mapped[str] = mapped_column(String(6))
    level: Mapped[str] = mapped_column(String(16))
    annual_target: Mapped[int] = mapped_column(Integer)
    illustrative: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str | None] = mapped_column(Text)
    start_date: Mapped[dt.date | None] = mapped_column(Date)
    end_date: Mapped[dt.date | None] = mapped_column(Date)
    org_id: Mapped[int | None] = mapped_column(ForeignKey("orgs.id"))  # who wrote it; None for the seed's
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
