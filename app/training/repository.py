"""Every query on training demands, classes and enrolments, with the walls each role sees through."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy import Select, and_, func, select
from sqlalchemy.orm import Session

from app.authz import Reach
from app.placements.models import Placement
from app.rights.repository import region_prefix
from app.training.models import Enrolment, TrainingClass, TrainingDemand, TrainingReservation
from app.vacancies.models import Vacancy
from app.workers.models import Worker

# Every enrolment but a dropped one holds its place in the class.
HOLDS_A_PLACE = ("enrolled", "completed", "failed")
OPEN_FOR_ENROLMENT = ("enrolling",)


def add(session: Session, obj: TrainingDemand | TrainingClass | Enrolment) -> None:
    session.add(obj)
    session.flush()


def get_demand(session: Session, demand_id: int, wall: Reach, *, for_update: bool = False) -> TrainingDemand | None:
    stmt = select(TrainingDemand).where(TrainingDemand.id == demand_id)
    if wall.employer is not None:
        stmt = stmt.where(TrainingDemand.employer_org_id == wall.employer)
    if for_update:
        stmt = stmt.with_for_update()
    return session.scalars(stmt).first()


def demands(session: Session, wall: Reach, after_id: int, limit: int, filters: dict[str, Any]) -> list[TrainingDemand]:
    stmt = select(TrainingDemand).where(TrainingDemand.id > after_id)
    if wall.employer is not None:
        stmt = stmt.where(TrainingDemand.employer_org_id == wall.employer)
    for column, value in filters.items():
        if value is not None:
            stmt = stmt.where(getattr(TrainingDemand, column) == value)
    return list(session.scalars(stmt.order_by(TrainingDemand.id).limit(limit)))


def _walled_classes(stmt: Select[Any], wall: Reach) -> Select[Any]:
    """Classes a caller reaches: its own (a school), open ones, or those answering its demands (an employer)."""
    if wall.school is not None:
        stmt = stmt.where(TrainingClass.school_org_id == wall.school)
    if wall.open_only:
        stmt = stmt.where(TrainingClass.status.in_(OPEN_FOR_ENROLMENT))
    if wall.employer is not None:
        stmt = stmt.join(TrainingDemand, TrainingDemand.id == TrainingClass.demand_id).where(
            TrainingDemand.employer_org_id == wall.employer
        )
    return stmt


def get_class(session: Session, class_id: int, wall: Reach, *, for_update: bool = False) -> TrainingClass | None:
    stmt = _walled_classes(select(TrainingClass).where(TrainingClass.id == class_id), wall)
    if for_update:
        stmt = stmt.with_for_update(of=TrainingClass)
    return session.scalars(stmt).first()


def classes(session: Session, wall: Reach, after_id: int, limit: int, filters: dict[str, Any]) -> list[TrainingClass]:
    stmt = _walled_classes(select(TrainingClass).where(TrainingClass.id > after_id), wall)
    for column, value in filters.items():
        if value is not None:
            stmt = stmt.where(getattr(TrainingClass, column) == value)
    return list(session.scalars(stmt.order_by(TrainingClass.id).limit(limit)))


def taken(session: Session, class_ids: Sequence[int]) -> dict[int, int]:
    """Places held per class."""
    if not class_ids:
        return {}
    stmt = (
        select(Enrolment.class_id, func.count())
        .where(Enrolment.class_id.in_(class_ids), Enrolment.status.in_(HOLDS_A_PLACE))
        .group_by(Enrolment.class_id)
    )
    return {cid: int(n) for cid, n in session.execute(stmt)}


def enrolment_of(session: Session, class_id: int, worker_id: int) -> Enrolment | None:
    stmt = select(Enrolment).where(Enrolment.class_id == class_id, Enrolment.worker_id == worker_id)
    return session.scalars(stmt).first()


def enrolled_workers(session: Session, class_id: int, worker_ids: Sequence[int]) -> set[int]:
    """Which of these workers already have an enrolment in the class."""
    out: set[int] = set()
    for start in range(0, len(worker_ids), 1000):
        chunk = worker_ids[start : start + 1000]
        stmt = select(Enrolment.worker_id).where(Enrolment.class_id == class_id, Enrolment.worker_id.in_(chunk))
        out.update(session.scalars(stmt))
    return out


def _walled_enrolments(stmt: Select[Any], wall: Reach) -> Select[Any]:
    """Enrolments a caller reaches: in its classes (a school) or of its workers (a county office)."""
    if wall.school is not None:
        stmt = stmt.join(TrainingClass, TrainingClass.id == Enrolment.class_id).where(
            TrainingClass.school_org_id == wall.school
        )
    if wall.worker_owner is not None:
        stmt = stmt.join(Worker, Worker.id == Enrolment.worker_id).where(Worker.owner_org_id == wall.worker_owner)
    return stmt


def get_enrolment(session: Session, enrolment_id: int, wall: Reach, *, for_update: bool = False) -> Enrolment | None:
    stmt = _walled_enrolments(select(Enrolment).where(Enrolment.id == enrolment_id), wall)
    if for_update:
        stmt = stmt.with_for_update(of=Enrolment)
    return session.scalars(stmt).first()


def enrolments(session: Session, class_id: int, wall: Reach, after_id: int, limit: int) -> list[Enrolment]:
    stmt = _walled_enrolments(select(Enrolment).where(Enrolment.class_id == class_id, Enrolment.id > after_id), wall)
    return list(session.scalars(stmt.order_by(Enrolment.id).limit(limit)))


def class_exists(session: Session, class_id: int) -> bool:
    return session.scalar(select(TrainingClass.id).where(TrainingClass.id == class_id)) is not None


def trainings_of(
    session: Session, worker_id: int, after_id: int, limit: int
) -> list[tuple[Enrolment, TrainingClass, int | None]]:
    """A worker's enrolments with their class and the employer whose demand the class answers."""
    stmt = (
        select(Enrolment, TrainingClass, TrainingDemand.employer_org_id)
        .join(TrainingClass, TrainingClass.id == Enrolment.class_id)
        .outerjoin(TrainingDemand, TrainingDemand.id == TrainingClass.demand_id)
        .where(Enrolment.worker_id == worker_id, Enrolment.id > after_id)
        .order_by(Enrolment.id)
        .limit(limit)
    )
    return [(e, c, employer) for e, c, employer in session.execute(stmt)]


def completed_enrolment(session: Session, enrolment_id: int, worker_id: int) -> Enrolment | None:
    """The worker's own completed enrolment with this id, if there is one."""
    stmt = select(Enrolment).where(
        Enrolment.id == enrolment_id, Enrolment.worker_id == worker_id, Enrolment.status == "completed"
    )
    return session.scalars(stmt).first()


def completed_trainings(session: Session, worker_id: int) -> list[tuple[str, str, int, int | None]]:
    """(mode, occupation_code, planned_hours, demand's employer) of every class the worker completed."""
    stmt = (
        select(
            TrainingClass.mode,
            TrainingClass.occupation_code,
            TrainingClass.planned_hours,
            TrainingDemand.employer_org_id,
        )
        .join(Enrolment, Enrolment.class_id == TrainingClass.id)
        .outerjoin(TrainingDemand, TrainingDemand.id == TrainingClass.demand_id)
        .where(Enrolment.worker_id == worker_id, Enrolment.status == "completed")
        .order_by(Enrolment.id)
    )
    return [(mode, code, int(hours), employer) for mode, code, hours, employer in session.execute(stmt)]


# --- places reserved for an order class's graduates -----------------------------------------------------------


@dataclass(frozen=True)
class Reserved:
    """What a vacancy still holds for graduates today: places left, who may take them, open to all from when."""

    places: int
    graduates: frozenset[int]
    until: date

    def closed_to(self, worker_id: int) -> bool:
        """Whether these places are held against this worker (anyone but a graduate of the reserving class)."""
        return self.places > 0 and worker_id not in self.graduates


def reserved(session: Session, on: date, vacancy_ids: Sequence[int] | None = None) -> dict[int, Reserved]:
    """Vacancy -> the places its order classes' reservations still hold on `on` (all vacancies when no ids).

    A reservation holds min(places, graduates) less the graduates hired onto the vacancy since it began (ended
    hires included: the promise to hire was kept); a vacancy reserved by several classes sums them, and any of
    their graduates may take any of its reserved places. Three small queries over the reservations in force.
    """
    stmt = select(TrainingReservation).where(TrainingReservation.expires_on > on)
    if vacancy_ids is not None:
        if not vacancy_ids:
            return {}
        stmt = stmt.where(TrainingReservation.vacancy_id.in_(list(vacancy_ids)))
    rows = list(session.scalars(stmt))
    if not rows:
        return {}
    graduates: dict[int, set[int]] = {}
    grads = select(Enrolment.class_id, Enrolment.worker_id).where(
        Enrolment.class_id.in_([r.class_id for r in rows]), Enrolment.status == "completed"
    )
    for class_id, worker_id in session.execute(grads):
        graduates.setdefault(int(class_id), set()).add(int(worker_id))
    hires_stmt = (
        select(TrainingReservation.id, func.count())
        .join(
            Placement,
            and_(
                Placement.vacancy_id == TrainingReservation.vacancy_id,
                Placement.created_at >= TrainingReservation.created_at,
            ),
        )
        .join(
            Enrolment,
            and_(
                Enrolment.class_id == TrainingReservation.class_id,
                Enrolment.worker_id == Placement.worker_id,
                Enrolment.status == "completed",
            ),
        )
        .where(TrainingReservation.id.in_([r.id for r in rows]))
        .group_by(TrainingReservation.id)
    )
    hired = {int(i): int(n) for i, n in session.execute(hires_stmt)}
    out: dict[int, Reserved] = {}
    for r in rows:
        mine = graduates.get(r.class_id, set())
        left = max(0, min(r.places, len(mine)) - hired.get(r.id, 0))
        before = out.get(r.vacancy_id)
        if before is None:
            out[r.vacancy_id] = Reserved(left, frozenset(mine), r.expires_on)
        else:
            out[r.vacancy_id] = Reserved(before.places + left, before.graduates | mine, max(before.until, r.expires_on))
    return {v: r for v, r in out.items() if r.places > 0}


def add_reservation(session: Session, klass: TrainingClass, places: int, expires_on: date) -> None:
    """Hold places on the class's demand's vacancy (once per class)."""
    demand = session.get(TrainingDemand, klass.demand_id)
    assert demand is not None and demand.vacancy_id is not None
    session.add(
        TrainingReservation(class_id=klass.id, vacancy_id=demand.vacancy_id, places=places, expires_on=expires_on)
    )
    session.flush()


def graduates_of_vacancy(session: Session, vacancy_id: int) -> set[int]:
    """Workers who completed an order class answering a demand linked to this vacancy (any time)."""
    stmt = (
        select(Enrolment.worker_id)
        .join(TrainingClass, TrainingClass.id == Enrolment.class_id)
        .join(TrainingDemand, TrainingDemand.id == TrainingClass.demand_id)
        .where(
            TrainingDemand.vacancy_id == vacancy_id,
            TrainingClass.mode == "order_class",
            Enrolment.status == "completed",
        )
    )
    return {int(w) for w in session.scalars(stmt)}


def order_class_vacancies(session: Session, worker_id: int, ended_since: date) -> set[int]:
    """The vacancies linked to the demands of order classes this worker completed that ended on or after
    `ended_since`: their `training` tier."""
    stmt = (
        select(TrainingDemand.vacancy_id)
        .join(TrainingClass, TrainingClass.demand_id == TrainingDemand.id)
        .join(Enrolment, Enrolment.class_id == TrainingClass.id)
        .where(
            Enrolment.worker_id == worker_id,
            Enrolment.status == "completed",
            TrainingClass.mode == "order_class",
            TrainingClass.end_date >= ended_since,
            TrainingDemand.vacancy_id.is_not(None),
        )
    )
    return {int(v) for v in session.scalars(stmt) if v is not None}


def completed_before(worker_id: Any, day: Any) -> Select[Any]:
    """A worker's completed enrolments whose class ended before a day; correlated when given a placement's
    columns (`Placement.worker_id`, `Placement.start_date`), with TrainingClass joined for further conditions."""
    return (
        select(Enrolment.id)
        .join(TrainingClass, TrainingClass.id == Enrolment.class_id)
        .where(Enrolment.worker_id == worker_id, Enrolment.status == "completed", TrainingClass.end_date < day)
    )


# --- the weekly report -----------------------------------------------------------------------------------------

SelectT = TypeVar("SelectT", bound=Select[*tuple[Any, ...]])
REPORT_COLUMNS = [
    "enrolment_id",
    "class_id",
    "school_id",
    "class_status",
    "class_start",
    "class_end",
    "demand_id",
    "hire_commitment",
    "demand_vacancy_id",
    "employer_id",
    "worker_id",
    "status",
    "created_at",
    "updated_at",
]


def _report_scope(
    stmt: SelectT,
    home_region: str | None,
    employer_id: int | None,
    workplace_region: str | None,
    school_id: int | None,
) -> SelectT:
    """Enrolments of a report's scope: its workers' (home county), its employer's demands', its workplaces', its
    school's classes'."""
    stmt = (
        stmt.join(TrainingClass, TrainingClass.id == Enrolment.class_id)
        .join(Worker, Worker.id == Enrolment.worker_id)
        .outerjoin(TrainingDemand, TrainingDemand.id == TrainingClass.demand_id)
        .outerjoin(Vacancy, Vacancy.id == TrainingDemand.vacancy_id)
    )
    if home_region is not None:
        stmt = stmt.where(Worker.hukou_county.startswith(region_prefix(home_region)))
    if employer_id is not None:
        stmt = stmt.where(TrainingDemand.employer_org_id == employer_id)
    if workplace_region is not None:
        stmt = stmt.where(Vacancy.county_code.startswith(region_prefix(workplace_region)))
    if school_id is not None:
        stmt = stmt.where(TrainingClass.school_org_id == school_id)
    return stmt


def report_enrolments(
    session: Session,
    until: datetime,
    *,
    home_region: str | None = None,
    employer_id: int | None = None,
    workplace_region: str | None = None,
    school_id: int | None = None,
) -> list[tuple[Any, ...]]:
    """The enrolments made before `until` in a report's scope, with their class and demand (REPORT_COLUMNS)."""
    stmt = select(
        Enrolment.id,
        Enrolment.class_id,
        TrainingClass.school_org_id,
        TrainingClass.status,
        TrainingClass.start_date,
        TrainingClass.end_date,
        TrainingClass.demand_id,
        TrainingDemand.hire_commitment,
        TrainingDemand.vacancy_id,
        TrainingDemand.employer_org_id,
        Enrolment.worker_id,
        Enrolment.status,
        Enrolment.created_at,
        Enrolment.updated_at,
    ).select_from(Enrolment)
    stmt = _report_scope(stmt, home_region, employer_id, workplace_region, school_id).where(
        Enrolment.created_at < until
    )
    return [tuple(r) for r in session.execute(stmt.order_by(Enrolment.id))]


def graduate_starts(
    session: Session,
    last_day: date,
    *,
    home_region: str | None = None,
    employer_id: int | None = None,
    workplace_region: str | None = None,
    school_id: int | None = None,
) -> list[tuple[Any, ...]]:
    """(enrolment id, placement start, placement vacancy) for each placement a scope's graduate started from the
    class's last day up to `last_day`."""
    stmt = (
        select(Enrolment.id, Placement.start_date, Placement.vacancy_id)
        .select_from(Enrolment)
        .join(Placement, Placement.worker_id == Enrolment.worker_id)
    )
    stmt = _report_scope(stmt, home_region, employer_id, workplace_region, school_id).where(
        Enrolment.status == "completed",
        Placement.start_date >= TrainingClass.end_date,
        Placement.start_date <= last_day,
    )
    return [tuple(r) for r in session.execute(stmt)]
