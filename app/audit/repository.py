"""Writes to the personal-data read log."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit.models import PiiRead


def record(session: Session, entry: PiiRead) -> None:
    session.add(entry)
    session.flush()


def for_subject(session: Session, subject_type: str, subject_id: int) -> list[PiiRead]:
    stmt = select(PiiRead).where(PiiRead.subject_type == subject_type, PiiRead.subject_id == subject_id)
    return list(session.scalars(stmt.order_by(PiiRead.id)))
