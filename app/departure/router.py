"""HTTP routes for risk flags: the at-risk list and officers' reviews of a flag."""

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from app import errors as e
from app.departure import flags
from app.departure.schemas import AtRiskItem, FlagReviewAnswer, FlagReviewCreate, FlagReviewRead
from app.deps import IdempotencyKey, PrincipalDep, SessionDep, SettingsDep
from app.http import Cursor, Limit, PathId, json_response
from app.idempotency.service import run_once
from app.schemas import Page, decode_cursor, paginate

router = APIRouter(prefix="/placements", tags=["departure risk"])
COMMON = e.responses(e.Unauthenticated, e.Forbidden, e.ValidationFailed)


@router.get("/at-risk", response_model=Page[AtRiskItem], responses=COMMON)
def at_risk(
    session: SessionDep,
    principal: PrincipalDep,
    horizon: int = Query(90, description="30, 90 or 180 days from the start"),
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[AtRiskItem]:
    """Active placements the caller may see, most likely to end early first, with reasons and an action."""
    return flags.at_risk(session, principal, horizon, flags.decode_risk_cursor(cursor), limit)


@router.post(
    "/{placement_id:int}/flag-reviews",
    status_code=201,
    response_model=FlagReviewAnswer,
    responses=e.responses(e.NotFound, e.Conflict) | COMMON,
)
def add_flag_review(
    placement_id: PathId,
    body: FlagReviewCreate,
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    settings: SettingsDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Answer a flag (contacted, dismissed, escalated); the model's risk at that moment is kept beside it.

    `escalated` with `open_case: {kind, summary}` also opens a rights case on the placement, in the same
    transaction: the review and the case are both written or neither is.
    """

    def act() -> Response:
        return json_response(flags.add_review(session, principal, placement_id, body, settings), 201)

    route = f"POST /placements/{placement_id}/flag-reviews"
    return run_once(session, principal.org_id, idempotency_key, route, body.model_dump(), act)


@router.get(
    "/{placement_id:int}/flag-reviews", response_model=Page[FlagReviewRead], responses=e.responses(e.NotFound) | COMMON
)
def list_flag_reviews(
    placement_id: PathId, session: SessionDep, principal: PrincipalDep, limit: Limit = 50, cursor: Cursor = None
) -> Page[FlagReviewRead]:
    """Every answer to this placement's flags, oldest first."""
    rows = flags.list_reviews(session, principal, placement_id, decode_cursor(cursor), limit + 1)
    return paginate(rows, limit, lambda shown: [FlagReviewRead.model_validate(r) for r in shown])
