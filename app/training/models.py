"""School–enterprise training: an employer's demand, a school's class answering it, and workers' enrolments."""

from datetime import date
from typing import Literal

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, Timestamped

ClassMode = Literal["order_class", "short_course", "on_the_job"]
ClassStatus = Literal["planned", "enrolling", "running", "completed", "cancelled"]
EnrolmentStatus = Literal["enrolled", "completed", "dropped", "failed"]
Result = Literal["pass", "fail"]


class TrainingDemand(Base, Timestamped):
    """What an employer says it needs trained: how many, in what, by when, and how many it promises to hire."""

    __tablename__ = "training_demands"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    employer_org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id"), index=True)
    vacancy_id: Mapped[int | None] = mapped_column(ForeignKey("vacancies.id"), index=True)
    occupation_code: Mapped[str] = mapped_column(ForeignKey("occupations.code"), index=True)
    headcount: Mapped[int] = mapped_column(Integer)
    hire_commitment: Mapped[int] = mapped_column(Integer, default=0)
    skills: Mapped[list[str]] = mapped_column(JSON, default=list)
    needed_by: Mapped[date | None] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}


class TrainingClass(Base, Timestamped):
    """A class a training school runs; an order class answers one employer's demand."""

    __tablename__ = "training_classes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    school_org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id"), index=True)
    demand_id: Mapped[int | None] = mapped_column(ForeignKey("training_demands.id"), index=True)
    mode: Mapped[str] = mapped_column(String(16))
    occupation_code: Mapped[str] = mapped_column(ForeignKey("occupations.code"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    county_code: Mapped[str] = mapped_column(ForeignKey("divisions.code"), index=True)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    planned_hours: Mapped[int] = mapped_column(Integer)
    capacity: Mapped[int] = mapped_column(Integer)
    certificate_type: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(12), default="planned", index=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}


class Enrolment(Base, Timestamped):
    """One worker's place in one class: attendance, result and how it ended."""

    __tablename__ = "training_enrolments"
    # One enrolment per worker and class: a dropped worker's row stays, with its reason, as the record.
    __table_args__ = (UniqueConstraint("class_id", "worker_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("training_classes.id"), index=True)
    worker_id: Mapped[int] = mapped_column(ForeignKey("workers.id"), index=True)
    status: Mapped[str] = mapped_column(String(12), default="enrolled")
    attended_hours: Mapped[int] = mapped_column(Integer, default=0)
    result: Mapped[str | None] = mapped_column(String(8))
    certificate_no: Mapped[str | None] = mapped_column(String(64))
    drop_reason: Mapped[str | None] = mapped_column(String(500))
    enrolled_by_org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id"))
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}


class TrainingReservation(Base, Timestamped):
    """Places an employer's vacancy holds for an order class's graduates after the class completes, until a day.

    Stored, not derived: `places` is capped by the headcount left on the day the class completed, which later
    placements and headcount changes would hide, and `created_at` is when the graduates' hires start to count.
    """

    __tablename__ = "training_reservations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("training_classes.id"), unique=True)
    vacancy_id: Mapped[int] = mapped_column(ForeignKey("vacancies.id"), index=True)
    # min(hire_commitment, headcount left) on completion; the graduates' number caps it when read.
    places: Mapped[int] = mapped_column(Integer)
    expires_on: Mapped[date] = mapped_column(Date, index=True)  # open to everyone again from this day
