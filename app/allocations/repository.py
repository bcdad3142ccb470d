"""Every query on allocations and their items."""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, insert, or_, select
from sqlalchemy.orm import Session

from app.allocations.models import Allocation, AllocationItem
from app.authz import OrgKind
from app.orgs.models import Org
from app.reference.models import Division, Pairing
from app.workers.models import Worker


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


def get_provincial_with_workers_of(session: Session, allocation_id: int, county_org: int) -> Allocation | None:
    """A provincial office's proposal holding at least one item whose worker the county office owns."""
    stmt = (
        select(Allocation)
        .join(Org, Org.id == Allocation.org_id)
        .where(Allocation.id == allocation_id, Org.kind == OrgKind.provincial_office, _holds_workers_of(county_org))
    )
    return session.scalars(stmt).first()


def _holds_workers_of(county_org: int) -> ColumnElement[bool]:
    mine = (
        select(AllocationItem.id)
        .join(Worker, Worker.id == AllocationItem.worker_id)
        .where(AllocationItem.allocation_id == Allocation.id, Worker.owner_org_id == county_org)
    )
    return mine.exists()


def org_kind(session: Session, org_id: int) -> str | None:
    return session.scalar(select(Org.kind).where(Org.id == org_id))


def page(
    session: Session, org_id: int | None, after_id: int, limit: int, with_workers_of: int | None = None
) -> list[Allocation]:
    """Proposals by `org_id` (None: all), plus provincial ones holding items of `with_workers_of`'s workers."""
    stmt = select(Allocation).where(Allocation.id > after_id)
    if org_id is not None:
        own = Allocation.org_id == org_id
        if with_workers_of is not None:
            provincial = select(Org.id).where(Org.kind == OrgKind.provincial_office)
            own = or_(own, and_(Allocation.org_id.in_(provincial), _holds_workers_of(with_workers_of)))
        stmt = stmt.where(own)
    return list(session.scalars(stmt.order_by(Allocation.id).limit(limit)))


def _of_workers(stmt: Select[Any], worker_owner: int | None) -> Select[Any]:
    if worker_owner is None:
        return stmt
    return stmt.join(Worker, Worker.id == AllocationItem.worker_id).where(Worker.owner_org_id == worker_owner)


def items(
    session: Session,
    allocation_id: int,
    after_id: int,
    limit: int,
    status: str | None = None,
    worker_owner: int | None = None,
) -> list[AllocationItem]:
    """A page of items; `worker_owner` keeps only the items of that county office's workers."""
    stmt = select(AllocationItem).where(AllocationItem.allocation_id == allocation_id, AllocationItem.id > after_id)
    if status is not None:
        stmt = stmt.where(AllocationItem.status == status)
    stmt = _of_workers(stmt, worker_owner)
    return list(session.scalars(stmt.order_by(AllocationItem.id).limit(limit)))


def get_item(
    session: Session,
    allocation_id: int,
    item_id: int,
    *,
    for_update: bool = False,
    worker_owner: int | None = None,
) -> AllocationItem | None:
    stmt = select(AllocationItem).where(AllocationItem.id == item_id, AllocationItem.allocation_id == allocation_id)
    stmt = _of_workers(stmt, worker_owner)
    if for_update:
        stmt = stmt.with_for_update(of=AllocationItem)
    return session.scalars(stmt).first()


def existing_pairings(session: Session, ids: Sequence[int]) -> set[int]:
    return set(session.scalars(select(Pairing.id).where(Pairing.id.in_(list(ids))))) if ids else set()


def county_exists(session: Session, code: str) -> bool:
    stmt = select(Division.code).where(Division.code == code, Division.level == "county")
    return session.scalar(stmt) is not None
