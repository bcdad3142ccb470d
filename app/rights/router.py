"""HTTP routes for rights cases (权益保障) and their events."""

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app import errors as e
from app.deps import IdempotencyKey, PrincipalDep, SessionDep, SettingsDep
from app.http import Cursor, Limit, PathId, QueryId, json_response
from app.idempotency.service import run_once
from app.rights import service
from app.rights.schemas import CaseCreate, CaseDetail, CaseKind, CaseRead, CaseStatus, EventCreate
from app.schemas import Page, decode_cursor, paginate

router = APIRouter(prefix="/cases", tags=["rights cases"])
COMMON = e.responses(e.Unauthenticated, e.Forbidden, e.ValidationFailed)


@router.post("", status_code=201, response_model=CaseDetail, responses=e.responses(e.NotFound, e.Conflict) | COMMON)
def open_case(
    body: CaseCreate,
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    settings: SettingsDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Open a rights case; with `placement_id` (or `from_placement`) the worker, employer and workplace come with it.

    The first-contact and acceptance clocks start today, counted in Chinese working days.
    """

    def act() -> Response:
        case = service.open_case(session, principal, body, settings)
        _, reach = service.get_case(session, principal, case.id)  # every kind that opens a case reads it
        read = service.to_read(session, case, reach, with_events=True)
        return json_response(read, 201, {"Location": f"{request.url.path}/{case.id}"})

    return run_once(session, principal.org_id, idempotency_key, "POST /cases", body.model_dump(), act)


@router.get("", response_model=Page[CaseRead], responses=COMMON)
def list_cases(
    session: SessionDep,
    principal: PrincipalDep,
    limit: Limit = 50,
    cursor: Cursor = None,
    kind: CaseKind | None = None,
    status: CaseStatus | None = None,
    overdue: bool | None = None,
    employer_id: QueryId = None,
) -> Page[CaseRead]:
    """Cases the caller may see; `overdue=true`: a running clock's due date has passed (China Standard Time)."""
    rows, reach = service.list_cases(
        session,
        principal,
        decode_cursor(cursor),
        limit + 1,
        kind=kind,
        status=status,
        overdue=overdue,
        employer_id=employer_id,
    )
    return paginate(rows, limit, lambda shown: [service.to_read(session, c, reach) for c in shown])


@router.get("/{case_id:int}", response_model=CaseDetail, responses=e.responses(e.NotFound) | COMMON)
def get_case(case_id: PathId, session: SessionDep, principal: PrincipalDep) -> Response:
    """One case with `due_on`, `overdue` and its append-only `events`, oldest first."""
    case, reach = service.get_case(session, principal, case_id)
    return json_response(service.to_read(session, case, reach, with_events=True))


@router.post(
    "/{case_id:int}/events",
    status_code=201,
    response_model=CaseDetail,
    responses=e.responses(e.NotFound, e.Conflict) | COMMON,
)
def add_event(
    case_id: PathId,
    body: EventCreate,
    session: SessionDep,
    principal: PrincipalDep,
    settings: SettingsDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Record an action: contact, accept, refer, start, note, resolve, reject, withdraw, reopen, escalate, assign.

    `resolve` needs `outcome` and `amount_recovered_fen` (0 allowed), `reject` a `reason`, `refer` an
    `external_ref`, `assign` an `assigned_org_id`; 409 when the case's status does not allow the action.
    """

    def act() -> Response:
        case = service.add_event(session, principal, case_id, body, settings)
        _, reach = service.get_case(session, principal, case.id)
        return json_response(service.to_read(session, case, reach, with_events=True), 201)

    return run_once(session, principal.org_id, idempotency_key, f"POST /cases/{case_id}/events", body.model_dump(), act)
