"""Vacancies: employers write their own; county offices and agencies read the open board."""

from typing import Any

from sqlalchemy.orm import Session

from app import authz
from app.authz import Action, Resource
from app.errors import Conflict, Msg, NotFound, PreconditionFailed, ValidationFailed, field_error
from app.orgs.service import Principal
from app.placements import repository as placements
from app.reference import service as reference
from app.schemas import cleared_required_fields
from app.vacancies import repository
from app.vacancies.models import Vacancy
from app.vacancies.schemas import VacancyCreate, VacancyRead, VacancyUpdate

EXTERNAL_ID_TAKEN = Msg("本企业已有相同编号的岗位", "your organisation already has a vacancy with this external_id")


def rule_errors(session: Session, values: dict[str, Any]) -> list[dict[str, Any]]:
    """Checks across fields and against reference data, on the merged record."""
    ref = reference.index(session)
    errors = []
    problem = ref.county_problem(values["county_code"])
    if problem:
        errors.append(field_error("county_code", problem))
    if values.get("occupation_code"):
        problem = ref.occupation_problem([values["occupation_code"]])
        if problem:
            errors.append(field_error("occupation_code", problem))
    if values["wage_min"] > values["wage_max"]:
        errors.append(field_error("wage_min", Msg("最低工资不能高于最高工资", "wage_min must not exceed wage_max")))
    if values.get("max_age") is not None and values["max_age"] < values["min_age"]:
        errors.append(field_error("max_age", Msg("最大年龄不能小于最小年龄", "max_age must not be below min_age")))
    return errors


def create_vacancy(session: Session, principal: Principal, data: VacancyCreate) -> Vacancy:
    employer = authz.reach(principal, Resource.vacancy, Action.write).employer
    assert employer is not None
    values = data.model_dump()
    errors = rule_errors(session, values)
    if errors:
        raise ValidationFailed(errors)
    if repository.external_id_taken(session, employer, data.external_id):
        raise Conflict(EXTERNAL_ID_TAKEN, [field_error("external_id", EXTERNAL_ID_TAKEN)])
    return repository.add(session, Vacancy(employer_org_id=employer, **values))


def get_vacancy(session: Session, principal: Principal, vacancy_id: int, *, write: bool = False) -> Vacancy:
    reach = authz.reach(principal, Resource.vacancy, Action.write if write else Action.read)
    # A write locks the row, as placements do, so a headcount change and a hire cannot interleave.
    vacancy = repository.get(session, vacancy_id, reach.employer, reach.open_only, for_update=write)
    if vacancy is None:
        raise NotFound("vacancy")
    return vacancy


def update_vacancy(
    session: Session, principal: Principal, vacancy_id: int, data: VacancyUpdate, if_match: int | None
) -> Vacancy:
    """Apply the fields sent; headcount may not fall below the workers already placed."""
    vacancy = get_vacancy(session, principal, vacancy_id, write=True)
    if if_match is not None and if_match != vacancy.version:
        raise PreconditionFailed()
    changes = data.model_dump(exclude_unset=True)
    errors = cleared_required_fields(changes, VacancyCreate)
    if errors:
        raise ValidationFailed(errors)
    merged = {c: getattr(vacancy, c) for c in VacancyCreate.model_fields} | changes
    errors = rule_errors(session, merged)
    if errors:
        raise ValidationFailed(errors)
    if "headcount" in changes:
        filled = placements.active_count(session, vacancy.id)
        if changes["headcount"] < filled:
            msg = Msg(
                f"已有 {filled} 人在岗，招聘人数不能少于此数",
                f"{filled} workers are already placed; headcount cannot go below that",
            )
            raise Conflict(msg, [field_error("headcount", msg)])
    if "external_id" in changes and repository.external_id_taken(
        session, vacancy.employer_org_id, changes["external_id"], except_id=vacancy.id
    ):
        raise Conflict(EXTERNAL_ID_TAKEN, [field_error("external_id", EXTERNAL_ID_TAKEN)])
    for column, value in changes.items():
        setattr(vacancy, column, value)
    session.flush()
    return vacancy


def list_vacancies(
    session: Session, principal: Principal, after_id: int, limit: int, filters: dict[str, Any]
) -> list[Vacancy]:
    reach = authz.reach(principal, Resource.vacancy, Action.read)
    return repository.page(session, reach.employer, reach.open_only, after_id, limit, filters)


def to_read(session: Session, vacancies: list[Vacancy]) -> list[VacancyRead]:
    filled = placements.active_counts(session, [v.id for v in vacancies])
    return [VacancyRead.model_validate(v).model_copy(update={"filled": filled.get(v.id, 0)}) for v in vacancies]
