"""HTTP routes for vacancies."""

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app import errors as e
from app.deps import IdempotencyKey, IfMatch, PrincipalDep, SessionDep
from app.http import Cursor, Limit, PathId, etag, if_match_version, json_response
from app.idempotency.service import run_once
from app.schemas import Page, decode_cursor, paginate
from app.vacancies import service
from app.vacancies.schemas import Shift, Status, VacancyCreate, VacancyRead, VacancyUpdate

router = APIRouter(prefix="/vacancies", tags=["vacancies"])
COMMON = e.responses(e.Unauthenticated, e.Forbidden, e.ValidationFailed)


@router.post("", status_code=201, response_model=VacancyRead, responses=e.responses(e.Conflict) | COMMON)
def create_vacancy(
    body: VacancyCreate,
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Post a vacancy for the caller's organisation (employers and assistance workshops)."""

    def act() -> Response:
        vacancy = service.create_vacancy(session, principal, body)
        return json_response(
            service.to_read(session, [vacancy])[0],
            201,
            {"ETag": etag(vacancy.id, vacancy.version), "Location": f"{request.url.path}/{vacancy.id}"},
        )

    return run_once(session, principal.org_id, idempotency_key, "POST /vacancies", body.model_dump(), act)


@router.get("", response_model=Page[VacancyRead], responses=COMMON)
def list_vacancies(
    session: SessionDep,
    principal: PrincipalDep,
    limit: Limit = 50,
    cursor: Cursor = None,
    status: Status | None = None,
    county_code: str | None = None,
    occupation_code: str | None = None,
    shift: Shift | None = None,
    external_id: str | None = None,
) -> Page[VacancyRead]:
    """An employer's own vacancies; for county offices and agencies, the open board; all for the province."""
    filters = {
        "status": status,
        "county_code": county_code,
        "occupation_code": occupation_code,
        "shift": shift,
        "external_id": external_id,
    }
    rows = service.list_vacancies(session, principal, decode_cursor(cursor), limit + 1, filters)
    return paginate(rows, limit, lambda shown: service.to_read(session, shown))


@router.get("/{vacancy_id}", response_model=VacancyRead, responses=e.responses(e.NotFound) | COMMON)
def get_vacancy(vacancy_id: PathId, session: SessionDep, principal: PrincipalDep) -> Response:
    """One vacancy, with how many of its places are filled now."""
    vacancy = service.get_vacancy(session, principal, vacancy_id)
    return json_response(service.to_read(session, [vacancy])[0], headers={"ETag": etag(vacancy.id, vacancy.version)})


@router.patch(
    "/{vacancy_id}",
    response_model=VacancyRead,
    responses=e.responses(e.NotFound, e.Conflict, e.PreconditionFailed) | COMMON,
)
def update_vacancy(
    vacancy_id: PathId, body: VacancyUpdate, session: SessionDep, principal: PrincipalDep, if_match: IfMatch = None
) -> Response:
    """Change the fields sent (close it with status=closed); If-Match guards against lost updates."""
    vacancy = service.update_vacancy(session, principal, vacancy_id, body, if_match_version(if_match, vacancy_id))
    return json_response(service.to_read(session, [vacancy])[0], headers={"ETag": etag(vacancy.id, vacancy.version)})
