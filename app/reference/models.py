"""Reference data every database carries: divisions, occupations, east-west pairings."""

import datetime as dt

from sqlalchemy import Boolean, Date, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, Timestamped


class Division(Base):
    """A GB/T 2260 division of Guangdong or Guangxi, with a point for distances."""

    __tablename__ = "divisions"
    code: Mapped[str] = mapped_column(String(6), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    level: Mapped[str] = mapped_column(String(16))  # province / prefecture / county
    parent_code: Mapped[str | None] = mapped_column(String(6))
    province: Mapped[str] = mapped_column(String(32))
    longitude: Mapped[float | None] = mapped_column(Float)
    latitude: Mapped[float | None] = mapped_column(Float)
    coord_source: Mapped[str | None] = mapped_column(String(16))


class Occupation(Base):
    """A CSCO 2022 occupation (levels 1-4)."""

    __tablename__ = "occupations"
    code: Mapped[str] = mapped_column(String(10), primary_key=True)
    level: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(128))
    definition: Mapped[str | None] = mapped_column(Text)
    tasks: Mapped[str | None] = mapped_column(Text)
    alias: Mapped[str | None] = mapped_column(Text)


class Pairing(Base, Timestamped):
    """A standing east-west pair (province, prefecture or county level) with an annual placement target.

    The row keeps the pairing's id and shows its latest version; `pairing_versions` holds every version, and
    readers of a past day take the one in force then (app.pairings.service).
    """

    __tablename__ = "pairings"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    east_code: Mapped[str] = mapped_column(ForeignKey("divisions.code"), index=True)
    west_code: Mapped[str] = mapped_column(ForeignKey("divisions.code"), index=True)
    level: Mapped[str] = mapped_column(String(16))
    annual_target: Mapped[int] = mapped_column(Integer)
    illustrative: Mapped[bool] = mapped_column(Boolean, default=True)
    note: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    effective_from: Mapped[dt.date] = mapped_column(Date, server_default="1996-01-01")
    start_date: Mapped[dt.date | None] = mapped_column(Date)
    end_date: Mapped[dt.date | None] = mapped_column(Date)
