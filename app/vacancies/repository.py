"""Every query on vacancies. `employer` narrows to one employer; `open_only` to the public job board."""

from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from app.vacancies.models import Vacancy


def _scoped(stmt: Select[Any], employer: int | None, open_only: bool) -> Select[Any]:
    if employer is not None:
        stmt = stmt.where(Vacancy.employer_org_id == employer)
    if open_only:
        stmt = stmt.where(Vacancy.status == "open")
    return stmt


def get(
    session: Session, vacancy_id: int, employer: int | None = None, open_only: bool = False, *, for_update: bool = False
) -> Vacancy | None:
    stmt = _scoped(select(Vacancy).where(Vacancy.id == vacancy_id), employer, open_only)
    if for_update:
        stmt = stmt.with_for_update()
    return session.scalars(stmt).first()


def add(session: Session, vacancy: Vacancy) -> Vacancy:
    session.add(vacancy)
    session.flush()
    return vacancy


def external_id_taken(session: Session, employer: int, external_id: str, except_id: int | None = None) -> bool:
    stmt = select(Vacancy.id).where(Vacancy.employer_org_id == employer, Vacancy.external_id == external_id)
    if except_id is not None:
        stmt = stmt.where(Vacancy.id != except_id)
    return session.scalars(stmt).first() is not None


def page(
    session: Session, employer: int | None, open_only: bool, after_id: int, limit: int, filters: dict[str, Any]
) -> list[Vacancy]:
    stmt = _scoped(select(Vacancy).where(Vacancy.id > after_id), employer, open_only)
    for column, value in filters.items():
        if value is not None:
            stmt = stmt.where(getattr(Vacancy, column) == value)
    return list(session.scalars(stmt.order_by(Vacancy.id).limit(limit)))
