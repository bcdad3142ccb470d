"""Read-only reference data for any authenticated caller: divisions, occupations, pairings, who-am-I."""

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from app.deps import PrincipalDep, SessionDep
from app.http import Limit
from app.orgs import repository as orgs
from app.reference import repository
from app.reference.schemas import DivisionRead, MeRead, OccupationRead, PairingRead

router = APIRouter(tags=["reference"])


@router.get("/me", response_model=MeRead)
def me(session: SessionDep, principal: PrincipalDep) -> MeRead:
    """Which organisation this key belongs to, by name, and what it may do."""
    org = orgs.get_org(session, principal.org_id)
    return MeRead(
        org_id=principal.org_id,
        name=org.name if org else "",
        kind=principal.kind,
        region_code=principal.region_code,
        scopes=sorted(principal.scopes),
    )


@router.get("/divisions", response_model=list[DivisionRead])
def divisions(
    session: SessionDep, _: PrincipalDep, level: Literal["province", "prefecture", "county"] | None = None
) -> list[DivisionRead]:
    """GB/T 2260 divisions of Guangdong and Guangxi, for pick lists."""
    return [DivisionRead.model_validate(d) for d in repository.all_divisions(session, level)]


@router.get("/occupations", response_model=list[OccupationRead])
def occupations(
    session: SessionDep,
    _: PrincipalDep,
    q: Annotated[str | None, Query(max_length=50)] = None,
    limit: Limit = 50,
) -> list[OccupationRead]:
    """CSCO 2022 occupations whose name or aliases (普工, 杂工, 学徒 …) contain `q`, or whose code starts with it."""
    return [OccupationRead.model_validate(o) for o in repository.search_occupations(session, q, limit)]


@router.get("/pairings", response_model=list[PairingRead])
def pairings(session: SessionDep, _: PrincipalDep) -> list[PairingRead]:
    """East-west pairs with their annual placement targets."""
    return [PairingRead.model_validate(p) for p in repository.list_pairings(session)]
