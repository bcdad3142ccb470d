"""Queries on reference data."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.reference.models import Division, Occupation, Pairing


def get_division(session: Session, code: str) -> Division | None:
    return session.get(Division, code)


def all_divisions(session: Session, level: str | None = None) -> list[Division]:
    stmt = select(Division).order_by(Division.code)
    if level is not None:
        stmt = stmt.where(Division.level == level)
    return list(session.scalars(stmt))


def all_occupation_codes(session: Session) -> set[str]:
    return set(session.scalars(select(Occupation.code)))


def list_pairings(session: Session) -> list[Pairing]:
    return list(session.scalars(select(Pairing).order_by(Pairing.id)))


def search_occupations(session: Session, q: str | None, limit: int) -> list[Occupation]:
    stmt = select(Occupation).where(Occupation.level == 4)
    if q:
        stmt = stmt.where(Occupation.name.contains(q))
    return list(session.scalars(stmt.order_by(Occupation.code).limit(limit)))
