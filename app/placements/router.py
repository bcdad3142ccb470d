"""HTTP routes for placements and their follow-ups."""

from datetime import date

from fastapi import APIRouter, BackgroundTasks, Request
from fastapi.responses import Response

from app import errors as e
from app.departure.hooks import rescore_after_follow_up
from app.deps import IdempotencyKey, PrincipalDep, SessionDep, VaultDep
from app.http import Cursor, Limit, PathId, QueryId, json_response
from app.idempotency.service import run_once
from app.placements import service
from app.placements.schemas import (
    FollowUpCreate,
    FollowUpRead,
    PlacementCreate,
    PlacementRead,
    PlacementUpdate,
)
from app.schemas import Page, decode_cursor, paginate

router = APIRouter(prefix="/placements", tags=["placements"])
COMMON = e.responses(e.Unauthenticated, e.Forbidden, e.ValidationFailed)


@router.post("", status_code=201, response_model=PlacementRead, responses=e.responses(e.NotFound, e.Conflict) | COMMON)
def create_placement(
    body: PlacementCreate,
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    vault: VaultDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Record a hire: 409 if the vacancy is closed or full, or the worker is already placed."""

    def act() -> Response:
        placement = service.create_placement(session, principal, body, vault)
        return json_response(service.to_read(placement), 201, {"Location": f"{request.url.path}/{placement.id}"})

    return run_once(session, principal.org_id, idempotency_key, "POST /placements", body.model_dump(), act)


@router.get("", response_model=Page[PlacementRead], responses=COMMON)
def list_placements(
    session: SessionDep,
    principal: PrincipalDep,
    limit: Limit = 50,
    cursor: Cursor = None,
    worker_id: QueryId = None,
    vacancy_id: QueryId = None,
    referred_by: QueryId = None,
    active: bool | None = None,
    started_from: date | None = None,
    started_to: date | None = None,
) -> Page[PlacementRead]:
    """Placements the caller may see: its workers', its vacancies', or the ones it referred."""
    rows = service.list_placements(
        session,
        principal,
        decode_cursor(cursor),
        limit + 1,
        worker_id=worker_id,
        vacancy_id=vacancy_id,
        referred_by=referred_by,
        active=active,
        started_from=started_from,
        started_to=started_to,
    )
    return paginate(rows, limit, lambda shown: [service.to_read(p) for p in shown])


@router.get("/{placement_id}", response_model=PlacementRead, responses=e.responses(e.NotFound) | COMMON)
def get_placement(placement_id: PathId, session: SessionDep, principal: PrincipalDep) -> PlacementRead:
    """One placement."""
    return service.to_read(service.get_placement(session, principal, placement_id))


@router.patch("/{placement_id}", response_model=PlacementRead, responses=e.responses(e.NotFound) | COMMON)
def end_placement(
    placement_id: PathId, body: PlacementUpdate, session: SessionDep, principal: PrincipalDep
) -> PlacementRead:
    """Record that a placement ended, when and why (the reason drives support and re-matching)."""
    return service.to_read(service.end_placement(session, principal, placement_id, body))


@router.post(
    "/{placement_id}/follow-ups",
    status_code=201,
    response_model=FollowUpRead,
    responses=e.responses(e.NotFound) | COMMON,
)
def add_follow_up(
    placement_id: PathId,
    body: FollowUpCreate,
    request: Request,
    background: BackgroundTasks,
    session: SessionDep,
    principal: PrincipalDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Note a phone call, visit or message with a placed worker and how it went."""

    def act() -> Response:
        follow_up = service.add_follow_up(session, principal, placement_id, body)
        # Departure risk is rescored after the response (and the commit), from the stored model only.
        background.add_task(rescore_after_follow_up, request.app, placement_id)
        return json_response(FollowUpRead.model_validate(follow_up), 201)

    return run_once(
        session,
        principal.org_id,
        idempotency_key,
        f"POST /placements/{placement_id}/follow-ups",
        body.model_dump(),
        act,
    )


@router.get("/{placement_id}/follow-ups", response_model=Page[FollowUpRead], responses=e.responses(e.NotFound) | COMMON)
def list_follow_ups(
    placement_id: PathId, session: SessionDep, principal: PrincipalDep, limit: Limit = 50, cursor: Cursor = None
) -> Page[FollowUpRead]:
    """A placement's follow-ups, oldest first."""
    rows = service.list_follow_ups(session, principal, placement_id, decode_cursor(cursor), limit + 1)
    return paginate(rows, limit, lambda shown: [FollowUpRead.model_validate(f) for f in shown])
