"""Every query on allocations and their items."""

from collections.abc import Sequence
from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from app.allocations.models import Allocation, AllocationItem
from app.placements.models import Placement
from app.reference.models import Division, Pairing
from app.vacancies.models import Vacancy


def add(session: Session, allocation: Allocation) -> Allocation:
    session.add(allocation)
    session.flush()
    return allocation


def add_items(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Bulk insert: a province-wide proposal has thousands of items."""
    if rows:
        session.execute(insert(AllocationItem), list(rows))


def get(session: Session, allocation_id: int, org_id: int | None) -> Allocation | None:
    """One allocation; `org_id` walls it to the org that asked for it (None: the province reads all)."""
    stmt = select(Allocation).where(Allocation.id == allocation_id)
    if org_id is not None:
        stmt = stmt.where(Allocation.org_id == org_id)
    return session.scalars(stmt).first()


def page(session: Session, org_id: int | None, after_id: int, limit: int) -> list[Allocation]:
    stmt = select(Allocation).where(Allocation.id > after_id)
    if org_id is not None:
        stmt = stmt.where(Allocation.org_id == org_id)
    return list(session.scalars(stmt.order_by(Allocation.id).limit(limit)))


def items(
    session: Session, allocation_id: int, after_id: int, limit: int, status: str | None = None
) -> list[AllocationItem]:
    stmt = select(AllocationItem).where(AllocationItem.allocation_id == allocation_id, AllocationItem.id > after_id)
    if status is not None:
        stmt = stmt.where(AllocationItem.status == status)
    return list(session.scalars(stmt.order_by(AllocationItem.id).limit(limit)))


def get_item(session: Session, allocation_id: int, item_id: int, *, for_update: bool = False) -> AllocationItem | None:
    stmt = select(AllocationItem).where(AllocationItem.id == item_id, AllocationItem.allocation_id == allocation_id)
    if for_update:
        stmt = stmt.with_for_update()
    return session.scalars(stmt).first()


def pairings(session: Session) -> pd.DataFrame:
    """Every pairing with its level, to name the pairing an edge runs through."""
    result = session.execute(select(Pairing.id, Pairing.east_code, Pairing.west_code, Pairing.level))
    return pd.DataFrame(result.all(), columns=["pairing_id", "east_code", "west_code", "level"])


def existing_pairings(session: Session, ids: Sequence[int]) -> set[int]:
    return set(session.scalars(select(Pairing.id).where(Pairing.id.in_(list(ids))))) if ids else set()


def county_exists(session: Session, code: str) -> bool:
    stmt = select(Division.code).where(Division.code == code, Division.level == "county")
    return session.scalar(stmt) is not None


def disputed_employers(session: Session, since: date) -> dict[int, list[int]]:
    """Per worker, employers of placements they ended in a dispute on or after `since` (one query for all)."""
    stmt = (
        select(Placement.worker_id, Vacancy.employer_org_id)
        .join(Vacancy, Vacancy.id == Placement.vacancy_id)
        .where(Placement.end_reason == "dispute", Placement.end_date >= since)
    )
    out: dict[int, set[int]] = {}
    for worker_id, employer in session.execute(stmt):
        out.setdefault(int(worker_id), set()).add(int(employer))
    return {w: sorted(e) for w, e in out.items()}
