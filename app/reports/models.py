"""What the weekly report keeps: a week's frozen at-risk inputs, and built reports with the log that voids them."""

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Date, Float, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UtcDateTime, utcnow


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


class FactChange(Base):
    """One flush that wrote facts a weekly report reads, with the earliest day it touched: the cache's log.

    A cached week stays valid while no later change touched a day up to its Sunday. On PostgreSQL `txid` is the
    writing transaction, so a change that committed after a build began is seen even if its id is smaller.
    """

    __tablename__ = "report_fact_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    fact_day: Mapped[date] = mapped_column(Date)
    txid: Mapped[int | None] = mapped_column(BigInteger, index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class CachedReport(Base):
    """A built weekly report for one scope and week, with the mark of the facts it read (zlib-compressed JSON)."""

    __tablename__ = "report_cache"

    scope: Mapped[str] = mapped_column(String(40), primary_key=True)  # Scope.slug
    week: Mapped[str] = mapped_column(String(8), primary_key=True)
    variant: Mapped[str] = mapped_column(String(16))  # the code and settings that built it
    mark: Mapped[str] = mapped_column(Text)  # max change id (SQLite) or the build's snapshot (PostgreSQL)
    body: Mapped[bytes] = mapped_column(LargeBinary)
    built_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
