"""Every query on rights cases, their events and the loaded holiday tables, with the walls each role sees through.

Events are only ever inserted here: nothing in this module updates or deletes one.
"""

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, delete, insert, or_, select
from sqlalchemy.orm import Session

from app.authz import ESCALATION_KINDS, Reach
from app.orgs.models import Org
from app.placements.models import Placement
from app.rights.models import ACTIVE_STATUSES, CalendarDay, CaseEvent, RightsCase
from app.training.models import Enrolment, TrainingClass
from app.vacancies.models import Vacancy
from app.workers.models import Worker


def region_prefix(code: str) -> str:
    """The leading digits a division's descendants share: 441900 -> 4419, 450000 -> 45, 450225 -> 450225."""
    while len(code) > 2 and code.endswith("00"):
        code = code[:-2]
    return code


def walled(stmt: Select[Any], wall: Reach) -> Select[Any]:
    """The cases a caller reaches: its workers', its workplace region's, against it, naming it, or all."""
    if wall.worker_owner is not None:
        stmt = stmt.where(RightsCase.worker_owner_org_id == wall.worker_owner)
    if wall.employer is not None:
        stmt = stmt.where(RightsCase.employer_id == wall.employer)
    if wall.party is not None:
        stmt = stmt.where(or_(RightsCase.opened_by_org_id == wall.party, RightsCase.agency_id == wall.party))
    if wall.region is not None:
        stmt = stmt.where(RightsCase.jurisdiction_county.startswith(region_prefix(wall.region)))
    return stmt


def get(session: Session, case_id: int, wall: Reach, *, for_update: bool = False) -> RightsCase | None:
    stmt = walled(select(RightsCase).where(RightsCase.id == case_id), wall)
    if for_update:
        stmt = stmt.with_for_update()
    return session.scalars(stmt).first()


def page(
    session: Session,
    wall: Reach,
    after_id: int,
    limit: int,
    *,
    today: date,
    kind: str | None = None,
    status: str | None = None,
    overdue: bool | None = None,
    employer_id: int | None = None,
) -> list[RightsCase]:
    stmt = walled(select(RightsCase).where(RightsCase.id > after_id), wall)
    if kind is not None:
        stmt = stmt.where(RightsCase.kind == kind)
    if status is not None:
        stmt = stmt.where(RightsCase.status == status)
    if employer_id is not None:
        stmt = stmt.where(RightsCase.employer_id == employer_id)
    if overdue is True:  # closed cases have no running clock, so no due date
        stmt = stmt.where(RightsCase.status.in_(ACTIVE_STATUSES), RightsCase.due_on < today)
    elif overdue is False:
        stmt = stmt.where(or_(RightsCase.due_on.is_(None), RightsCase.due_on >= today))
    return list(session.scalars(stmt.order_by(RightsCase.id).limit(limit)))


def add_case(session: Session, case: RightsCase) -> RightsCase:
    session.add(case)
    session.flush()
    return case


def add_event(session: Session, event: CaseEvent) -> CaseEvent:
    session.add(event)
    session.flush()
    return event


def events(session: Session, case_id: int) -> list[CaseEvent]:
    stmt = select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id)
    return list(session.scalars(stmt))


def placement_in_reach(session: Session, placement_id: int, wall: Reach) -> tuple[Placement, Worker, Vacancy] | None:
    """A placement with its worker and vacancy, if the caller may open a case on it."""
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
    if wall.party is not None:
        stmt = stmt.where(Placement.referred_by == wall.party)
    if wall.region is not None:
        stmt = stmt.where(Vacancy.county_code.startswith(region_prefix(wall.region)))
    row = session.execute(stmt).first()
    return (row[0], row[1], row[2]) if row else None


def placements_at_employers_in_arrears(session: Session, placement_ids: Iterable[int]) -> set[int]:
    """Of these placements, those whose employer faces a running wage-arrears case (one query for a page)."""
    ids = list(placement_ids)
    if not ids:
        return set()
    running = select(RightsCase.id).where(
        RightsCase.employer_id == Vacancy.employer_org_id,
        RightsCase.kind == "wage_arrears",
        RightsCase.status.in_(ACTIVE_STATUSES),
    )
    stmt = (
        select(Placement.id)
        .join(Vacancy, Vacancy.id == Placement.vacancy_id)
        .where(Placement.id.in_(ids), running.exists())
    )
    return {int(i) for i in session.scalars(stmt)}


def worker(session: Session, worker_id: int, owner: int | None) -> Worker | None:
    stmt = select(Worker).where(Worker.id == worker_id)
    if owner is not None:
        stmt = stmt.where(Worker.owner_org_id == owner)
    return session.scalars(stmt).first()


def org(session: Session, org_id: int) -> Org | None:
    return session.get(Org, org_id)


def provincial_office(session: Session, province_code: str) -> Org | None:
    """The office an escalation goes to (the first registered, if a province has several keys' orgs)."""
    stmt = (
        select(Org)
        .where(Org.kind.in_([k.value for k in ESCALATION_KINDS]), Org.region_code == province_code)
        .order_by(Org.id)
        .limit(1)
    )
    return session.scalars(stmt).first()


def escalation_candidates(session: Session, due_before: date) -> list[RightsCase]:
    """Running cases due before `due_before` that the automatic escalation has not handled yet (rows locked)."""
    stmt = (
        select(RightsCase)
        .where(
            RightsCase.status.in_(ACTIVE_STATUSES),
            RightsCase.due_on < due_before,
            RightsCase.overdue_escalated.is_(False),
        )
        .order_by(RightsCase.id)
        .with_for_update()
    )
    return list(session.scalars(stmt))


def loaded_calendar(session: Session) -> dict[int, dict[date, bool]]:
    out: dict[int, dict[date, bool]] = {}
    for day in session.scalars(select(CalendarDay)):
        out.setdefault(day.year, {})[day.day] = day.workday
    return out


def replace_calendar_year(session: Session, year: int, rows: Iterable[dict[str, Any]]) -> int:
    """A year's table replaces the one loaded before (a corrected notice), in one statement each way."""
    session.execute(delete(CalendarDay).where(CalendarDay.year == year))
    values = list(rows)
    if values:
        session.execute(insert(CalendarDay), values)
    return len(values)


def calendar_years(session: Session) -> list[tuple[int, str, int]]:
    """(year, source, days) of each loaded table."""
    out: dict[int, tuple[str, int]] = {}
    for day in session.scalars(select(CalendarDay).order_by(CalendarDay.day)):
        source, n = out.get(day.year, (day.source, 0))
        out[day.year] = (source, n + 1)
    return [(year, source, n) for year, (source, n) in sorted(out.items())]


def graduates_of_school(school_id: int) -> Select[Any]:
    """The workers who completed a class of this school (a subquery)."""
    return (
        select(Enrolment.worker_id)
        .join(TrainingClass, TrainingClass.id == Enrolment.class_id)
        .where(TrainingClass.school_org_id == school_id, Enrolment.status == "completed")
    )


def report_cases(
    session: Session,
    until: datetime,
    *,
    home_region: str | None = None,
    employer_id: int | None = None,
    workplace_region: str | None = None,
    school_id: int | None = None,
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """The cases opened before `until` in a report's scope, and their events before `until` in order.

    Cases: (id, kind, placement_id, employer_id, home_county, opened_on, amount_claimed_fen); events: (case_id,
    action, to_status, at, amount_recovered_fen).
    """
    scoped = [RightsCase.opened_on < until.date()]  # `until` is Monday 00:00 CST: its date is the day after
    if home_region is not None:
        scoped.append(RightsCase.home_county.startswith(region_prefix(home_region)))
    if employer_id is not None:
        scoped.append(RightsCase.employer_id == employer_id)
    if workplace_region is not None:
        scoped.append(RightsCase.jurisdiction_county.startswith(region_prefix(workplace_region)))
    if school_id is not None:  # the school's graduates' cases
        scoped.append(RightsCase.worker_id.in_(graduates_of_school(school_id)))
    cases = select(
        RightsCase.id,
        RightsCase.kind,
        RightsCase.placement_id,
        RightsCase.employer_id,
        RightsCase.home_county,
        RightsCase.opened_on,
        RightsCase.amount_claimed_fen,
    ).where(*scoped)
    events = (
        select(CaseEvent.case_id, CaseEvent.action, CaseEvent.to_status, CaseEvent.at, CaseEvent.amount_recovered_fen)
        .join(RightsCase, RightsCase.id == CaseEvent.case_id)
        .where(*scoped, CaseEvent.at < until)
        .order_by(CaseEvent.id)
    )
    return [tuple(r) for r in session.execute(cases.order_by(RightsCase.id))], [
        tuple(r) for r in session.execute(events)
    ]


def case_workplaces(session: Session, until: datetime) -> dict[int, str]:
    """Each case opened before `until` with the county its claim lies in: a report's routes split cases by it."""
    stmt = select(RightsCase.id, RightsCase.jurisdiction_county).where(RightsCase.opened_on < until.date())
    return {int(i): str(c) for i, c in session.execute(stmt)}
