"""Vacancies posted by employers (eastern factories and western assistance workshops)."""

from datetime import date

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, Timestamped


class Vacancy(Base, Timestamped):
    __tablename__ = "vacancies"
    __table_args__ = (UniqueConstraint("employer_org_id", "external_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    employer_org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id"), index=True)
    external_id: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(200))
    occupation_code: Mapped[str | None] = mapped_column(ForeignKey("occupations.code"), index=True)
    county_code: Mapped[str] = mapped_column(ForeignKey("divisions.code"), index=True)
    headcount: Mapped[int] = mapped_column(Integer)
    wage_min: Mapped[int] = mapped_column(Integer)
    wage_max: Mapped[int] = mapped_column(Integer)
    housing: Mapped[bool] = mapped_column(Boolean, default=False)
    meals: Mapped[bool] = mapped_column(Boolean, default=False)
    shift: Mapped[str] = mapped_column(String(16), default="day")
    contract_months: Mapped[int | None] = mapped_column(Integer)
    min_age: Mapped[int] = mapped_column(Integer, default=16)
    max_age: Mapped[int | None] = mapped_column(Integer)
    education_min: Mapped[str] = mapped_column(String(20), default="none")
    start_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(8), default="open", index=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}
