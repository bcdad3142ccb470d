"""HTTP routes for consultation actions on a pairing: record (province), follow (both sides), close (owner)."""

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app import errors as e
from app.consultation import service
from app.consultation.models import ConsultationAction
from app.consultation.schemas import ActionCreate, ActionDetail, ActionRead, ActionStatus, ActionUpdate
from app.deps import IdempotencyKey, IfMatch, PrincipalDep, SessionDep
from app.http import Cursor, Limit, PathId, etag, if_match_version, json_response
from app.idempotency.service import run_once
from app.schemas import Page, decode_cursor, paginate

router = APIRouter(prefix="/pairings/{pairing_id:int}/actions", tags=["consultation actions"])
COMMON = e.responses(e.Unauthenticated, e.Forbidden, e.ValidationFailed, e.NotFound)


def _detail(session: SessionDep, action: ConsultationAction, status_code: int = 200) -> Response:
    return json_response(service.to_detail(session, action), status_code, {"ETag": etag(action.id, action.version)})


@router.post("", status_code=201, response_model=ActionDetail, responses=e.responses(e.Conflict) | COMMON)
def create_action(
    pairing_id: PathId,
    body: ActionCreate,
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Record what a monthly consultation agreed to do on this pairing, who answers for it and by when (province)."""

    def act() -> Response:
        action = service.create_action(session, principal, pairing_id, body)
        response = _detail(session, action, 201)
        response.headers["Location"] = f"{request.url.path}/{action.id}"
        return response

    key = f"POST /pairings/{pairing_id}/actions"
    return run_once(session, principal.org_id, idempotency_key, key, body.model_dump(), act)


@router.get("", response_model=Page[ActionRead], responses=COMMON)
def list_actions(
    pairing_id: PathId,
    session: SessionDep,
    principal: PrincipalDep,
    limit: Limit = 50,
    cursor: Cursor = None,
    status: ActionStatus | None = None,
    overdue: bool | None = None,
) -> Page[ActionRead]:
    """The pairing's actions, oldest first; `overdue=true`: still open after their due date (China Standard Time)."""
    rows = service.list_actions(
        session, principal, pairing_id, decode_cursor(cursor), limit + 1, status=status, overdue=overdue
    )
    return paginate(rows, limit, lambda shown: service.to_reads(session, shown))


@router.get("/{action_id:int}", response_model=ActionDetail, responses=COMMON)
def get_action(pairing_id: PathId, action_id: PathId, session: SessionDep, principal: PrincipalDep) -> Response:
    """One action with its append-only history, and the ETag a change must send as If-Match."""
    return _detail(session, service.get_action(session, principal, pairing_id, action_id))


@router.patch(
    "/{action_id:int}",
    response_model=ActionDetail,
    responses=e.responses(e.Conflict, e.PreconditionFailed, e.PreconditionRequired) | COMMON,
)
def update_action(
    pairing_id: PathId,
    action_id: PathId,
    body: ActionUpdate,
    session: SessionDep,
    principal: PrincipalDep,
    if_match: IfMatch = None,
) -> Response:
    """Report progress or close the action (its owner: status, closing_note), or change it (a provincial office).

    `done` and `dropped` need a closing_note; a closed action is reopened as `in_progress`. Send the ETag you read as
    If-Match (428 without it, 412 if the action changed since).
    """
    service.check_writer(principal)  # a key without the right hears 403 before anything about If-Match
    action = service.update_action(
        session, principal, pairing_id, action_id, body, if_match_version(if_match, action_id)
    )
    return _detail(session, action)
