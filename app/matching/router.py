"""HTTP routes of the matcher: ranked vacancies for a worker, ranked candidates for a vacancy."""

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from app import errors as e
from app.deps import MatcherDep, PrincipalDep, SessionDep, VaultDep
from app.http import PathId
from app.matching import service
from app.matching.schemas import Candidates, Matches

router = APIRouter(tags=["matching"])
COMMON = e.responses(e.Unauthenticated, e.Forbidden, e.ValidationFailed, e.NotFound)
MatchLimit = Annotated[int, Query(ge=1, le=100, description="how many to return (1-100)")]
MatchOrder = Annotated[
    Literal["tiers", "retention"],
    Query(description="`tiers` (default): the worker's own order-class vacancies, then wished occupations, then "
          "skill families, then the rest, each by the chance of staying; `retention`: by the chance of staying alone"),
]  # fmt: skip


@router.get("/workers/{worker_id:int}/matches", response_model=Matches, responses=COMMON)
def worker_matches(
    worker_id: PathId,
    session: SessionDep,
    principal: PrincipalDep,
    vault: VaultDep,
    matcher: MatcherDep,
    limit: MatchLimit = 10,
    order: MatchOrder = "tiers",
) -> Matches:
    """Open vacancies for this worker, wished occupations first, with reasons (county office; province reads)."""
    return Matches.model_validate(service.matches(session, principal, matcher, vault, worker_id, limit, order))


@router.get("/vacancies/{vacancy_id:int}/candidates", response_model=Candidates, responses=COMMON)
def vacancy_candidates(
    vacancy_id: PathId,
    session: SessionDep,
    principal: PrincipalDep,
    vault: VaultDep,
    matcher: MatcherDep,
    limit: MatchLimit = 10,
) -> Candidates:
    """Unplaced, consenting workers likeliest to stay in this vacancy (its employer; the province reads)."""
    return Candidates.model_validate(service.candidates(session, principal, matcher, vault, vacancy_id, limit))
