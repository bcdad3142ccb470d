"""HTTP routes for vacancies."""

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app import errors as e
from app.deps import IdempotencyKey, IfMatch, MatcherDep, PrincipalDep, SessionDep
from app.http import Cursor, Limit, PathId, etag, if_match_version, json_response
from app.idempotency.service import run_once
from app.matching import corrections
from app.matching import service as matching
from app.schemas import Page, decode_cursor, paginate
from app.vacancies import service
from app.vacancies.models import Vacancy
from app.vacancies.schemas import OccupationConfirm, Shift, Status, VacancyCreate, VacancyRead, VacancyUpdate

router = APIRouter(prefix="/vacancies", tags=["vacancies"])
COMMON = e.responses(e.Unauthenticated, e.Forbidden, e.ValidationFailed)


@router.post("", status_code=201, response_model=VacancyRead, responses=e.responses(e.Conflict) | COMMON)
def create_vacancy(
    body: VacancyCreate,
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    matcher: MatcherDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Post a vacancy for the caller's organisation; without occupation_code one is inferred from the title."""

    def act() -> Response:
        vacancy = service.create_vacancy(session, principal, body)
        matching.apply_inference(matcher, session, vacancy, True, body.occupation_code is not None)
        return json_response(
            _read(session, matcher, [vacancy])[0],
            201,
            {"ETag": etag(vacancy.id, vacancy.version), "Location": f"{request.url.path}/{vacancy.id}"},
        )

    return run_once(session, principal.org_id, idempotency_key, "POST /vacancies", body.model_dump(), act)


@router.get("", response_model=Page[VacancyRead], responses=COMMON)
def list_vacancies(
    session: SessionDep,
    principal: PrincipalDep,
    matcher: MatcherDep,
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
    return paginate(rows, limit, lambda shown: _read(session, matcher, shown))


@router.get("/{vacancy_id:int}", response_model=VacancyRead, responses=e.responses(e.NotFound) | COMMON)
def get_vacancy(vacancy_id: PathId, session: SessionDep, principal: PrincipalDep, matcher: MatcherDep) -> Response:
    """One vacancy, with how many of its places are filled now."""
    vacancy = service.get_vacancy(session, principal, vacancy_id)
    return json_response(_read(session, matcher, [vacancy])[0], headers={"ETag": etag(vacancy.id, vacancy.version)})


@router.patch(
    "/{vacancy_id:int}",
    response_model=VacancyRead,
    responses=e.responses(e.NotFound, e.Conflict, e.PreconditionFailed, e.PreconditionRequired) | COMMON,
)
def update_vacancy(
    vacancy_id: PathId,
    body: VacancyUpdate,
    session: SessionDep,
    principal: PrincipalDep,
    matcher: MatcherDep,
    if_match: IfMatch = None,
) -> Response:
    """Change the fields sent (close it with status=closed); If-Match guards against lost updates."""
    vacancy = service.update_vacancy(session, principal, vacancy_id, body, if_match_version(if_match, vacancy_id))
    sent = body.model_fields_set
    matching.apply_inference(matcher, session, vacancy, "title" in sent, "occupation_code" in sent)
    return json_response(_read(session, matcher, [vacancy])[0], headers={"ETag": etag(vacancy.id, vacancy.version)})


@router.put(
    "/{vacancy_id}/occupation",
    response_model=VacancyRead,
    responses=e.responses(e.NotFound, e.PreconditionFailed, e.PreconditionRequired) | COMMON,
)
def correct_occupation(
    vacancy_id: PathId,
    body: OccupationConfirm,
    session: SessionDep,
    principal: PrincipalDep,
    matcher: MatcherDep,
    if_match: IfMatch = None,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Confirm or correct the vacancy's occupation code (its employer or a provincial office); If-Match required."""
    version = if_match_version(if_match, vacancy_id)

    def act() -> Response:
        vacancy = corrections.correct_occupation(session, principal, vacancy_id, body.occupation_code, version)
        return json_response(_read(session, matcher, [vacancy])[0], headers={"ETag": etag(vacancy.id, vacancy.version)})

    payload = {"vacancy_id": vacancy_id, "if_match": version, **body.model_dump()}
    return run_once(session, principal.org_id, idempotency_key, "PUT /vacancies/{id}/occupation", payload, act)


def _read(session: SessionDep, matcher: MatcherDep, vacancies: list[Vacancy]) -> list[VacancyRead]:
    """VacancyRead plus whether the occupation code was inferred from the title, and its alternatives."""
    extra = matching.inference_fields(matcher, session, [v.id for v in vacancies])
    out = []
    for read in service.to_read(session, vacancies):
        fields = extra.get(read.id, {})
        if read.occupation_code is None and matcher.normaliser is None:
            fields = {"occupation_note": matching.NO_NORMALISER.text()}
        out.append(read.model_copy(update=fields))
    return out
