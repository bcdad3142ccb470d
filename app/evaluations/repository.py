"""Every query of the quarterly evaluation: placements as plain rows, evaluations and their history."""

from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy import case, or_, select
from sqlalchemy.orm import Session

from app.evaluations.models import Evaluation, EvaluationEvent
from app.placements.models import Placement
from app.vacancies.models import Vacancy
from app.workers.models import Worker

P, W, V = Placement, Worker, Vacancy
PLACEMENT_COLUMNS = [
    "placement_id",
    "worker_id",
    "hukou_county",
    "vacancy_county",
    "start_date",
    "end_date",
    "end_reason",
    "trained",
    "household",
]


def placements(session: Session, since: date, last: date) -> pd.DataFrame:
    """Placements started by `last` and not ended before `since`, with an end only if it is dated by `last`.

    `household`: the worker is from a registered low-income or a monitored household; `trained`: the hire followed
    a completed training.
    """
    end = case((P.end_date <= last, P.end_date), else_=None)
    reason = case((P.end_date <= last, P.end_reason), else_=None)
    stmt = (
        select(
            P.id,
            P.worker_id,
            W.hukou_county,
            V.county_code,
            P.start_date,
            end,
            reason,
            P.training_enrolment_id.is_not(None),
            or_(W.registered_low_income, W.monitored_household),
        )
        .select_from(P)
        .join(W, W.id == P.worker_id)
        .join(V, V.id == P.vacancy_id)
        .where(P.start_date <= last, or_(P.end_date.is_(None), P.end_date >= since))
    )
    return pd.DataFrame.from_records(session.execute(stmt).all(), columns=PLACEMENT_COLUMNS)


def of_quarter(session: Session, quarter: str, for_update: bool = False) -> list[Evaluation]:
    stmt = select(Evaluation).where(Evaluation.quarter == quarter).order_by(Evaluation.pairing_id)
    return list(session.scalars(stmt.with_for_update() if for_update else stmt))


def get(session: Session, evaluation_id: int, for_update: bool = False) -> Evaluation | None:
    stmt = select(Evaluation).where(Evaluation.id == evaluation_id)
    return session.scalars(stmt.with_for_update() if for_update else stmt).one_or_none()


def listed(session: Session, quarter: str, **filters: Any) -> list[Evaluation]:
    stmt = select(Evaluation).where(Evaluation.quarter == quarter)
    if filters.get("pairing_id") is not None:
        stmt = stmt.where(Evaluation.pairing_id == filters["pairing_id"])
    if filters.get("status") is not None:
        stmt = stmt.where(Evaluation.status == filters["status"])
    return list(session.scalars(stmt.order_by(Evaluation.pairing_id)))


def events_of(session: Session, evaluation_ids: list[int]) -> list[EvaluationEvent]:
    stmt = (
        select(EvaluationEvent)
        .where(EvaluationEvent.evaluation_id.in_(evaluation_ids))
        .order_by(EvaluationEvent.evaluation_id, EvaluationEvent.id)
    )
    return list(session.scalars(stmt))


def add(session: Session, row: Evaluation | EvaluationEvent) -> None:
    session.add(row)
    session.flush()
