"""Worker profiles posted by county offices; ID numbers and phones only hashed, encrypted and masked."""

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, Timestamped


class Worker(Base, Timestamped):
    __tablename__ = "workers"
    __table_args__ = (UniqueConstraint("owner_org_id", "external_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner_org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id"), index=True)
    external_id: Mapped[str] = mapped_column(String(64))
    id_hash: Mapped[str] = mapped_column(String(64), unique=True)
    id_number_enc: Mapped[str] = mapped_column(String(120))
    id_number_masked: Mapped[str] = mapped_column(String(18))
    phone_enc: Mapped[str | None] = mapped_column(String(120))
    phone_masked: Mapped[str | None] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(64))
    # No birth date column: beside the mask (county + last 4) it would give the whole ID number back.
    sex: Mapped[str] = mapped_column(String(8))
    hukou_county: Mapped[str] = mapped_column(ForeignKey("divisions.code"), index=True)
    education: Mapped[str] = mapped_column(String(20))
    skills: Mapped[list[str]] = mapped_column(JSON, default=list)
    past_jobs: Mapped[list[str]] = mapped_column(JSON, default=list)
    desired_occupations: Mapped[list[str]] = mapped_column(JSON, default=list)
    channel_preference: Mapped[str] = mapped_column(String(16), default="any")
    expected_wage: Mapped[int | None] = mapped_column(Integer)
    registered_low_income: Mapped[bool] = mapped_column(Boolean, default=False)
    monitored_household: Mapped[bool] = mapped_column(Boolean, default=False)
    dependants: Mapped[int] = mapped_column(Integer, default=0)
    consent_to_share: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}
