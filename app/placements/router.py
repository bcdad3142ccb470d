"""HTTP routes for placements and their follow-ups."""

from fastapi import APIRouter, BackgroundTasks, Request
from fastapi.responses import Response

from app import errors as e
from app.departure.hooks import rescore_after_follow_up
from app.deps import IdempotencyKey, IfMatch, PrincipalDep, SessionDep, VaultDep
from app.http import Cursor, Limit, PathId, QueryId, etag, if_match_version, json_response
from app.idempotency.service import run_once
from app.placements import service
from app.placements.models import Placement
from app.placements.schemas import (
    FollowUpCreate,
    FollowUpRead,
    PlacementCreate,
    PlacementEnded,
    PlacementRead,
    PlacementStatus,
    PlacementUpdate,
)
from app.rights.ties import suggested_case
from app.schemas import IsoDate, Page, decode_cursor, paginate

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
        headers = {"ETag": _etag(placement), "Location": f"{request.url.path}/{placement.id}"}
        return json_response(service.to_read(placement), 201, headers)

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
    status: PlacementStatus | None = None,
    started_from: IsoDate | None = None,
    started_to: IsoDate | None = None,
) -> Page[PlacementRead]:
    """Placements the caller may see: its workers', its vacancies', or the ones it referred.

    `status`: upcoming (starts after today), active (started, not ended) or ended.
    """
    rows = service.list_placements(
        session,
        principal,
        decode_cursor(cursor),
        limit + 1,
        worker_id=worker_id,
        vacancy_id=vacancy_id,
        referred_by=referred_by,
        active=active,
        status=status,
        started_from=started_from,
        started_to=started_to,
    )
    return paginate(rows, limit, lambda shown: [service.to_read(p) for p in shown])


@router.get("/{placement_id:int}", response_model=PlacementRead, responses=e.responses(e.NotFound) | COMMON)
def get_placement(placement_id: PathId, session: SessionDep, principal: PrincipalDep) -> Response:
    """One placement; its ETag goes back as If-Match when recording the end."""
    placement = service.get_placement(session, principal, placement_id)
    return json_response(service.to_read(placement), headers={"ETag": _etag(placement)})


@router.patch(
    "/{placement_id:int}",
    response_model=PlacementEnded,
    responses=e.responses(e.NotFound, e.Conflict, e.PreconditionFailed, e.PreconditionRequired) | COMMON,
)
def end_placement(
    placement_id: PathId,
    body: PlacementUpdate,
    session: SessionDep,
    principal: PrincipalDep,
    if_match: IfMatch = None,
) -> Response:
    """Record that a placement ended, when and why (the reason drives support and re-matching).

    Send the ETag you read as If-Match (428 without it); 409 if its end is already recorded. An end over a
    dispute, an injury or pay answers with `suggested_case`.
    """
    version = if_match_version(if_match, placement_id)
    placement = service.end_placement(session, principal, placement_id, body, version)
    ended = PlacementEnded.model_validate(
        {**service.to_read(placement).model_dump(), "suggested_case": suggested_case(placement.end_reason)}
    )
    return json_response(ended, headers={"ETag": _etag(placement)})


def _etag(placement: Placement) -> str:
    return etag(placement.id, placement.version)


@router.post(
    "/{placement_id:int}/follow-ups",
    status_code=201,
    response_model=FollowUpRead,
    responses=e.responses(e.NotFound, e.Duplicate) | COMMON,
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
    """Note a phone call, visit or message with a placed worker and how it went.

    Clients that retry must send an Idempotency-Key: the retry then gets the first answer. Without one, the
    same placement, date, contact and outcome within a minute is refused as a duplicate (409 `duplicate`,
    with `existing_id`).
    """

    def act() -> Response:
        follow_up = service.add_follow_up(session, principal, placement_id, body, refuse_twins=not idempotency_key)
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


@router.get(
    "/{placement_id:int}/follow-ups", response_model=Page[FollowUpRead], responses=e.responses(e.NotFound) | COMMON
)
def list_follow_ups(
    placement_id: PathId, session: SessionDep, principal: PrincipalDep, limit: Limit = 50, cursor: Cursor = None
) -> Page[FollowUpRead]:
    """A placement's follow-ups, oldest first."""
    rows = service.list_follow_ups(session, principal, placement_id, decode_cursor(cursor), limit + 1)
    return paginate(rows, limit, lambda shown: [FollowUpRead.model_validate(f) for f in shown])
