"""Reference data every database carries: divisions, occupations, east-west pairings."""

from sqlalchemy import Boolean, Float, ForeignKey, Integer, String, Text
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
    """A standing east-west pair (province, prefecture or county level) with an annual placement target."""

    __tablename__ = "pairings"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    east_code: Mapped[str] = mapped_column(ForeignKey("divisions.code"), index=True)
    west_code: Mapped[str] = mapped_column(ForeignKey("divisions.code"), index=True)
    level: Mapped[str] = mapped_column(String(16))
    annual_target: Mapped[int] = mapped_column(Integer)
    illustrative: Mapped[bool] = mapped_column(Boolean, default=True)
    note: Mapped[str | None] = mapped_column(Text)
