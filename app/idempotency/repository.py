"""Queries on stored idempotent responses."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.idempotency.models import IdempotencyRecord


def get(session: Session, org_id: int, key: str) -> IdempotencyRecord | None:
    stmt = select(IdempotencyRecord).where(IdempotencyRecord.org_id == org_id, IdempotencyRecord.key == key)
    return session.scalars(stmt).first()


def add(session: Session, record: IdempotencyRecord) -> IdempotencyRecord:
    session.add(record)
    session.flush()
    return record
