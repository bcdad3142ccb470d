"""HTTP routes for allocation proposals and the decisions on their items."""

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from app import errors as e
from app.allocations import service
from app.allocations.schemas import AllocationCreate, AllocationDetail, AllocationItemRead, AllocationRead, ItemDecision
from app.deps import IdempotencyKey, MatcherDep, PrincipalDep, SessionDep, VaultDep
from app.http import Cursor, Limit, PathId, json_response
from app.idempotency.service import run_once
from app.schemas import Page, decode_cursor, paginate

router = APIRouter(prefix="/allocations", tags=["allocations"])
COMMON = e.responses(e.Unauthenticated, e.Forbidden, e.ValidationFailed)
ItemStatus = Annotated[
    Literal["proposed", "accepted", "rejected"] | None, Query(description="only items in this state")
]


# Sync routes run in the threadpool: the solve (seconds for a province) never blocks the event loop.
@router.post("", status_code=201, response_model=AllocationRead, responses=COMMON)
def create_allocation(
    body: AllocationCreate,
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    vault: VaultDep,
    matcher: MatcherDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Propose jobs for unplaced workers that maximise placements expected to last 90 days, within headcount."""

    def act() -> Response:
        allocation = service.create_allocation(session, principal, matcher, vault, body)
        return json_response(service.to_read(allocation), 201, {"Location": f"{request.url.path}/{allocation.id}"})

    return run_once(session, principal.org_id, idempotency_key, "POST /allocations", body.model_dump(), act)


@router.get("", response_model=Page[AllocationRead], responses=COMMON)
def list_allocations(
    session: SessionDep, principal: PrincipalDep, limit: Limit = 50, cursor: Cursor = None
) -> Page[AllocationRead]:
    """Proposals the caller asked for (the province sees every county's)."""
    rows = service.list_allocations(session, principal, decode_cursor(cursor), limit + 1)
    return paginate(rows, limit, lambda shown: [service.to_read(a) for a in shown])


@router.get("/{allocation_id:int}", response_model=AllocationDetail, responses=e.responses(e.NotFound) | COMMON)
def get_allocation(
    allocation_id: PathId,
    session: SessionDep,
    principal: PrincipalDep,
    limit: Limit = 50,
    cursor: Cursor = None,
    status: ItemStatus = None,
) -> AllocationDetail:
    """One proposal with a page of its items (worker, vacancy, score, reasons, decision)."""
    allocation, rows = service.list_items(session, principal, allocation_id, decode_cursor(cursor), limit + 1, status)
    page = paginate(rows, limit, lambda shown: [service.item_read(i) for i in shown])
    return AllocationDetail(**service.to_read(allocation).model_dump(), items=page.items, next_cursor=page.next_cursor)


@router.post(
    "/{allocation_id:int}/items/{item_id:int}/accept",
    response_model=AllocationItemRead,
    responses=e.responses(e.NotFound, e.Conflict) | COMMON,
)
def accept_item(
    allocation_id: PathId,
    item_id: PathId,
    session: SessionDep,
    principal: PrincipalDep,
    vault: VaultDep,
    body: ItemDecision | None = None,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Record the proposed hire as a placement: 409 if the vacancy filled or closed, or the worker was placed."""
    decision = body or ItemDecision()

    def act() -> Response:
        item = service.accept_item(session, principal, vault, allocation_id, item_id, decision)
        return json_response(service.item_read(item))

    route = f"POST /allocations/{allocation_id}/items/{item_id}/accept"
    return run_once(session, principal.org_id, idempotency_key, route, decision.model_dump(), act)


@router.post(
    "/{allocation_id:int}/items/{item_id:int}/reject",
    response_model=AllocationItemRead,
    responses=e.responses(e.NotFound, e.Conflict) | COMMON,
)
def reject_item(
    allocation_id: PathId,
    item_id: PathId,
    session: SessionDep,
    principal: PrincipalDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Decline a proposed item; the worker and the place stay free for another match."""

    def act() -> Response:
        return json_response(service.item_read(service.reject_item(session, principal, allocation_id, item_id)))

    route = f"POST /allocations/{allocation_id}/items/{item_id}/reject"
    return run_once(session, principal.org_id, idempotency_key, route, {}, act)
