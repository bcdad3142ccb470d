"""Every query on placements and follow-ups, with the walls each role sees through."""

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from app.authz import Reach
from app.placements.models import FollowUp, Placement
from app.rights.repository import region_prefix
from app.vacancies.models import Vacancy
from app.workers.models import Worker


def walled(stmt: Select[Any], wall: Reach) -> Select[Any]:
    """The placements a caller reaches: through its workers, its vacancies, its referrals, its region's workplaces."""
    if wall.worker_owner is not None:
        stmt = stmt.join(Worker, Worker.id == Placement.worker_id).where(Worker.owner_org_id == wall.worker_owner)
    if wall.employer is not None:
        stmt = stmt.join(Vacancy, Vacancy.id == Placement.vacancy_id).where(Vacancy.employer_org_id == wall.employer)
    if wall.referrer is not None:
        stmt = stmt.where(Placement.referred_by == wall.referrer)
    if wall.workplace_region is not None:
        inside = Vacancy.county_code.startswith(region_prefix(wall.workplace_region))
        stmt = stmt.join(Vacancy, Vacancy.id == Placement.vacancy_id).where(inside)
    return stmt


def get(session: Session, placement_id: int, wall: Reach, *, for_update: bool = False) -> Placement | None:
    stmt = walled(select(Placement).where(Placement.id == placement_id), wall)
    if for_update:
        stmt = stmt.with_for_update(of=Placement)
    return session.scalars(stmt).first()


def add(session: Session, obj: Placement | FollowUp) -> None:
    session.add(obj)
    session.flush()


def active_count(session: Session, vacancy_id: int) -> int:
    stmt = select(func.count()).where(Placement.vacancy_id == vacancy_id, Placement.end_date.is_(None))
    return int(session.scalar(stmt) or 0)


def active_counts(session: Session, vacancy_ids: Sequence[int]) -> dict[int, int]:
    if not vacancy_ids:
        return {}
    stmt = (
        select(Placement.vacancy_id, func.count())
        .where(Placement.vacancy_id.in_(vacancy_ids), Placement.end_date.is_(None))
        .group_by(Placement.vacancy_id)
    )
    return {vid: int(n) for vid, n in session.execute(stmt)}


def active_for_worker(session: Session, worker_id: int) -> Placement | None:
    stmt = select(Placement).where(Placement.worker_id == worker_id, Placement.end_date.is_(None))
    return session.scalars(stmt).first()


def page(
    session: Session,
    wall: Reach,
    after_id: int,
    limit: int,
    *,
    worker_id: int | None = None,
    vacancy_id: int | None = None,
    referred_by: int | None = None,
    active: bool | None = None,
    status: str | None = None,
    started_from: date | None = None,
    started_to: date | None = None,
    today: date | None = None,
) -> list[Placement]:
    stmt = walled(select(Placement).where(Placement.id > after_id), wall)
    for column, value in (("worker_id", worker_id), ("vacancy_id", vacancy_id), ("referred_by", referred_by)):
        if value is not None:
            stmt = stmt.where(getattr(Placement, column) == value)
    if active is not None:
        stmt = stmt.where(Placement.end_date.is_(None) if active else Placement.end_date.is_not(None))
    if status == "ended":
        stmt = stmt.where(Placement.end_date.is_not(None))
    elif status is not None:
        assert today is not None, "an upcoming/active filter needs the day it is judged on"
        starts = Placement.start_date > today if status == "upcoming" else Placement.start_date <= today
        stmt = stmt.where(Placement.end_date.is_(None), starts)
    if started_from is not None:
        stmt = stmt.where(Placement.start_date >= started_from)
    if started_to is not None:
        stmt = stmt.where(Placement.start_date <= started_to)
    return list(session.scalars(stmt.order_by(Placement.id).limit(limit)))


def recent_twin(session: Session, follow_up: FollowUp, since: datetime) -> FollowUp | None:
    """A follow-up of the same placement, day, contact and outcome recorded after `since`."""
    stmt = select(FollowUp).where(
        FollowUp.placement_id == follow_up.placement_id,
        FollowUp.date == follow_up.date,
        FollowUp.contact == follow_up.contact,
        FollowUp.outcome == follow_up.outcome,
        FollowUp.created_at >= since,
    )
    return session.scalars(stmt.order_by(FollowUp.id).limit(1)).first()


def follow_ups(session: Session, placement_id: int, after_id: int, limit: int) -> list[FollowUp]:
    stmt = (
        select(FollowUp)
        .where(FollowUp.placement_id == placement_id, FollowUp.id > after_id)
        .order_by(FollowUp.id)
        .limit(limit)
    )
    return list(session.scalars(stmt))
