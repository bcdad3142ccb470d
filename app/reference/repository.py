"""Queries on reference data."""

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.reference.models import Division, Occupation, Pairing


def divisions(session: Session, codes: list[str]) -> list[Division]:
    return list(session.scalars(select(Division).where(Division.code.in_(codes)))) if codes else []


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


def get_pairing(session: Session, pairing_id: int) -> Pairing | None:
    return session.get(Pairing, pairing_id)


def pairing_codes(session: Session) -> list[tuple[str, str]]:
    """(east, west) division codes of every pairing, at any level: what pair features look up."""
    return [(str(e), str(w)) for e, w in session.execute(select(Pairing.east_code, Pairing.west_code)).all()]


def division_names(session: Session) -> dict[str, str]:
    return {str(c): str(n) for c, n in session.execute(select(Division.code, Division.name)).all()}


def division_points(session: Session) -> dict[str, tuple[float | None, float | None]]:
    """Longitude and latitude of every division (None where the source had no point)."""
    stmt = select(Division.code, Division.longitude, Division.latitude)
    return {str(c): (lon, lat) for c, lon, lat in session.execute(stmt)}


def search_occupations(session: Session, q: str | None, limit: int) -> list[Occupation]:
    """Level-4 occupations whose name or aliases contain `q`, or whose code starts with it (`6-31`, `6-31-05-00`)."""
    stmt = select(Occupation).where(Occupation.level == 4)
    if q:
        q = q.strip()
        stmt = stmt.where(
            or_(
                Occupation.name.contains(q, autoescape=True),
                Occupation.alias.contains(q, autoescape=True),
                Occupation.code.startswith(q, autoescape=True),
            )
        )
    return list(session.scalars(stmt.order_by(Occupation.code).limit(limit)))


def occupation_family_names(session: Session) -> dict[str, str]:
    """Names of the CSCO groups a family code ("6-05-01") can be: level 3, or a broader group a code stops at."""
    stmt = select(Occupation.code, Occupation.name).where(Occupation.level <= 3).order_by(Occupation.level)
    return {str(c)[:7]: str(n) for c, n in session.execute(stmt).all()}
