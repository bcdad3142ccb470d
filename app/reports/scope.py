"""Whose report: the scope a caller's key gives, and the names and pairings a report reads once for many."""

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from app import authz
from app.authz import Action, OrgKind, Resource
from app.errors import Msg, NotFound, ValidationFailed
from app.orgs import repository as orgs
from app.orgs.service import Principal
from app.pairings import service as pairing_service
from app.pairings.service import PairingAt
from app.reference import repository as reference_repo
from app.reference.service import within
from app.reports import repository
from app.reports.schemas import Scope


@dataclass
class Reference:
    """Names and pairings, loaded once for many reports."""

    divisions: dict[str, str]
    employers: dict[int, str]
    pairings: list[PairingAt]
    schools: dict[int, str]

    @classmethod
    def load(cls, session: Session, on: date | None = None) -> "Reference":
        """Names, and the pairings in force on `on` (today by default): a past week reads its own targets."""
        return cls(
            reference_repo.division_names(session),
            repository.org_names(session, OrgKind.employer),
            pairing_service.pairings_on(session, on),
            repository.org_names(session, OrgKind.training_school),
        )


def scope_for(principal: Principal) -> Scope:
    """The report scope the policy gives this caller: its region's workers or workplaces, its vacancies, or all."""
    reach = authz.reach(principal, Resource.report, Action.read)
    if reach.school is not None:
        return Scope("school", org_id=reach.school)
    if reach.employer is not None:
        return Scope("employer", org_id=reach.employer)
    if reach.workplace_region is not None:
        return Scope("workplace", code=reach.workplace_region)
    if reach.region is not None:
        return Scope("county", code=reach.region)
    return Scope("province")


def resolve_scope(
    session: Session, county: str | None = None, employer: int | None = None, pairing: int | None = None
) -> Scope:
    """The scope a command line asked for; unknown ids are a clear error."""
    if county is not None:
        if reference_repo.get_division(session, county) is None:
            raise ValidationFailed.one("county", Msg(f"行政区划代码 {county} 不存在", f"no division {county}"))
        return Scope("county", code=county)
    if employer is not None:
        org = orgs.get_org(session, employer)
        if org is None or org.kind != OrgKind.employer:
            raise NotFound("org")
        return Scope("employer", org_id=employer)
    if pairing is not None:
        found = reference_repo.get_pairing(session, pairing)
        if found is None:
            raise NotFound("pairing")
        return Scope("pairing", pairing_id=found.id, west_code=found.west_code, east_code=found.east_code)
    return Scope("province")


def with_pairing_codes(scope: Scope, ref: Reference) -> Scope:
    if scope.kind != "pairing" or scope.west_code:
        return scope
    found = next((p for p in ref.pairings if p.id == scope.pairing_id), None)
    if found is None:
        raise NotFound("pairing")
    return Scope("pairing", pairing_id=found.id, west_code=found.west_code, east_code=found.east_code)


# --- vectorised helpers -------------------------------------------------------------------------------------


def within_mask(values: pd.Series, region: str) -> np.ndarray:
    """within() for a column, evaluated once per distinct code (a hundred or so), not per row."""
    codes, uniques = pd.factorize(values)
    inside = np.array([within(str(u), region) for u in uniques], dtype=bool)
    return inside[codes] if len(uniques) else np.zeros(len(values), dtype=bool)


def pairing_mask(frame: pd.DataFrame, pairing: PairingAt) -> np.ndarray:
    return within_mask(frame["hukou_county"], pairing.west_code) & within_mask(
        frame["vacancy_county"], pairing.east_code
    )
