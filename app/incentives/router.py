"""HTTP routes for incentive rules, the ledger and its decisions, payment batches and balances."""

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from app import errors as e
from app.deps import IdempotencyKey, IfMatch, PrincipalDep, SessionDep, VaultDep
from app.http import Cursor, Limit, PathId, QueryId, etag, if_match_version, json_response
from app.idempotency.service import run_once
from app.incentives import service
from app.incentives.schemas import (
    BalanceRead,
    BatchCreate,
    BatchPaid,
    BatchRead,
    Beneficiary,
    BulkApprove,
    ClawbackCreate,
    Decision,
    EntryKind,
    EntryRead,
    ReasonRequired,
    RuleCreate,
    RuleRead,
    RuleUpdate,
    SimulationRead,
    Status,
)
from app.schemas import IsoDate, Page, decode_cursor, paginate

router = APIRouter(prefix="/incentives", tags=["incentives"])
COMMON = e.responses(e.Unauthenticated, e.Forbidden, e.ValidationFailed)
DECIDE = e.responses(e.NotFound, e.Conflict) | COMMON
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.post("/rules", status_code=201, response_model=RuleRead, responses=COMMON)
def create_rule(
    body: RuleCreate,
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """A provincial office adds a reward-subsidy rule for its own province (version 1)."""

    def act() -> Response:
        rule = service.create_rule(session, principal, body)
        headers = {"ETag": etag(rule.id, rule.version), "Location": f"{request.url.path}/{rule.id}"}
        return json_response(rule, 201, headers)

    return run_once(
        session, principal.org_id, idempotency_key, "POST /incentives/rules", body.model_dump(mode="json"), act
    )


@router.get("/rules", response_model=Page[RuleRead], responses=COMMON)
def list_rules(
    session: SessionDep,
    principal: PrincipalDep,
    limit: Limit = 50,
    cursor: Cursor = None,
    province_code: Annotated[str | None, Query(pattern=r"^\d{2}0000$")] = None,
) -> Page[RuleRead]:
    """Rules in force (a provincial office also sees expired ones), each as its current version."""
    rows = service.list_rules(session, principal, decode_cursor(cursor), limit + 1, province_code)
    return paginate(rows, limit, lambda shown: shown)


@router.get("/rules/{rule_id:int}", response_model=RuleRead, responses=e.responses(e.NotFound) | COMMON)
def get_rule(rule_id: PathId, session: SessionDep, principal: PrincipalDep) -> Response:
    """One rule's current version; its ETag goes back as If-Match when editing."""
    rule = service.get_rule(session, principal, rule_id)
    return json_response(rule, headers={"ETag": etag(rule.id, rule.version)})


@router.patch(
    "/rules/{rule_id:int}",
    response_model=RuleRead,
    responses=e.responses(e.NotFound, e.PreconditionFailed, e.PreconditionRequired) | COMMON,
)
def update_rule(
    rule_id: PathId, body: RuleUpdate, session: SessionDep, principal: PrincipalDep, if_match: IfMatch = None
) -> Response:
    """Edit a rule: the whole rule is sent and becomes a new version; entries keep the version they were made under."""
    version = if_match_version(if_match, rule_id)
    rule = service.update_rule(session, principal, rule_id, body, version)
    return json_response(rule, headers={"ETag": etag(rule.id, rule.version)})


@router.post("/rules/{rule_id:int}/simulate", response_model=SimulationRead, responses=e.responses(e.NotFound) | COMMON)
def simulate_rule(
    rule_id: PathId,
    session: SessionDep,
    principal: PrincipalDep,
    vault: VaultDep,
    date_from: Annotated[IsoDate, Query(alias="from")],
    date_to: Annotated[IsoDate, Query(alias="to")],
) -> Response:
    """What the rule would have cost on past placements whose milestone fell in [from, to]; nothing is written."""
    result = service.simulate(session, principal, rule_id, date_from, date_to, vault)
    return Response(result.model_dump_json(by_alias=True), media_type="application/json")


@router.get("/ledger", response_model=Page[EntryRead], responses=COMMON)
def list_ledger(
    session: SessionDep,
    principal: PrincipalDep,
    limit: Limit = 50,
    cursor: Cursor = None,
    beneficiary_kind: Annotated[Beneficiary | None, Query()] = None,
    org_id: QueryId = None,
    worker_id: QueryId = None,
    placement_id: QueryId = None,
    rule_id: QueryId = None,
    kind: Annotated[EntryKind | None, Query()] = None,
    status: Annotated[Status | None, Query(description="accruals in this state")] = None,
) -> Page[EntryRead]:
    """Ledger entries: each party its own, a county office its workers', the province all; oldest first."""
    rows = service.list_entries(
        session,
        principal,
        decode_cursor(cursor),
        limit + 1,
        beneficiary_kind=beneficiary_kind,
        org_id=org_id,
        worker_id=worker_id,
        placement_id=placement_id,
        rule_id=rule_id,
        kind=kind,
        status=status,
    )
    return paginate(rows, limit, lambda shown: shown)


@router.post("/ledger/approve", response_model=list[EntryRead], responses=DECIDE)
def approve_many(
    body: BulkApprove, session: SessionDep, principal: PrincipalDep, idempotency_key: IdempotencyKey = None
) -> Response:
    """Approve many accruals at once (after publicity): all of them, or none with the reason for each."""

    def act() -> Response:
        return json_response(service.approve_many(session, principal, body.ids))

    return run_once(
        session, principal.org_id, idempotency_key, "POST /incentives/ledger/approve", body.model_dump(), act
    )


def _decide(
    session: SessionDep, principal: PrincipalDep, entry_id: int, decision: str, reason: str | None, key: str | None
) -> Response:
    def act() -> Response:
        return json_response(service.decide(session, principal, entry_id, decision, reason), 201)

    route = f"POST /incentives/ledger/{entry_id}/{decision}"
    return run_once(session, principal.org_id, key, route, {"reason": reason}, act)


@router.post("/ledger/{entry_id:int}/approve", status_code=201, response_model=EntryRead, responses=DECIDE)
def approve_entry(
    entry_id: PathId,
    session: SessionDep,
    principal: PrincipalDep,
    body: Decision | None = None,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Approve an accrual after its publicity period (the worker's county office, or the rule's province)."""
    return _decide(session, principal, entry_id, "approve", (body or Decision()).reason, idempotency_key)


@router.post("/ledger/{entry_id:int}/hold", status_code=201, response_model=EntryRead, responses=DECIDE)
def hold_entry(
    entry_id: PathId,
    body: ReasonRequired,
    session: SessionDep,
    principal: PrincipalDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Hold an accrual, with the reason; a release lets it go on."""
    return _decide(session, principal, entry_id, "hold", body.reason, idempotency_key)


@router.post("/ledger/{entry_id:int}/release", status_code=201, response_model=EntryRead, responses=DECIDE)
def release_entry(
    entry_id: PathId,
    session: SessionDep,
    principal: PrincipalDep,
    body: Decision | None = None,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Release a held accrual (an objection answered, a case resolved)."""
    return _decide(session, principal, entry_id, "release", (body or Decision()).reason, idempotency_key)


@router.post("/ledger/{entry_id:int}/refuse", status_code=201, response_model=EntryRead, responses=DECIDE)
def refuse_entry(
    entry_id: PathId,
    body: ReasonRequired,
    session: SessionDep,
    principal: PrincipalDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Refuse an accrual, with the reason: a reversal entry cancels it."""
    return _decide(session, principal, entry_id, "refuse", body.reason, idempotency_key)


@router.post("/ledger/{entry_id:int}/object", status_code=201, response_model=EntryRead, responses=DECIDE)
def object_to_entry(
    entry_id: PathId,
    body: ReasonRequired,
    session: SessionDep,
    principal: PrincipalDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Object during the publicity period (公示异议), with the reason: the accrual is held until released."""
    return _decide(session, principal, entry_id, "object", body.reason, idempotency_key)


@router.post("/ledger/{entry_id:int}/clawback", status_code=201, response_model=EntryRead, responses=DECIDE)
def clawback_entry(
    entry_id: PathId,
    body: ClawbackCreate,
    session: SessionDep,
    principal: PrincipalDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Take an accrual back for error, fraud, a duplicate registration or a dismissal without cause."""

    def act() -> Response:
        return json_response(service.decide(session, principal, entry_id, "clawback", body.reason, body.ground), 201)

    route = f"POST /incentives/ledger/{entry_id}/clawback"
    return run_once(session, principal.org_id, idempotency_key, route, body.model_dump(), act)


@router.post("/batches", status_code=201, response_model=BatchRead, responses=e.responses(e.Conflict) | COMMON)
def create_batch(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    body: BatchCreate | None = None,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Bundle approved entries of the province into a payment batch (409 when there are none)."""
    data = body or BatchCreate()

    def act() -> Response:
        batch = service.create_batch(session, principal, data)
        return json_response(batch, 201, {"Location": f"{request.url.path}/{batch.id}"})

    return run_once(session, principal.org_id, idempotency_key, "POST /incentives/batches", data.model_dump(), act)


@router.get("/batches", response_model=Page[BatchRead], responses=COMMON)
def list_batches(
    session: SessionDep, principal: PrincipalDep, limit: Limit = 50, cursor: Cursor = None
) -> Page[BatchRead]:
    """The province's payment batches."""
    rows = service.list_batches(session, principal, decode_cursor(cursor), limit + 1)
    return paginate(rows, limit, lambda shown: shown)


@router.get(
    "/batches/{batch_id:int}",
    response_model=BatchRead,
    responses=e.responses(e.NotFound) | COMMON | {200: {"content": {XLSX: {}}}},
)
def get_batch(
    batch_id: PathId,
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    vault: VaultDep,
    format: Literal["json", "xlsx"] = "json",
    reveal: Annotated[Literal["pii"] | None, Query(description="pii: unmasked names and ID numbers, audited")] = None,
) -> Response:
    """One batch; `format=xlsx` is the sheet for the finance bureau (masked unless reveal=pii with pii:read)."""
    if format == "xlsx":
        content = service.export_batch(session, principal, batch_id, vault, reveal == "pii")
        headers = {"Content-Disposition": f'attachment; filename="incentive-batch-{batch_id}.xlsx"'}
        return Response(content, media_type=XLSX, headers=headers)
    batch = service.get_batch(session, principal, batch_id)
    return json_response(service.batch_read(session, batch))


@router.post("/batches/{batch_id:int}/paid", response_model=BatchRead, responses=DECIDE)
def mark_paid(
    batch_id: PathId,
    session: SessionDep,
    principal: PrincipalDep,
    body: BatchPaid | None = None,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Record that the finance bureau paid the batch: a payment entry for each entry still approved."""
    data = body or BatchPaid()

    def act() -> Response:
        return json_response(service.mark_paid(session, principal, batch_id, data.payment_reference))

    route = f"POST /incentives/batches/{batch_id}/paid"
    return run_once(session, principal.org_id, idempotency_key, route, data.model_dump(), act)


@router.get("/balance", response_model=BalanceRead, responses=COMMON)
def get_balance(session: SessionDep, principal: PrincipalDep) -> BalanceRead:
    """The caller's own rewards, in fen: accrued, approved, paid, held and reversed."""
    return service.balance(session, principal)
