"""A person confirms or corrects a vacancy's occupation code; the confirmed titles teach the next normaliser."""

from __future__ import annotations

import pandas as pd
from sqlalchemy.orm import Session

from app import authz
from app.authz import Action, Resource
from app.db import utcnow
from app.errors import NotFound, PreconditionFailed, PreconditionRequired, ValidationFailed
from app.matching import repository
from app.matching.models import OccupationCorrection
from app.orgs.service import Principal
from app.reference import service as reference
from app.vacancies import repository as vacancies
from app.vacancies.models import Vacancy


def correct_occupation(
    session: Session, principal: Principal, vacancy_id: int, code: str, if_match: int | None
) -> Vacancy:
    """Set the code a person vouches for, record who and when (append-only), and bump the vacancy's version."""
    scope = authz.reach(principal, Resource.vacancy, Action.correct)  # the employer's own, or any for a province
    vacancy = vacancies.get(session, vacancy_id, scope.employer, for_update=True)
    if vacancy is None:
        raise NotFound("vacancy")
    if if_match is None:  # no If-Match, or "*": a correction must name the version it was made on
        raise PreconditionRequired()
    if if_match != vacancy.version:
        raise PreconditionFailed()
    problem = reference.index(session).occupation_problem([code])
    if problem:
        raise ValidationFailed.one("occupation_code", problem)
    inference = repository.inferences(session, [vacancy.id]).get(vacancy.id)
    repository.add_correction(
        session,
        OccupationCorrection(
            vacancy_id=vacancy.id,
            title=vacancy.title,
            previous_code=vacancy.occupation_code,
            code=code,
            was_inferred=inference is not None and bool(inference.code) and inference.code == vacancy.occupation_code,
            org_id=principal.org_id,
            api_key_id=principal.key_id,
        ),
    )
    vacancy.occupation_code = code
    vacancy.updated_at = utcnow()  # a confirmation may change no column, but it is a new version of the vacancy
    repository.drop_inference(session, vacancy.id)  # a person's code now, not the normaliser's guess
    session.flush()
    return vacancy


def confirmed_titles(session: Session) -> pd.DataFrame:
    """(title, code, confirmed_at): each vacancy's latest confirmed code, for training and for judging."""
    frame = repository.corrections(session)
    if frame.empty:
        return pd.DataFrame({"title": [], "code": [], "confirmed_at": []})
    latest = frame.sort_values(["created_at", "id"]).groupby("vacancy_id").tail(1)
    return (
        latest.rename(columns={"created_at": "confirmed_at"})[["title", "code", "confirmed_at"]]
        .sort_values("confirmed_at")
        .reset_index(drop=True)
    )
