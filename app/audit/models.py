"""Who read unmasked personal data, what and when."""

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, Timestamped


class PiiRead(Base, Timestamped):
    __tablename__ = "pii_reads"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id"), index=True)
    api_key_id: Mapped[int] = mapped_column(ForeignKey("api_keys.id"))
    subject_type: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[int] = mapped_column(Integer, index=True)
    fields: Mapped[str] = mapped_column(String(200))
    route: Mapped[str] = mapped_column(String(200))
