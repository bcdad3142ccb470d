"""Every query of the departure domain: placement history as frames, risk upserts, the at-risk page, reviews."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd
from sqlalchemy import and_, delete, func, insert, or_, select
from sqlalchemy.orm import Session, aliased

from app.authz import Reach
from app.departure.models import FlagReview, PlacementRisk
from app.matching.repository import VACANCY_PAIR_COLUMNS
from app.orgs.models import Org
from app.placements.models import FollowUp, Placement
from app.placements.repository import walled
from app.training.models import TrainingClass, TrainingDemand
from app.training.repository import completed_before
from app.vacancies.models import Vacancy
from app.workers.models import Worker

CHUNK = 5000


def placements_frame(session: Session, placement_ids: Sequence[int] | None = None) -> pd.DataFrame:
    """One row per placement with the worker's and the vacancy's model inputs (never sex, ethnicity or age), and
    whether the worker had completed a class for the job's occupation or an order class for its employer."""
    before = completed_before(Placement.worker_id, Placement.start_date)
    for_occupation = before.where(TrainingClass.occupation_code == Vacancy.occupation_code)
    for_employer = before.join(TrainingDemand, TrainingDemand.id == TrainingClass.demand_id).where(
        TrainingDemand.employer_org_id == Vacancy.employer_org_id
    )
    stmt = (
        select(
            Placement.id.label("placement_id"),
            Placement.worker_id,
            Placement.vacancy_id,
            Placement.start_date,
            Placement.end_date,
            Placement.end_reason,
            (Placement.referred_by.is_not(None)).label("referred"),
            Worker.hukou_county.label("worker_county"),
            Worker.education,
            Worker.skills,
            Worker.desired_occupations,
            Worker.channel_preference,
            Worker.expected_wage,
            Worker.dependants,
            Worker.monitored_household,
            Worker.registered_low_income,
            *VACANCY_PAIR_COLUMNS,
            for_occupation.exists().label("trained_occupation"),
            for_employer.exists().label("trained_employer"),
        )
        .join(Worker, Worker.id == Placement.worker_id)
        .join(Vacancy, Vacancy.id == Placement.vacancy_id)
        .order_by(Placement.id)
    )
    if placement_ids is not None:
        stmt = stmt.where(Placement.id.in_(list(placement_ids)))
    rows = session.execute(stmt).all()
    frame = pd.DataFrame(rows, columns=list(stmt.selected_columns.keys()))
    for col in ("start_date", "end_date"):
        frame[col] = pd.to_datetime(frame[col])
    return frame


def history_frame(session: Session, worker_ids: Sequence[int] | None = None) -> pd.DataFrame:
    """Every placement's worker, start, end and reason: what a worker's earlier jobs were and how they ended."""
    stmt = select(Placement.worker_id, Placement.start_date, Placement.end_date, Placement.end_reason)
    if worker_ids is not None:
        stmt = stmt.where(Placement.worker_id.in_(list(worker_ids)))
    frame = pd.DataFrame(session.execute(stmt).all(), columns=["worker_id", "start_date", "end_date", "end_reason"])
    for col in ("start_date", "end_date"):
        frame[col] = pd.to_datetime(frame[col])
    return frame


def follow_ups_frame(session: Session, placement_ids: Sequence[int] | None = None) -> pd.DataFrame:
    stmt = select(FollowUp.placement_id, FollowUp.date, FollowUp.outcome, FollowUp.notes).order_by(
        FollowUp.placement_id, FollowUp.date, FollowUp.id
    )
    if placement_ids is not None:
        stmt = stmt.where(FollowUp.placement_id.in_(list(placement_ids)))
    frame = pd.DataFrame(session.execute(stmt).all(), columns=["placement_id", "date", "outcome", "notes"])
    frame["date"] = pd.to_datetime(frame["date"])
    return frame


def active_placement_ids(session: Session) -> list[int]:
    return list(session.scalars(select(Placement.id).where(Placement.end_date.is_(None)).order_by(Placement.id)))


def is_active(session: Session, placement_id: int) -> bool:
    stmt = select(Placement.id).where(Placement.id == placement_id, Placement.end_date.is_(None))
    return session.scalar(stmt) is not None


def upsert_risks(session: Session, rows: list[dict[str, Any]]) -> None:
    """Replace the stored risk of each placement in bulk (delete + Core insert: the same on both databases)."""
    for i in range(0, len(rows), CHUNK):
        chunk = rows[i : i + CHUNK]
        ids = [r["placement_id"] for r in chunk]
        session.execute(delete(PlacementRisk).where(PlacementRisk.placement_id.in_(ids)))
        session.execute(insert(PlacementRisk), chunk)


def delete_risks_of_ended(session: Session) -> int:
    """A placement that ended is no longer at risk: its stale score goes."""
    ended = select(Placement.id).where(Placement.end_date.is_not(None))
    result = session.execute(delete(PlacementRisk).where(PlacementRisk.placement_id.in_(ended)))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def at_risk_page(
    session: Session, wall: Reach, horizon: int, after: tuple[float, int] | None, limit: int
) -> list[tuple[PlacementRisk, Placement, float]]:
    """Active placements by risk at the horizon, highest first; keyset on (risk, placement id)."""
    risk_col = getattr(PlacementRisk, f"risk_{horizon}")
    stmt = (
        select(PlacementRisk, Placement, risk_col)
        .join(Placement, Placement.id == PlacementRisk.placement_id)
        .where(Placement.end_date.is_(None), risk_col.is_not(None))
    )
    stmt = walled(stmt, wall)
    if after is not None:
        risk, pid = after
        stmt = stmt.where(or_(risk_col < risk, and_(risk_col == risk, PlacementRisk.placement_id > pid)))
    stmt = stmt.order_by(risk_col.desc(), PlacementRisk.placement_id).limit(limit)
    return [(r, p, float(v)) for r, p, v in session.execute(stmt)]


def people_and_jobs(session: Session, placement_ids: Sequence[int]) -> dict[int, Any]:
    """Per placement: the worker's name, masked phone and consent, and the vacancy's title (a page's rows only)."""
    if not placement_ids:
        return {}
    stmt = (
        select(Placement.id, Worker.name, Worker.phone_masked, Worker.consent_to_share, Vacancy.title)
        .join(Worker, Worker.id == Placement.worker_id)
        .join(Vacancy, Vacancy.id == Placement.vacancy_id)
        .where(Placement.id.in_(list(placement_ids)))
    )
    return {row.id: row for row in session.execute(stmt)}


def latest_reviews(
    session: Session,
    placement_ids: Sequence[int],
    *,
    org_id: int | None = None,
    org_kinds: Sequence[str] | None = None,
) -> dict[int, FlagReview]:
    """The newest review of each placement, among one org's reviews or among reviews by orgs of these kinds."""
    if not placement_ids:
        return {}
    newest = select(FlagReview.placement_id, func.max(FlagReview.id).label("id")).where(
        FlagReview.placement_id.in_(list(placement_ids))
    )
    if org_id is not None:
        newest = newest.where(FlagReview.org_id == org_id)
    if org_kinds is not None:
        newest = newest.join(Org, Org.id == FlagReview.org_id).where(Org.kind.in_(list(org_kinds)))
    sub = newest.group_by(FlagReview.placement_id).subquery()
    review = aliased(FlagReview)
    stmt = select(review).join(sub, sub.c.id == review.id)
    return {r.placement_id: r for r in session.scalars(stmt)}


def risk_of(session: Session, placement_id: int) -> PlacementRisk | None:
    return session.get(PlacementRisk, placement_id)


def add_review(session: Session, review: FlagReview) -> FlagReview:
    session.add(review)
    session.flush()
    return review


def reviews_page(
    session: Session, placement_id: int, after_id: int, limit: int, org_id: int | None = None
) -> list[FlagReview]:
    """Reviews of a placement oldest first, all of them or only one org's."""
    stmt = select(FlagReview).where(FlagReview.placement_id == placement_id, FlagReview.id > after_id)
    if org_id is not None:
        stmt = stmt.where(FlagReview.org_id == org_id)
    return list(session.scalars(stmt.order_by(FlagReview.id).limit(limit)))


def review_counts(session: Session) -> dict[str, int]:
    stmt = select(FlagReview.decision, func.count()).group_by(FlagReview.decision)
    return {d: int(n) for d, n in session.execute(stmt)}
