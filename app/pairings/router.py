"""HTTP routes for pairings the provincial offices write: create, change (a new version), read versions."""

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response

from app import errors as e
from app.clock import today
from app.deps import IdempotencyKey, IfMatch, MatcherDep, PrincipalDep, SessionDep, VaultDep
from app.http import PathId, etag, if_match_version, json_response
from app.idempotency.service import run_once
from app.matching.service import Matcher, model_info
from app.pairings import decisions, service
from app.pairings.schemas import (
    PairingCreate,
    PairingUpdate,
    PairingVersionRead,
    ProposalDecisionCreate,
    ProposalDecisionRead,
    ProposalList,
)
from app.reference.models import Pairing
from app.reports.schemas import Quarter

router = APIRouter(prefix="/pairings", tags=["pairings"])
COMMON = e.responses(e.Unauthenticated, e.Forbidden, e.ValidationFailed)


def _read(pairing: Pairing) -> PairingVersionRead:
    return PairingVersionRead.model_validate(pairing)


@router.post("", status_code=201, response_model=PairingVersionRead, responses=e.responses(e.Conflict) | COMMON)
def create_pairing(
    body: PairingCreate,
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Add a pairing (a provincial office only); it starts as version 1."""

    def act() -> Response:
        pairing = service.create_pairing(session, principal, body)
        headers = {"ETag": etag(pairing.id, pairing.version), "Location": f"{request.url.path}/{pairing.id}"}
        return json_response(_read(pairing), 201, headers)

    return run_once(session, principal.org_id, idempotency_key, "POST /pairings", body.model_dump(), act)


def _ranker(session: SessionDep, matcher: Matcher) -> tuple[Any, dict[str, Any]]:
    matcher.refresh_models(session)
    return model_info(matcher)


@router.get("/proposals", response_model=ProposalList, responses=COMMON)
def list_proposals(
    session: SessionDep,
    principal: PrincipalDep,
    matcher: MatcherDep,
    quarter: Annotated[str | None, Query(max_length=20, description="a finished quarter such as 2026-Q3")] = None,
) -> Response:
    """Proposals to adjust the prefecture- and county-level pairings, computed from a finished quarter (province).

    Each has its evidence and its simulated effect: the route-level transport problem re-solved with it applied.
    The ids derive from the quarter, the kind and the regions, so the same data give the same proposals.
    """
    decisions.check_reader(principal)  # 403 before any computing
    period = Quarter.resolve(quarter, today())
    ranker, model = _ranker(session, matcher)
    return json_response(
        ProposalList.model_validate(decisions.list_proposals(session, principal, period, ranker, model))
    )


@router.get("/proposals/{proposal_id}/allocation", responses=COMMON | e.responses(e.NotFound))
def proposal_allocation(
    proposal_id: Annotated[str, Path(max_length=64)],
    session: SessionDep,
    principal: PrincipalDep,
    matcher: MatcherDep,
    vault: VaultDep,
) -> Response:
    """The allocator re-run on today's unplaced workers under today's pairings and under this proposal (province).

    Expected stays and placements before and after: the worker-level check of the proposal's simulated effect.
    """
    decisions.check_reader(principal)
    ranker, model = _ranker(session, matcher)
    return json_response(decisions.allocator_effect(session, principal, matcher, vault, proposal_id, ranker, model))


@router.post(
    "/proposals/{proposal_id}/decision",
    status_code=201,
    response_model=ProposalDecisionRead,
    responses=COMMON | e.responses(e.NotFound, e.Conflict),
)
def decide_proposal(
    proposal_id: Annotated[str, Path(max_length=64)],
    body: ProposalDecisionCreate,
    session: SessionDep,
    principal: PrincipalDep,
    matcher: MatcherDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Accept a proposal from an effective date (a new pairing version, or a new pairing) or reject it with a reason.

    A proposal is decided once (409 after); one no longer computed from today's data answers 404.
    """
    decisions.check_decider(principal)

    def act() -> Response:
        ranker, model = _ranker(session, matcher)
        decided = decisions.decide(session, principal, proposal_id, body, ranker, model)
        return json_response(ProposalDecisionRead.model_validate(decided), 201)

    key = f"POST /pairings/proposals/{proposal_id}/decision"
    return run_once(session, principal.org_id, idempotency_key, key, body.model_dump(mode="json"), act)


@router.get("/{pairing_id:int}", response_model=PairingVersionRead, responses=e.responses(e.NotFound) | COMMON)
def get_pairing(pairing_id: PathId, session: SessionDep, _: PrincipalDep) -> Response:
    """One pairing as its latest version says, with the ETag a change must send as If-Match."""
    pairing = service.get_pairing(session, pairing_id)
    return json_response(_read(pairing), headers={"ETag": etag(pairing.id, pairing.version)})


@router.patch(
    "/{pairing_id:int}",
    response_model=PairingVersionRead,
    responses=e.responses(e.NotFound, e.PreconditionFailed, e.PreconditionRequired) | COMMON,
)
def update_pairing(
    pairing_id: PathId, body: PairingUpdate, session: SessionDep, principal: PrincipalDep, if_match: IfMatch = None
) -> Response:
    """Change a pairing (a provincial office only): a new version in force from `effective_from`; If-Match."""
    service.check_writer(principal)  # a key without the right hears 403 before anything about If-Match
    pairing = service.update_pairing(session, principal, pairing_id, body, if_match_version(if_match, pairing_id))
    return json_response(_read(pairing), headers={"ETag": etag(pairing.id, pairing.version)})


@router.get(
    "/{pairing_id:int}/versions", response_model=list[PairingVersionRead], responses=e.responses(e.NotFound) | COMMON
)
def pairing_versions(pairing_id: PathId, session: SessionDep, _: PrincipalDep) -> list[PairingVersionRead]:
    """Every version of a pairing, oldest first: what was in force from when."""
    return [PairingVersionRead.model_validate(v) for v in service.versions(session, pairing_id)]
