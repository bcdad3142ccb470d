"""Every query of the matcher: worker, vacancy and placement-history frames built in SQL, pairings, inferences."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy import and_, delete, func, select
from sqlalchemy.orm import Session

from app.artefacts.models import ModelArtefact
from app.clock import today
from app.matching.models import OccupationCorrection, OccupationInference
from app.orgs.models import Org
from app.pairings.models import PairingVersion
from app.placements.models import Placement
from app.reference.models import Division
from app.rights.models import ACTIVE_STATUSES, CaseEvent, RightsCase
from app.vacancies.models import Vacancy
from app.workers.models import Worker

# The vacancy side of matching.features.pair_features, shared with the departure model's placement query.
VACANCY_PAIR_COLUMNS = (
    Vacancy.county_code.label("vacancy_county"),
    Vacancy.occupation_code,
    Vacancy.wage_min,
    Vacancy.wage_max,
    Vacancy.housing,
    Vacancy.meals,
    Vacancy.shift,
    Vacancy.contract_months,
)
VACANCY_SELECT = (
    Vacancy.id.label("vacancy_id"),
    Vacancy.employer_org_id.label("employer_id"),
    Division.longitude.label("vacancy_lon"),
    Division.latitude.label("vacancy_lat"),
    *VACANCY_PAIR_COLUMNS,
    Vacancy.min_age,
    Vacancy.max_age,
    Vacancy.education_min,
    Vacancy.title,
    Vacancy.headcount,
    Vacancy.start_date.label("vacancy_start"),
    Vacancy.status,
)


def _frame(session: Session, stmt: Any) -> pd.DataFrame:
    result = session.execute(stmt)
    return pd.DataFrame(result.all(), columns=list(result.keys()))


def _active_counts() -> Any:
    return (
        select(Placement.vacancy_id, func.count().label("n"))
        .where(Placement.end_date.is_(None))
        .group_by(Placement.vacancy_id)
        .subquery()
    )


def open_vacancies(session: Session, vacancy_id: int | None = None) -> pd.DataFrame:
    """Open vacancies with headcount_left = headcount - active placements (the job board the matcher ranks)."""
    active = _active_counts()
    stmt = (
        select(*VACANCY_SELECT, (Vacancy.headcount - func.coalesce(active.c.n, 0)).label("headcount_left"))
        .join(Division, Division.code == Vacancy.county_code)
        .outerjoin(active, active.c.vacancy_id == Vacancy.id)
        .where(Vacancy.status == "open")
        .order_by(Vacancy.id)
    )
    if vacancy_id is not None:
        stmt = stmt.where(Vacancy.id == vacancy_id)
    return _frame(session, stmt)


def headcount_left(session: Session, vacancy_ids: list[int]) -> dict[int, int]:
    """Open vacancies among these ids with their current headcount left: the per-request check of what is shown
    (one indexed lookup per id; the board itself may be up to a refresh old)."""
    if not vacancy_ids:
        return {}
    active = (
        select(func.count())
        .where(Placement.vacancy_id == Vacancy.id, Placement.end_date.is_(None))
        .correlate(Vacancy)
        .scalar_subquery()
    )
    stmt = select(Vacancy.id, Vacancy.headcount - active).where(Vacancy.id.in_(vacancy_ids), Vacancy.status == "open")
    return {int(i): int(n) for i, n in session.execute(stmt).all()}


def worker_row(session: Session, worker_id: int) -> dict[str, Any] | None:
    """One worker as a dict of the matcher's columns (the per-request path builds no frame)."""
    stmt = select(*WORKER_SELECT).join(Division, Division.code == Worker.hukou_county).where(Worker.id == worker_id)
    row = session.execute(stmt).mappings().first()
    return dict(row) if row is not None else None


def board_signature(session: Session) -> tuple[Any, ...]:
    """Changes whenever a vacancy, placement or pairing is written, or the day turns: the board's cache key.

    max(updated_at) alone misses a write stamped before the latest one but committed after it; every update
    bumps a vacancy's version (so their sum grows) and every ended placement adds to count(end_date). Pairing
    versions are append-only, so their count moves with every pairing write; the day is in the key because a
    version written earlier takes effect on its `effective_from`, and the pair features read today's pairings.
    """
    vac = session.execute(
        select(func.count(), func.max(Vacancy.updated_at), func.sum(Vacancy.version)).select_from(Vacancy)
    ).one()
    plc = session.execute(
        select(func.count(), func.max(Placement.updated_at), func.count(Placement.end_date)).select_from(Placement)
    ).one()
    pairing_versions = session.scalar(select(func.count()).select_from(PairingVersion))
    return (*vac, *plc, pairing_versions, today())


def pool_signature(session: Session) -> tuple[Any, ...]:
    """Changes whenever a worker, vacancy, placement or rights case is written: the candidate pool's cache key.

    Case events are append-only and every transition adds one, so their newest id moves with each case change
    (an opened or closed case blocks or frees an employer for its worker).
    """
    wrk = session.execute(
        select(func.count(), func.max(Worker.updated_at), func.sum(Worker.version)).select_from(Worker)
    ).one()
    case_events = session.scalar(select(func.max(CaseEvent.id)))
    return (*board_signature(session), *wrk, case_events)


def all_vacancies(session: Session) -> pd.DataFrame:
    """Every vacancy, open or not (evaluation reconstructs what was open at a date)."""
    stmt = select(*VACANCY_SELECT).join(Division, Division.code == Vacancy.county_code).order_by(Vacancy.id)
    return _frame(session, stmt)


WORKER_SELECT = (
    Worker.id.label("worker_id"),
    Worker.owner_org_id,
    Worker.hukou_county.label("worker_county"),
    Division.longitude.label("worker_lon"),
    Division.latitude.label("worker_lat"),
    Worker.education,
    Worker.skills,
    Worker.past_jobs,
    Worker.desired_occupations,
    Worker.channel_preference,
    Worker.expected_wage,
    Worker.dependants,
    Worker.monitored_household,
    Worker.consent_to_share,
    Worker.name,
    Worker.sex,
    Worker.id_number_masked,
    Worker.phone_masked,
    Worker.id_number_enc,
)


def workers(session: Session, worker_ids: list[int] | None = None, **filters: Any) -> pd.DataFrame:
    """Worker rows with their home county's point; `unplaced=True` keeps those without an active placement.

    Other filters: `owner_org_id`, `county_code` (home county) and `province` (first two digits of it).
    """
    stmt = select(*WORKER_SELECT).join(Division, Division.code == Worker.hukou_county)
    if worker_ids is not None:
        stmt = stmt.where(Worker.id.in_(worker_ids))
    if filters.get("owner_org_id") is not None:
        stmt = stmt.where(Worker.owner_org_id == filters["owner_org_id"])
    if filters.get("county_code") is not None:
        stmt = stmt.where(Worker.hukou_county == filters["county_code"])
    if filters.get("province") is not None:
        stmt = stmt.where(Worker.hukou_county.startswith(filters["province"], autoescape=True))
    if filters.get("consent_only"):
        stmt = stmt.where(Worker.consent_to_share.is_(True))
    if filters.get("unplaced"):
        busy = select(Placement.worker_id).where(Placement.end_date.is_(None))
        stmt = stmt.where(Worker.id.not_in(busy))
    return _frame(session, stmt.order_by(Worker.id))


def disputed_employers_by_worker(session: Session, since: date) -> dict[int, list[int]]:
    """worker -> employers of a dispute ended on or after `since`, or of a running case the worker has against them."""
    disputes = (
        select(Placement.worker_id, Vacancy.employer_org_id)
        .join(Vacancy, Vacancy.id == Placement.vacancy_id)
        .where(Placement.end_reason == "dispute", Placement.end_date >= since)
    )
    out: dict[int, set[int]] = {}
    for worker_id, employer_id in (*session.execute(disputes).all(), *session.execute(_open_cases()).all()):
        out.setdefault(int(worker_id), set()).add(int(employer_id))
    return {w: sorted(e) for w, e in out.items()}


def _open_cases(worker_id: int | None = None) -> Any:
    """(worker, employer) of every running rights case that names both."""
    stmt = select(RightsCase.worker_id, RightsCase.employer_id).where(
        RightsCase.status.in_(ACTIVE_STATUSES), RightsCase.worker_id.is_not(None), RightsCase.employer_id.is_not(None)
    )
    return stmt if worker_id is None else stmt.where(RightsCase.worker_id == worker_id)


def placement_history(session: Session) -> pd.DataFrame:
    """Every placement with its worker id and vacancy id (features are joined in pandas)."""
    stmt = select(
        Placement.id.label("placement_id"),
        Placement.worker_id,
        Placement.vacancy_id,
        Placement.start_date,
        Placement.end_date,
        Placement.end_reason,
        Vacancy.employer_org_id.label("employer_id"),
    ).join(Vacancy, Vacancy.id == Placement.vacancy_id)
    return _frame(session, stmt.order_by(Placement.id))


def active_versions(session: Session) -> dict[str, str]:
    """kind -> active version, one small query: how a process notices a newly activated model."""
    rows = session.execute(select(ModelArtefact.kind, ModelArtefact.version).where(ModelArtefact.active)).all()
    return {str(k): str(v) for k, v in rows}


def inferences(session: Session, vacancy_ids: list[int]) -> dict[int, OccupationInference]:
    if not vacancy_ids:
        return {}
    stmt = select(OccupationInference).where(OccupationInference.vacancy_id.in_(vacancy_ids))
    return {row.vacancy_id: row for row in session.scalars(stmt)}


def save_inference(session: Session, row: OccupationInference) -> None:
    session.merge(row)
    session.flush()


def drop_inference(session: Session, vacancy_id: int) -> None:
    session.execute(delete(OccupationInference).where(OccupationInference.vacancy_id == vacancy_id))


def last_ended(session: Session, worker_id: int) -> dict[str, Any] | None:
    """The worker's most recently ended placement (reason, end date, employer), if any."""
    stmt = (
        select(Placement.end_date, Placement.end_reason, Vacancy.employer_org_id)
        .join(Vacancy, Vacancy.id == Placement.vacancy_id)
        .where(and_(Placement.worker_id == worker_id, Placement.end_date.is_not(None)))
        .order_by(Placement.end_date.desc(), Placement.id.desc())
        .limit(1)
    )
    row = session.execute(stmt).first()
    if row is None:
        return None
    return {"end_date": row[0], "end_reason": row[1], "employer_id": row[2]}


def disputed_employers(session: Session, worker_id: int, since: date) -> list[int]:
    """Employers of placements this worker ended in a dispute on or after `since`."""
    stmt = (
        select(Vacancy.employer_org_id)
        .join(Placement, Placement.vacancy_id == Vacancy.id)
        .where(Placement.worker_id == worker_id, Placement.end_reason == "dispute", Placement.end_date >= since)
    )
    return sorted({int(e) for e in session.scalars(stmt)})


def employers_with_open_case(session: Session, worker_id: int) -> list[int]:
    """Employers this worker has a running rights case against: not offered again while the case runs."""
    return sorted({int(employer) for _, employer in session.execute(_open_cases(worker_id)).all()})


def orgs_named(session: Session, names: tuple[str, ...]) -> set[str]:
    """Which of these organisation names exist (the evaluation recognises a seeded database by them)."""
    return {str(n) for n in session.scalars(select(Org.name).where(Org.name.in_(names)))}


def add_correction(session: Session, row: OccupationCorrection) -> None:
    session.add(row)
    session.flush()


def corrections(session: Session) -> pd.DataFrame:
    """Every occupation correction (append-only), oldest first."""
    stmt = select(
        OccupationCorrection.id,
        OccupationCorrection.vacancy_id,
        OccupationCorrection.title,
        OccupationCorrection.code,
        OccupationCorrection.created_at,
    ).order_by(OccupationCorrection.id)
    return _frame(session, stmt)
