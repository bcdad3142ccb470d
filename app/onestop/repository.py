"""Every query on service templates, tasks and task events, with the walls each role sees through.

Task events are only ever inserted here: nothing in this module updates or deletes one.
"""

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from app.authz import Reach
from app.onestop.models import CLOSED_STATUSES, OPEN_STATUSES, ServiceTask, ServiceTaskEvent, ServiceTemplate
from app.placements.models import Placement
from app.rights.repository import region_prefix
from app.vacancies.models import Vacancy
from app.workers.models import Worker


def template(session: Session, home: str, work: str, *, for_update: bool = False) -> ServiceTemplate | None:
    stmt = select(ServiceTemplate).where(ServiceTemplate.home_province == home, ServiceTemplate.work_province == work)
    if for_update:
        stmt = stmt.with_for_update()
    return session.scalars(stmt).first()


def add(session: Session, row: Any) -> Any:
    session.add(row)
    session.flush()
    return row


def add_all(session: Session, rows: Sequence[Any]) -> None:
    session.add_all(rows)
    session.flush()


def _walled(stmt: Select[Any], wall: Reach) -> Select[Any]:
    """Tasks of the placements a caller reaches: its workers', its vacancies', its workplace region's, or all."""
    stmt = stmt.join(Placement, Placement.id == ServiceTask.placement_id)
    if wall.worker_owner is not None:
        stmt = stmt.join(Worker, Worker.id == Placement.worker_id).where(Worker.owner_org_id == wall.worker_owner)
    if wall.employer is not None or wall.region is not None:
        stmt = stmt.join(Vacancy, Vacancy.id == Placement.vacancy_id)
    if wall.employer is not None:
        stmt = stmt.where(Vacancy.employer_org_id == wall.employer)
    if wall.region is not None:
        stmt = stmt.where(Vacancy.county_code.startswith(region_prefix(wall.region)))
    return stmt


def placement_in_reach(session: Session, placement_id: int, wall: Reach) -> tuple[Placement, Worker, Vacancy] | None:
    """A placement with its worker and vacancy, if the caller reaches its checklist."""
    stmt = (
        select(Placement, Worker, Vacancy)
        .join(Worker, Worker.id == Placement.worker_id)
        .join(Vacancy, Vacancy.id == Placement.vacancy_id)
        .where(Placement.id == placement_id)
    )
    if wall.worker_owner is not None:
        stmt = stmt.where(Worker.owner_org_id == wall.worker_owner)
    if wall.employer is not None:
        stmt = stmt.where(Vacancy.employer_org_id == wall.employer)
    if wall.region is not None:
        stmt = stmt.where(Vacancy.county_code.startswith(region_prefix(wall.region)))
    row = session.execute(stmt).first()
    return (row[0], row[1], row[2]) if row else None


def counties_of(session: Session, placement: Placement) -> tuple[str, str]:
    """(the worker's home county, the workplace's county) of a placement."""
    stmt = (
        select(Worker.hukou_county, Vacancy.county_code)
        .join(Placement, Placement.worker_id == Worker.id)
        .join(Vacancy, Vacancy.id == Placement.vacancy_id)
        .where(Placement.id == placement.id)
    )
    home, work = session.execute(stmt).one()
    return str(home), str(work)


def tasks_of(session: Session, placement_id: int) -> list[ServiceTask]:
    stmt = select(ServiceTask).where(ServiceTask.placement_id == placement_id).order_by(ServiceTask.id)
    return list(session.scalars(stmt))


def task(session: Session, task_id: int, wall: Reach, *, for_update: bool = False) -> ServiceTask | None:
    stmt = _walled(select(ServiceTask).where(ServiceTask.id == task_id), wall)
    if for_update:
        stmt = stmt.with_for_update(of=ServiceTask)
    return session.scalars(stmt).first()


def page(
    session: Session,
    wall: Reach,
    after_id: int,
    limit: int,
    *,
    today: date,
    overdue: bool | None = None,
    responsible: str | None = None,
    status: str | None = None,
    kind: str | None = None,
    reminding: bool | None = None,
) -> list[ServiceTask]:
    stmt = _walled(select(ServiceTask).where(ServiceTask.id > after_id), wall)
    if responsible is not None:
        stmt = stmt.where(ServiceTask.responsible == responsible)
    if status is not None:
        stmt = stmt.where(ServiceTask.status == status)
    if kind is not None:
        stmt = stmt.where(ServiceTask.kind == kind)
    if overdue is True:
        stmt = stmt.where(ServiceTask.status.in_(OPEN_STATUSES), ServiceTask.due_on < today)
    elif overdue is False:
        stmt = stmt.where(
            or_(ServiceTask.status.in_(CLOSED_STATUSES), ServiceTask.due_on.is_(None), ServiceTask.due_on >= today)
        )
    if reminding is True:
        stmt = stmt.where(ServiceTask.status.in_(OPEN_STATUSES), ServiceTask.remind_on <= today)
    return list(session.scalars(stmt.order_by(ServiceTask.id).limit(limit)))


def events(session: Session, task_id: int) -> list[ServiceTaskEvent]:
    stmt = select(ServiceTaskEvent).where(ServiceTaskEvent.task_id == task_id).order_by(ServiceTaskEvent.id)
    return list(session.scalars(stmt))


def unconfirmed(session: Session, placement_ids: Sequence[int], kind: str, due_before: date) -> list[ServiceTask]:
    """Tasks of `kind` on these placements not confirmed done, with a due date before `due_before`."""
    if not placement_ids:
        return []
    stmt = select(ServiceTask).where(
        ServiceTask.placement_id.in_(list(placement_ids)),
        ServiceTask.kind == kind,
        ServiceTask.status != "done",  # `not_needed` does not confirm cover either
        ServiceTask.due_on < due_before,
    )
    return list(session.scalars(stmt))
