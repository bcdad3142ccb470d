"""HTTP routes for pairings the provincial offices write: create, change (a new version), read versions."""

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app import errors as e
from app.deps import IdempotencyKey, IfMatch, PrincipalDep, SessionDep
from app.http import PathId, etag, if_match_version, json_response
from app.idempotency.service import run_once
from app.pairings import service
from app.pairings.schemas import PairingCreate, PairingUpdate, PairingVersionRead
from app.reference.models import Pairing

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
