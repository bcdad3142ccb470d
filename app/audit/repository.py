"""Writes to the personal-data read log."""

from sqlalchemy.orm import Session

from app.audit.models import PiiRead


def record(session: Session, entry: PiiRead) -> None:
    session.add(entry)
    session.flush()
