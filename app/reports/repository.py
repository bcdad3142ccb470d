"""Every query of the weekly report: counts aggregated in SQL, rows for survival fetched as plain tuples."""

from datetime import date, datetime
from typing import Any, TypeVar

import pandas as pd
from sqlalchemy import ColumnElement, Select, and_, case, func, insert, or_, select, true
from sqlalchemy.orm import Session

from app.authz import OFFICE_KINDS, OrgKind
from app.departure.models import FlagReview, PlacementRisk
from app.incentives.models import IncentiveEntry
from app.onestop.models import ServiceTask
from app.orgs.models import Org
from app.placements.models import FollowUp, Placement
from app.reports.models import RiskSnapshot
from app.reports.schemas import Scope
from app.training.models import TrainingClass
from app.training.repository import completed_before
from app.vacancies.models import Vacancy
from app.workers.models import Worker

P, W, V = Placement, Worker, Vacancy
E, T = IncentiveEntry, ServiceTask
SelectT = TypeVar("SelectT", bound=Select[*tuple[Any, ...]])
GROUP_COLUMNS = ["hukou_county", "employer_id", "vacancy_county"]


def _within(column: Any, region: str) -> ColumnElement[bool]:
    """SQL for app.reference.service.within: a province or prefecture region is a code prefix."""
    if region.endswith("0000"):
        return column.like(region[:2] + "%")  # type: ignore[no-any-return]
    if region.endswith("00"):
        return column.like(region[:4] + "%")  # type: ignore[no-any-return]
    return column == region  # type: ignore[no-any-return]


def _scope_filter(scope: Scope) -> ColumnElement[bool]:
    if scope.kind == "county":
        assert scope.code is not None
        return _within(W.hukou_county, scope.code)
    if scope.kind == "employer":
        return V.employer_org_id == scope.org_id
    if scope.kind == "workplace":  # a station's region: where the jobs are, wherever the workers come from
        assert scope.code is not None
        return _within(V.county_code, scope.code)
    if scope.kind == "pairing":
        assert scope.west_code is not None and scope.east_code is not None
        return and_(_within(W.hukou_county, scope.west_code), _within(V.county_code, scope.east_code))
    if scope.kind == "school":  # its graduates' jobs started after one of its classes ended
        return completed_before(P.worker_id, P.start_date).where(TrainingClass.school_org_id == scope.org_id).exists()
    return true()


def _joined(stmt: SelectT, scope: Scope) -> SelectT:
    return stmt.select_from(P).join(W, W.id == P.worker_id).join(V, V.id == P.vacancy_id).where(_scope_filter(scope))


def _frame(session: Session, stmt: Select[*tuple[Any, ...]], columns: list[str]) -> pd.DataFrame:
    rows = session.execute(stmt).all()
    return pd.DataFrame.from_records(rows, columns=columns)


def week_counts(session: Session, scope: Scope, weeks: list[tuple[date, date]]) -> pd.DataFrame:
    """New placements and placements active at each week's end, per (hukou county, employer, vacancy county).

    A placement ended after a week's Sunday was still active on that Sunday: facts after it do not count.
    """
    first_monday, last_sunday = weeks[0][0], weeks[-1][1]
    sums = []
    for i, (monday, sunday) in enumerate(weeks):
        new = case((P.start_date.between(monday, sunday), 1), else_=0)
        active = case((and_(P.start_date <= sunday, or_(P.end_date.is_(None), P.end_date > sunday)), 1), else_=0)
        sums += [func.sum(new).label(f"new_{i}"), func.sum(active).label(f"active_{i}")]
    stmt = _joined(select(W.hukou_county, V.employer_org_id, V.county_code, *sums), scope).where(
        P.start_date <= last_sunday, or_(P.end_date.is_(None), P.end_date >= first_monday)
    )
    stmt = stmt.group_by(W.hukou_county, V.employer_org_id, V.county_code)
    columns = GROUP_COLUMNS + [f"{k}_{i}" for i in range(len(weeks)) for k in ("new", "active")]
    return _frame(session, stmt, columns)


def departures(session: Session, scope: Scope, since: date, until: date) -> pd.DataFrame:
    """Placements that ended between `since` and `until` (inclusive), one row each."""
    stmt = _joined(
        select(W.hukou_county, V.employer_org_id, V.county_code, P.start_date, P.end_date, P.end_reason, P.id),
        scope,
    ).where(P.end_date.between(since, until), P.start_date <= until)
    return _frame(session, stmt, [*GROUP_COLUMNS, "start_date", "end_date", "end_reason", "placement_id"])


def started(session: Session, scope: Scope, since: date, until: date) -> pd.DataFrame:
    """Placements started between `since` and `until`, with their end if it is dated by `until`, their occupation
    and whether the worker had completed a class in it before the start (`trained`)."""
    end = case((P.end_date <= until, P.end_date), else_=None)
    reason = case((P.end_date <= until, P.end_reason), else_=None)
    trained = (
        completed_before(P.worker_id, P.start_date).where(TrainingClass.occupation_code == V.occupation_code).exists()
    )
    columns = (P.id, W.hukou_county, V.employer_org_id, V.county_code, P.start_date, end.label("end_date"), reason)
    stmt = _joined(select(*columns, V.occupation_code, trained), scope).where(P.start_date.between(since, until))
    names = ["placement_id", *GROUP_COLUMNS, "start_date", "end_date", "end_reason", "occupation_code", "trained"]
    return _frame(session, stmt, names)


def starts_by_county_pair(session: Session, since: date, until: date) -> pd.DataFrame:
    """Placements started `since`..`until` in the whole province, counted per (hukou county, vacancy county)."""
    stmt = (
        _joined(select(W.hukou_county, V.county_code, func.count()), Scope("province"))
        .where(P.start_date.between(since, until))
        .group_by(W.hukou_county, V.county_code)
    )
    return _frame(session, stmt, ["hukou_county", "vacancy_county", "placements"])


def follow_ups(session: Session, scope: Scope, since: date, until: date) -> pd.DataFrame:
    """Follow-ups dated `since`..`until`, with their placement's end if it is dated by `until`."""
    end = case((P.end_date <= until, P.end_date), else_=None)
    stmt = _joined(select(FollowUp.placement_id, FollowUp.date, FollowUp.outcome, end.label("end_date")), scope)
    stmt = stmt.join(FollowUp, FollowUp.placement_id == P.id).where(FollowUp.date.between(since, until))
    return _frame(session, stmt, ["placement_id", "date", "outcome", "end_date"])


RISK_COLUMNS = ["risk_30", "risk_90", "risk_180", "reasons", "action", "model_version", "scored_at"]


def _risk_select(scope: Scope, score: type[PlacementRisk] | type[RiskSnapshot]) -> Select[*tuple[Any, ...]]:
    """Placement, worker and vacancy facts beside a score row (the live one or a week's frozen copy)."""
    stmt = _joined(
        select(
            P.id,
            P.worker_id,
            W.hukou_county,
            V.employer_org_id,
            V.county_code,
            V.title,
            P.start_date,
            *(getattr(score, c) for c in RISK_COLUMNS),
        ),
        scope,
    )
    return stmt.join(score, score.placement_id == P.id)


_RISK_FRAME = ["placement_id", "worker_id", *GROUP_COLUMNS, "vacancy_title", "start_date", *RISK_COLUMNS]


def risks(session: Session, scope: Scope, sunday: date, scored_by: datetime) -> pd.DataFrame:
    """The departure model's latest scores of placements active at the week's end, scored by `scored_by`."""
    stmt = _risk_select(scope, PlacementRisk).where(
        P.start_date <= sunday,
        or_(P.end_date.is_(None), P.end_date > sunday),
        PlacementRisk.scored_at < scored_by,
    )
    return _frame(session, stmt, _RISK_FRAME)


def snapshot_risks(session: Session, scope: Scope, week: str) -> pd.DataFrame:
    """The scores the week's run froze, for this scope: the same rows whenever the report is rebuilt."""
    return _frame(session, _risk_select(scope, RiskSnapshot).where(RiskSnapshot.week == week), _RISK_FRAME)


def has_snapshot(session: Session, week: str) -> bool:
    return session.scalar(select(RiskSnapshot.placement_id).where(RiskSnapshot.week == week).limit(1)) is not None


def add_snapshot(session: Session, week: str, rows: list[dict[str, Any]]) -> None:
    if rows:
        session.execute(insert(RiskSnapshot), [{"week": week, **r} for r in rows])


def reviews(session: Session, scope: Scope, since: datetime, until: datetime) -> pd.DataFrame:
    """Answers to flags recorded in [since, until) that the scope may read.

    As on the API: an employer (or a school) reads only its own answers; offices read the offices' answers (an
    employer's dismissal does not close an office's flag).
    """
    stmt = _joined(select(FlagReview.id, FlagReview.placement_id, FlagReview.decision, FlagReview.created_at), scope)
    stmt = stmt.join(FlagReview, FlagReview.placement_id == P.id).where(
        FlagReview.created_at >= since, FlagReview.created_at < until
    )
    if scope.kind in ("employer", "school"):
        stmt = stmt.where(FlagReview.org_id == scope.org_id)
    else:
        reviewer = select(Org.id).where(Org.kind.in_(OFFICE_KINDS))
        stmt = stmt.where(FlagReview.org_id.in_(reviewer))
    return _frame(session, stmt, ["review_id", "placement_id", "decision", "created_at"])


def org_names(session: Session, kind: str) -> dict[int, str]:
    return {i: name for i, name in session.execute(select(Org.id, Org.name).where(Org.kind == kind))}


def county_office_regions(session: Session) -> list[str]:
    stmt = select(Org.region_code).where(Org.kind == OrgKind.county_office).distinct().order_by(Org.region_code)
    return list(session.scalars(stmt))


def employer_ids(session: Session) -> list[int]:
    return list(session.scalars(select(Org.id).where(Org.kind == OrgKind.employer).order_by(Org.id)))


# --- the monthly consultation pack ---------------------------------------------------------------------------


def _active_on(day: date) -> ColumnElement[bool]:
    return and_(P.start_date <= day, or_(P.end_date.is_(None), P.end_date > day))


def open_demand(session: Session, last_day: date, until: datetime) -> pd.DataFrame:
    """Vacancies open at the end of `last_day` with the headcount still to fill then, one row each.

    A vacancy counts if it was posted before `until` and is open now or was last changed (closed) after `until`.
    """
    active = select(P.vacancy_id, func.count().label("n")).where(_active_on(last_day)).group_by(P.vacancy_id).subquery()
    stmt = (
        select(V.county_code, V.occupation_code, (V.headcount - func.coalesce(active.c.n, 0)).label("left"))
        .outerjoin(active, active.c.vacancy_id == V.id)
        .where(V.created_at < until, or_(V.status == "open", V.updated_at >= until))
    )
    return _frame(session, stmt, ["vacancy_county", "occupation_code", "left"])


def unplaced_supply(session: Session, last_day: date, until: datetime) -> pd.DataFrame:
    """Workers registered before `until` who were not in work at the end of `last_day`: hukou and wishes."""
    working = select(P.worker_id).where(_active_on(last_day))
    stmt = select(W.hukou_county, W.desired_occupations).where(W.created_at < until, W.id.not_in(working))
    return _frame(session, stmt, ["hukou_county", "desired_occupations"])


def spend_by_route(session: Session, since: datetime, until: datetime) -> pd.DataFrame:
    """Ledger amounts written in [since, until) on placements, per (hukou county, vacancy county, entry kind)."""
    stmt = (
        select(W.hukou_county, V.county_code, E.kind, func.sum(E.amount_fen), func.count())
        .select_from(E)
        .join(P, P.id == E.placement_id)
        .join(W, W.id == P.worker_id)
        .join(V, V.id == P.vacancy_id)
        .where(E.created_at >= since, E.created_at < until)
        .group_by(W.hukou_county, V.county_code, E.kind)
    )
    return _frame(session, stmt, ["hukou_county", "vacancy_county", "kind", "amount_fen", "entries"])


def service_tasks_due(session: Session, first: date, last: date) -> pd.DataFrame:
    """One-stop service tasks due in [first, last], per route: how many, and how many were done by their due day."""
    on_time = case((and_(T.done_on.is_not(None), T.done_on <= T.due_on), 1), else_=0)
    stmt = (
        select(W.hukou_county, V.county_code, func.count(), func.sum(on_time))
        .select_from(T)
        .join(P, P.id == T.placement_id)
        .join(W, W.id == P.worker_id)
        .join(V, V.id == P.vacancy_id)
        .where(T.due_on.between(first, last))
        .group_by(W.hukou_county, V.county_code)
    )
    return _frame(session, stmt, ["hukou_county", "vacancy_county", "due", "done_on_time"])
