"""HTTP routes for training demands, classes and enrolments."""

from typing import Annotated

from fastapi import APIRouter, File, Request, UploadFile
from fastapi.responses import Response

from app import authz
from app import errors as e
from app.authz import Action, Resource
from app.deps import IdempotencyKey, IfMatch, PrincipalDep, SessionDep, SettingsDep
from app.http import Cursor, Limit, PathId, QueryId, etag, if_match_version, json_response
from app.idempotency.service import run_once
from app.schemas import Page, decode_cursor, paginate
from app.training import importer, service
from app.training.models import Enrolment, TrainingClass, TrainingDemand
from app.training.schemas import (
    ClassCreate,
    ClassRead,
    ClassStatusIn,
    ClassUpdate,
    DemandCreate,
    DemandRead,
    DemandUpdate,
    EnrolmentCreate,
    EnrolmentRead,
    EnrolmentUpdate,
    Mode,
    WorkerTrainingRead,
)
from app.workers.importer import file_digest
from app.workers.schemas import CscoCode, ImportResult

router = APIRouter(tags=["training"])
COMMON = e.responses(e.Unauthenticated, e.Forbidden, e.ValidationFailed)
PATCHING = e.responses(e.NotFound, e.Conflict, e.PreconditionFailed, e.PreconditionRequired) | COMMON


def _tag(row: TrainingDemand | TrainingClass | Enrolment) -> dict[str, str]:
    return {"ETag": etag(row.id, row.version)}


# --- demands ---


@router.post("/training/demands", status_code=201, response_model=DemandRead, responses=COMMON)
def create_demand(
    body: DemandCreate,
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """An employer states what it needs trained, by when, and how many graduates it will hire."""

    def act() -> Response:
        demand = service.create_demand(session, principal, body)
        headers = _tag(demand) | {"Location": f"{request.url.path}/{demand.id}"}
        return json_response(DemandRead.model_validate(demand), 201, headers)

    return run_once(session, principal.org_id, idempotency_key, "POST /training/demands", body.model_dump(), act)


@router.get("/training/demands", response_model=Page[DemandRead], responses=COMMON)
def list_demands(
    session: SessionDep,
    principal: PrincipalDep,
    limit: Limit = 50,
    cursor: Cursor = None,
    vacancy_id: QueryId = None,
    occupation_code: CscoCode | None = None,
) -> Page[DemandRead]:
    """An employer's own demands; every demand for schools, county offices and the province."""
    filters = {"vacancy_id": vacancy_id, "occupation_code": occupation_code}
    rows = service.list_demands(session, principal, decode_cursor(cursor), limit + 1, filters)
    return paginate(rows, limit, lambda shown: [DemandRead.model_validate(d) for d in shown])


@router.get("/training/demands/{demand_id:int}", response_model=DemandRead, responses=e.responses(e.NotFound) | COMMON)
def get_demand(demand_id: PathId, session: SessionDep, principal: PrincipalDep) -> Response:
    """One demand; its ETag goes back as If-Match when changing it."""
    demand = service.get_demand(session, principal, demand_id)
    return json_response(DemandRead.model_validate(demand), headers=_tag(demand))


@router.patch("/training/demands/{demand_id:int}", response_model=DemandRead, responses=PATCHING)
def update_demand(
    demand_id: PathId, body: DemandUpdate, session: SessionDep, principal: PrincipalDep, if_match: IfMatch = None
) -> Response:
    """Change the fields sent (its employer only); If-Match guards against lost updates."""
    demand = service.update_demand(session, principal, demand_id, body, if_match_version(if_match, demand_id))
    return json_response(DemandRead.model_validate(demand), headers=_tag(demand))


# --- classes ---


@router.post("/training/classes", status_code=201, response_model=ClassRead, responses=COMMON)
def create_class(
    body: ClassCreate,
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """A training school opens a class; an order class names the employer's demand it answers."""

    def act() -> Response:
        klass = service.create_class(session, principal, body)
        headers = _tag(klass) | {"Location": f"{request.url.path}/{klass.id}"}
        return json_response(service.class_reads(session, [klass])[0], 201, headers)

    return run_once(session, principal.org_id, idempotency_key, "POST /training/classes", body.model_dump(), act)


@router.get("/training/classes", response_model=Page[ClassRead], responses=COMMON)
def list_classes(
    session: SessionDep,
    principal: PrincipalDep,
    limit: Limit = 50,
    cursor: Cursor = None,
    status: ClassStatusIn | None = None,
    mode: Mode | None = None,
    demand_id: QueryId = None,
    occupation_code: CscoCode | None = None,
) -> Page[ClassRead]:
    """A school's own classes; the classes open for enrolment for county offices; those answering an
    employer's demands for the employer; all for the province."""
    filters = {"status": status, "mode": mode, "demand_id": demand_id, "occupation_code": occupation_code}
    rows = service.list_classes(session, principal, decode_cursor(cursor), limit + 1, filters)
    return paginate(rows, limit, lambda shown: service.class_reads(session, shown))


@router.get("/training/classes/{class_id:int}", response_model=ClassRead, responses=e.responses(e.NotFound) | COMMON)
def get_class(class_id: PathId, session: SessionDep, principal: PrincipalDep) -> Response:
    """One class, with how many of its places are taken."""
    klass = service.get_class(session, principal, class_id)
    return json_response(service.class_reads(session, [klass])[0], headers=_tag(klass))


@router.patch("/training/classes/{class_id:int}", response_model=ClassRead, responses=PATCHING)
def update_class(
    class_id: PathId,
    body: ClassUpdate,
    session: SessionDep,
    principal: PrincipalDep,
    settings: SettingsDep,
    if_match: IfMatch = None,
) -> Response:
    """Change the fields sent (its school only); status moves planned → enrolling → running → completed,
    or to cancelled; any other move is 409. A completed order class holds places for its graduates on the
    employer's vacancy."""
    days = settings.training_reservation_days
    klass = service.update_class(session, principal, class_id, body, if_match_version(if_match, class_id), days)
    return json_response(service.class_reads(session, [klass])[0], headers=_tag(klass))


# --- enrolments ---


@router.post(
    "/training/classes/{class_id:int}/enrolments",
    status_code=201,
    response_model=EnrolmentRead,
    responses=e.responses(e.NotFound, e.Conflict) | COMMON,
)
def enrol(
    class_id: PathId,
    body: EnrolmentCreate,
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Enrol one worker: 409 if the class is not enrolling, is full, or already has the worker."""

    def act() -> Response:
        enrolment = service.enrol(session, principal, class_id, body)
        headers = _tag(enrolment) | {"Location": f"/api/v1/training/enrolments/{enrolment.id}"}
        return json_response(EnrolmentRead.model_validate(enrolment), 201, headers)

    payload = {"class_id": class_id, **body.model_dump()}
    return run_once(session, principal.org_id, idempotency_key, "POST /training/classes/{id}/enrolments", payload, act)


@router.post(
    "/training/classes/{class_id:int}/enrolments/import",
    status_code=201,
    response_model=ImportResult,
    responses=e.responses(e.NotFound, e.Conflict, e.PayloadTooLarge) | COMMON,
)
def enrol_from_file(
    class_id: PathId,
    session: SessionDep,
    principal: PrincipalDep,
    settings: SettingsDep,
    file: Annotated[UploadFile, File(description="CSV (UTF-8) or XLSX with an `外部编号 external_id` column")],
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """A county office enrols its workers listed by external_id: every row or none, errors per row."""
    authz.reach(principal, Resource.enrolment, Action.create)  # refuse other roles before reading the upload
    if file.size is not None and file.size > settings.import_max_bytes:
        raise e.PayloadTooLarge(settings.import_max_bytes)
    payload = {"class_id": class_id, "file": file_digest(file.file)}

    def act() -> Response:
        result = importer.enrol_from_file(
            session, principal, class_id, file.file, file.filename or "", settings.import_max_errors
        )
        return json_response(result, 201)

    route = "POST /training/classes/{id}/enrolments/import"
    return run_once(session, principal.org_id, idempotency_key, route, payload, act)


@router.get(
    "/training/classes/{class_id:int}/enrolments",
    response_model=Page[EnrolmentRead],
    responses=e.responses(e.NotFound) | COMMON,
)
def list_enrolments(
    class_id: PathId, session: SessionDep, principal: PrincipalDep, limit: Limit = 50, cursor: Cursor = None
) -> Page[EnrolmentRead]:
    """The class's enrolments: all of them for its school; a county office's own workers' for the office."""
    rows = service.list_enrolments(session, principal, class_id, decode_cursor(cursor), limit + 1)
    return paginate(rows, limit, lambda shown: [EnrolmentRead.model_validate(r) for r in shown])


@router.get(
    "/training/enrolments/{enrolment_id:int}",
    response_model=EnrolmentRead,
    responses=e.responses(e.NotFound) | COMMON,
)
def get_enrolment(enrolment_id: PathId, session: SessionDep, principal: PrincipalDep) -> Response:
    """One enrolment; its ETag goes back as If-Match when recording attendance or a result."""
    enrolment = service.get_enrolment(session, principal, enrolment_id)
    return json_response(EnrolmentRead.model_validate(enrolment), headers=_tag(enrolment))


@router.patch("/training/enrolments/{enrolment_id:int}", response_model=EnrolmentRead, responses=PATCHING)
def update_enrolment(
    enrolment_id: PathId,
    body: EnrolmentUpdate,
    session: SessionDep,
    principal: PrincipalDep,
    settings: SettingsDep,
    if_match: IfMatch = None,
) -> Response:
    """Record attendance, a result or a drop-out (the class's school). Completion needs a pass and at least
    LB_TRAINING_COMPLETION_SHARE of the planned hours; a fail makes the enrolment failed."""
    version = if_match_version(if_match, enrolment_id)
    share = settings.training_completion_share
    enrolment = service.update_enrolment(session, principal, enrolment_id, body, version, share)
    return json_response(EnrolmentRead.model_validate(enrolment), headers=_tag(enrolment))


@router.get(
    "/workers/{worker_id:int}/trainings",
    response_model=Page[WorkerTrainingRead],
    responses=e.responses(e.NotFound) | COMMON,
)
def worker_trainings(
    worker_id: PathId, session: SessionDep, principal: PrincipalDep, limit: Limit = 50, cursor: Cursor = None
) -> Page[WorkerTrainingRead]:
    """The classes a worker took and how each ended (county office; an employer if the worker consented)."""
    rows = service.worker_trainings(session, principal, worker_id, decode_cursor(cursor), limit + 1)
    return paginate(rows, limit, lambda shown: shown)
