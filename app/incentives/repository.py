"""Every query of the incentives domain: rules and versions, the ledger with its derived status, batches."""

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, and_, case, exists, func, or_, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, aliased

from app.authz import Reach
from app.incentives.models import (
    IncentiveBatch,
    IncentiveBatchItem,
    IncentiveEntry,
    IncentiveRule,
    IncentiveRuleVersion,
)
from app.orgs.models import Org
from app.placements.models import Placement
from app.rights.models import ACTIVE_STATUSES, RightsCase
from app.training.models import Enrolment, TrainingClass
from app.vacancies.models import Vacancy
from app.workers.models import Worker

E = IncentiveEntry
RV = IncentiveRuleVersion


ACCRUAL_LOCK_KEY = 0x4C42_4143  # "LBAC": PostgreSQL's advisory lock of an accrual run


def lock_accrual_runs(session: Session) -> None:
    """One accrual run at a time until this transaction ends: two would both hold the same entry for arrears.

    SQLite's writers already queue for its one write lock (BEGIN IMMEDIATE)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ACCRUAL_LOCK_KEY})


# Rules -------------------------------------------------------------------------------------------------------------


def add(session: Session, *objs: Any) -> None:
    session.add_all(objs)
    session.flush()


def get_rule(session: Session, rule_id: int, *, for_update: bool = False) -> IncentiveRule | None:
    stmt = select(IncentiveRule).where(IncentiveRule.id == rule_id)
    if for_update:
        stmt = stmt.with_for_update()
    return session.scalars(stmt).first()


def get_version(session: Session, rule_id: int, version: int) -> IncentiveRuleVersion | None:
    return session.scalars(select(RV).where(RV.rule_id == rule_id, RV.version == version)).first()


def _current() -> Any:
    return select(IncentiveRule, RV).join(RV, and_(RV.rule_id == IncentiveRule.id, RV.version == IncentiveRule.version))


def _in_force(day: date) -> ColumnElement[bool]:
    return and_(RV.valid_from <= day, or_(RV.valid_to.is_(None), RV.valid_to >= day))


def rules_page(
    session: Session, wall: Reach, after_id: int, limit: int, today: date, province_code: str | None
) -> list[Any]:
    stmt = _current().where(IncentiveRule.id > after_id)
    if wall.open_only:
        stmt = stmt.where(_in_force(today))
    if province_code is not None:
        stmt = stmt.where(IncentiveRule.province_code == province_code)
    return list(session.execute(stmt.order_by(IncentiveRule.id).limit(limit)))


def current_rules(session: Session) -> list[Any]:
    return list(session.execute(_current().order_by(IncentiveRule.id)))


# Placements a rule may pay for -------------------------------------------------------------------------------------

Referrer = aliased(Org)


def placements_started(
    session: Session,
    province_code: str,
    start_from: date,
    start_to: date,
    *,
    unpaid_for: tuple[int, str, str] | None,
    with_id_numbers: bool,
    conditions: dict[str, Any] | None = None,
    exclusions: Sequence[str] = (),
    days: int = 0,
) -> Sequence[Any]:
    """Placements started in [start_from, start_to] whose worker or job is in the province, with what rules test.

    `unpaid_for` (rule id, beneficiary kind, milestone): only placements without that accrual yet, so a re-run
    reads nothing it already paid for.
    """
    prefix = province_code[:2] + "%"
    columns = [
        Placement.id,
        Placement.worker_id,
        Placement.start_date,
        Placement.end_date,
        Placement.free_transport,
        Placement.referred_by,
        Referrer.kind.label("referrer_kind"),
        Worker.owner_org_id,
        Worker.hukou_county,
        Worker.registered_low_income,
        Worker.monitored_household,
        Vacancy.employer_org_id,
        Vacancy.county_code,
        Vacancy.contract_months,
        Vacancy.wage_min,
    ]
    if with_id_numbers:
        columns.append(Worker.id_number_enc)
    stmt = (
        select(*columns)
        .join(Worker, Worker.id == Placement.worker_id)
        .join(Vacancy, Vacancy.id == Placement.vacancy_id)
        .outerjoin(Referrer, Referrer.id == Placement.referred_by)
        .where(
            Placement.start_date.between(start_from, start_to),
            or_(Worker.hukou_county.like(prefix), Vacancy.county_code.like(prefix)),
        )
    )
    stmt = stmt.where(*_prefilter(conditions or {}, exclusions))
    if days:  # a placement that ended before its milestone cannot earn it
        sqlite = session.get_bind().dialect.name == "sqlite"
        milestone_day = func.date(Placement.start_date, f"+{int(days)} days") if sqlite else Placement.start_date + days
        stmt = stmt.where(or_(Placement.end_date.is_(None), Placement.end_date >= milestone_day))
    if unpaid_for is not None:
        rule_id, beneficiary_kind, milestone = unpaid_for
        stmt = stmt.where(
            ~exists().where(
                E.kind == "accrual",
                E.rule_id == rule_id,
                E.beneficiary_kind == beneficiary_kind,
                E.placement_id == Placement.id,
                E.milestone == milestone,
            )
        )
    return session.connection().execute(stmt.order_by(Placement.id)).all()  # Core rows: no ORM work per row


def completed_enrolments(
    session: Session,
    province_code: str,
    ended_from: date,
    ended_to: date,
    *,
    unpaid_for: tuple[int, str, str] | None,
    with_id_numbers: bool,
) -> Sequence[Any]:
    """Completed enrolments of classes held in the province that ended in [ended_from, ended_to], with what
    training rules test (the worker's households and, for an age band, the ID number).

    `unpaid_for` (rule id, beneficiary kind, milestone): only enrolments without that accrual yet.
    """
    columns = [
        Enrolment.id,
        Enrolment.worker_id,
        TrainingClass.school_org_id,
        TrainingClass.end_date,
        Worker.registered_low_income,
        Worker.monitored_household,
    ]
    if with_id_numbers:
        columns.append(Worker.id_number_enc)
    stmt = (
        select(*columns)
        .join(TrainingClass, TrainingClass.id == Enrolment.class_id)
        .join(Worker, Worker.id == Enrolment.worker_id)
        .where(
            Enrolment.status == "completed",
            TrainingClass.end_date.between(ended_from, ended_to),
            TrainingClass.county_code.like(province_code[:2] + "%"),
        )
    )
    if unpaid_for is not None:
        rule_id, beneficiary_kind, milestone = unpaid_for
        stmt = stmt.where(
            ~exists().where(
                E.kind == "accrual",
                E.rule_id == rule_id,
                E.beneficiary_kind == beneficiary_kind,
                E.enrolment_id == Enrolment.id,
                E.milestone == milestone,
            )
        )
    return session.connection().execute(stmt.order_by(Enrolment.id)).all()


def _prefilter(conditions: dict[str, Any], exclusions: Sequence[str]) -> list[ColumnElement[bool]]:
    """The conditions SQL can test cheaply, so rows that cannot qualify are not read (the service tests all)."""
    out: list[ColumnElement[bool]] = []
    if "free_transport" in exclusions:
        out.append(Placement.free_transport.is_(False))
    households = conditions.get("households") or []
    flags = [
        column.is_(True)
        for name, column in (
            ("registered_low_income", Worker.registered_low_income),
            ("monitored", Worker.monitored_household),
        )
        if name in households
    ]
    if flags:
        out.append(or_(*flags))
    if conditions.get("cross_province_only"):
        out.append(func.substr(Worker.hukou_county, 1, 2) != func.substr(Vacancy.county_code, 1, 2))
    if conditions.get("min_contract_months") is not None:
        out.append(Vacancy.contract_months >= conditions["min_contract_months"])
    if conditions.get("min_wage") is not None:
        out.append(Vacancy.wage_min >= conditions["min_wage"])
    return out


def accrual_history(session: Session, rule_id: int) -> Sequence[Any]:
    """(worker, organisation, milestone date, placement) of a rule's accruals, for its limits."""
    stmt = select(E.worker_id, E.org_id, E.milestone_date, E.placement_id).where(
        E.rule_id == rule_id, E.kind == "accrual"
    )
    return session.execute(stmt).all()


def placement(session: Session, placement_id: int) -> Placement | None:
    return session.get(Placement, placement_id)


def employers_with_open_arrears(session: Session) -> dict[int, list[int]]:
    """Employer org id -> its open wage-arrears case ids: their employer accruals wait until the cases close."""
    stmt = (
        select(RightsCase.employer_id, RightsCase.id)
        .where(
            RightsCase.kind == "wage_arrears",
            RightsCase.status.in_(ACTIVE_STATUSES),
            RightsCase.employer_id.is_not(None),
        )
        .order_by(RightsCase.id)
    )
    out: dict[int, list[int]] = {}
    for employer, case_id in session.execute(stmt):
        out.setdefault(int(employer or 0), []).append(int(case_id))
    return out


def employer_accruals(
    session: Session, today: date, statuses: Sequence[str], org_ids: Sequence[int], hold_marker: str, beneficiary: str
) -> Sequence[Any]:
    """(accrual, status, the reason of its latest hold) of employer accruals in these states, of these employers
    or held by a hold whose reason starts with `hold_marker` (the few rows the arrears job may act on)."""
    child = aliased(IncentiveEntry)
    marked = exists().where(child.corrects_id == E.id, child.kind == "hold", child.reason.startswith(hold_marker))
    latest_hold = (
        select(child.reason)
        .where(child.corrects_id == E.id, child.kind == "hold")
        .order_by(child.id.desc())
        .limit(1)
        .correlate(E)
        .scalar_subquery()
    )
    status = status_of(today)
    stmt = (
        select(E, status.label("status"), latest_hold.label("hold_reason"))
        .where(E.kind == "accrual", E.beneficiary_kind == beneficiary)
        .where(or_(E.org_id.in_(list(org_ids)), marked))
        .where(status.in_(statuses))
        .order_by(E.id)
    )
    return session.execute(stmt).all()


def insert_accruals(session: Session, rows: list[dict[str, Any]]) -> tuple[int, int]:
    """Bulk insert; a row the unique accrual index already holds (a concurrent run) is skipped, not an error.

    Returns how many rows were written and their total in fen.
    """
    if not rows:
        return 0, 0
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    # One executemany (batched by SQLAlchemy's insertmanyvalues); RETURNING counts what was written, since a
    # skipped conflict writes nothing and the drivers' rowcount is not reliable for a batched INSERT.
    table = IncentiveEntry.__table__
    stmt = insert(table).on_conflict_do_nothing().returning(table.c.amount_fen)  # type: ignore[arg-type]
    written = session.connection().execute(stmt, rows).scalars().all()
    return len(written), sum(written)


# The ledger --------------------------------------------------------------------------------------------------------


def status_of(today: date) -> ColumnElement[str | None]:
    """An accrual's state from the later entries that reference it (nothing is stored on the row)."""
    child = aliased(IncentiveEntry)

    def has(*kinds: str) -> ColumnElement[bool]:
        return exists().where(child.corrects_id == E.id, child.kind.in_(kinds))

    def count(kind: str) -> Any:
        return select(func.count()).where(child.corrects_id == E.id, child.kind == kind).correlate(E).scalar_subquery()

    return case(
        (E.kind != "accrual", None),
        (has("reversal", "clawback"), "reversed"),
        (has("payment"), "paid"),
        (count("hold") > count("release"), "held"),
        (has("approval"), "approved"),
        (E.publicity_until > today, "in_publicity"),
        else_="accrued",
    )


def _walled(stmt: Any, wall: Reach) -> Any:
    if wall.worker_owner is not None:
        stmt = stmt.join(Worker, Worker.id == E.worker_id).where(Worker.owner_org_id == wall.worker_owner)
    if wall.beneficiary_org is not None:
        stmt = stmt.where(E.org_id == wall.beneficiary_org)
    if wall.region is not None:
        stmt = stmt.where(E.province_code == wall.region)
    return stmt


def get_entry(
    session: Session, entry_id: int, wall: Reach, today: date, *, for_update: bool = False
) -> tuple[IncentiveEntry, str | None] | None:
    stmt = _walled(select(E, status_of(today)).where(E.id == entry_id), wall)
    if for_update:
        stmt = stmt.with_for_update(of=E)
    row = session.execute(stmt).first()
    return (row[0], row[1]) if row else None


def entries_page(session: Session, wall: Reach, after_id: int, limit: int, today: date, **filters: Any) -> list[Any]:
    status = status_of(today)
    stmt = _walled(select(E, status).where(E.id > after_id), wall)
    for column in ("beneficiary_kind", "org_id", "worker_id", "kind", "placement_id", "rule_id"):
        if filters.get(column) is not None:
            stmt = stmt.where(getattr(E, column) == filters[column])
    if filters.get("status") is not None:
        stmt = stmt.where(status == filters["status"])
    return list(session.execute(stmt.order_by(E.id).limit(limit)))


def in_batch(session: Session, entry_ids: Iterable[int]) -> set[int]:
    ids = list(entry_ids)
    if not ids:
        return set()
    stmt = select(IncentiveBatchItem.entry_id).where(IncentiveBatchItem.entry_id.in_(ids))
    return set(session.scalars(stmt))


def balance(session: Session, org_id: int, today: date) -> dict[str, int]:
    status = status_of(today).label("status")
    inner = select(E.amount_fen, status).where(E.org_id == org_id, E.kind == "accrual").subquery()
    stmt = select(inner.c.status, func.coalesce(func.sum(inner.c.amount_fen), 0)).group_by(inner.c.status)
    return {s: int(total) for s, total in session.execute(stmt)}


# Batches -----------------------------------------------------------------------------------------------------------


def approved_unbatched(session: Session, province_code: str, today: date, entry_ids: list[int] | None) -> list[int]:
    status = status_of(today)
    stmt = select(E.id).where(
        E.kind == "accrual",
        E.province_code == province_code,
        status == "approved",
        ~exists().where(IncentiveBatchItem.entry_id == E.id),
    )
    if entry_ids is not None:
        stmt = stmt.where(E.id.in_(entry_ids))
    return list(session.scalars(stmt.order_by(E.id)))


def get_batch(session: Session, batch_id: int, wall: Reach, *, for_update: bool = False) -> IncentiveBatch | None:
    stmt = select(IncentiveBatch).where(IncentiveBatch.id == batch_id)
    if wall.region is not None:
        stmt = stmt.where(IncentiveBatch.province_code == wall.region)
    if for_update:
        stmt = stmt.with_for_update()
    return session.scalars(stmt).first()


def batches_page(session: Session, wall: Reach, after_id: int, limit: int) -> list[IncentiveBatch]:
    stmt = select(IncentiveBatch).where(IncentiveBatch.id > after_id)
    if wall.region is not None:
        stmt = stmt.where(IncentiveBatch.province_code == wall.region)
    return list(session.scalars(stmt.order_by(IncentiveBatch.id).limit(limit)))


def batch_totals(session: Session, batch_ids: list[int]) -> dict[int, tuple[int, int]]:
    if not batch_ids:
        return {}
    stmt = (
        select(IncentiveBatchItem.batch_id, func.count(), func.coalesce(func.sum(E.amount_fen), 0))
        .join(E, E.id == IncentiveBatchItem.entry_id)
        .where(IncentiveBatchItem.batch_id.in_(batch_ids))
        .group_by(IncentiveBatchItem.batch_id)
    )
    return {bid: (int(n), int(total)) for bid, n, total in session.execute(stmt)}


def batch_lines(session: Session, batch_id: int, today: date) -> Sequence[Any]:
    """Each accrual of a batch with its payee, rule version and state, for payment and the export."""
    stmt = (
        select(E, status_of(today), RV.name, Worker.name, Worker.id_number_masked, Worker.id_number_enc, Org.name)
        .join(IncentiveBatchItem, IncentiveBatchItem.entry_id == E.id)
        .join(RV, and_(RV.rule_id == E.rule_id, RV.version == E.rule_version))
        .outerjoin(Worker, Worker.id == E.worker_id)
        .outerjoin(Org, Org.id == E.org_id)
        .where(IncentiveBatchItem.batch_id == batch_id)
        .order_by(E.id)
    )
    return session.execute(stmt).all()


# Spend per placement that lasted -----------------------------------------------------------------------------------


def net_spend_by_placement(session: Session, start_from: date, start_to: date) -> Sequence[Any]:
    """Net money per placement started in the window: accruals less reversals and clawbacks."""
    stmt = (
        select(E.placement_id, func.sum(E.amount_fen))
        .join(Placement, Placement.id == E.placement_id)
        .where(E.kind.in_(("accrual", "reversal", "clawback")), Placement.start_date.between(start_from, start_to))
        .group_by(E.placement_id)
    )
    return session.execute(stmt).all()


def placements_for_cost(session: Session, start_from: date, start_to: date) -> Sequence[Any]:
    stmt = (
        select(Placement.id, Placement.start_date, Placement.end_date, Worker.hukou_county, Vacancy.county_code)
        .join(Worker, Worker.id == Placement.worker_id)
        .join(Vacancy, Vacancy.id == Placement.vacancy_id)
        .where(Placement.start_date.between(start_from, start_to))
    )
    return session.execute(stmt).all()
