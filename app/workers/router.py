"""HTTP routes for worker profiles: thin, each one parse -> authorise -> service -> respond."""

from typing import Annotated, Literal

from fastapi import APIRouter, File, Query, Request, UploadFile
from fastapi.responses import Response

from app import authz
from app import errors as e
from app.authz import Action, Resource
from app.deps import IdempotencyKey, IfMatch, PrincipalDep, SessionDep, SettingsDep, VaultDep
from app.http import Cursor, Limit, PathId, etag, if_match_version, json_response
from app.idempotency.service import run_once
from app.schemas import Page, decode_cursor, paginate
from app.workers import importer, service
from app.workers.schemas import Channel, Education, ImportResult, WorkerCreate, WorkerRead, WorkerUpdate

router = APIRouter(prefix="/workers", tags=["workers"])
COMMON = e.responses(e.Unauthenticated, e.Forbidden, e.ValidationFailed)


@router.post("", status_code=201, response_model=WorkerRead, responses=e.responses(e.Conflict) | COMMON)
def create_worker(
    body: WorkerCreate,
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    vault: VaultDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Register one worker for the caller's county office (ID and phone stored encrypted, shown masked)."""

    def act() -> Response:
        worker = service.create_worker(session, principal, body, vault)
        return json_response(
            service.to_read(worker, vault),
            201,
            {"ETag": etag(worker.id, worker.version), "Location": f"{request.url.path}/{worker.id}"},
        )

    return run_once(session, principal.org_id, idempotency_key, "POST /workers", body.model_dump(), act)


@router.get("", response_model=Page[WorkerRead], responses=COMMON)
def list_workers(
    session: SessionDep,
    principal: PrincipalDep,
    vault: VaultDep,
    limit: Limit = 50,
    cursor: Cursor = None,
    hukou_county: str | None = None,
    education: Education | None = None,
    channel_preference: Channel | None = None,
    registered_low_income: bool | None = None,
    monitored_household: bool | None = None,
    external_id: str | None = None,
) -> Page[WorkerRead]:
    """The caller's workers (all of them for the provincial office), oldest first, a page at a time."""
    filters = {
        "hukou_county": hukou_county,
        "education": education,
        "channel_preference": channel_preference,
        "registered_low_income": registered_low_income,
        "monitored_household": monitored_household,
        "external_id": external_id,
    }
    rows = service.list_workers(session, principal, decode_cursor(cursor), limit + 1, filters)
    return paginate(rows, limit, lambda shown: [service.to_read(w, vault) for w in shown])


@router.get("/import/template", responses=COMMON)
def import_template(principal: PrincipalDep, format: Literal["csv", "xlsx"] = "xlsx") -> Response:
    """The spreadsheet a county office fills in, headers in Chinese and English, with one example row."""
    authz.reach(principal, Resource.worker, Action.write)
    content, media_type = importer.template(format)
    return Response(
        content,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="workers_template.{format}"'},
    )


@router.post(
    "/import",
    status_code=201,
    response_model=ImportResult,
    responses=e.responses(e.Conflict, e.PayloadTooLarge) | COMMON,
)
def import_workers(
    session: SessionDep,
    principal: PrincipalDep,
    vault: VaultDep,
    settings: SettingsDep,
    file: Annotated[UploadFile, File(description="CSV (UTF-8) or XLSX from the template")],
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Validate every row and store all of them or none; errors come back per row and column."""
    authz.reach(principal, Resource.worker, Action.write)  # refuse other roles before reading the upload
    if file.size is not None and file.size > settings.import_max_bytes:
        raise e.PayloadTooLarge(settings.import_max_bytes)
    digest = importer.file_digest(file.file)

    def act() -> Response:
        result = importer.import_workers(
            session, principal, file.file, file.filename or "", vault, max_errors=settings.import_max_errors
        )
        return json_response(result, 201)

    return run_once(session, principal.org_id, idempotency_key, "POST /workers/import", digest, act)


@router.get("/{worker_id}", response_model=WorkerRead, responses=e.responses(e.NotFound) | COMMON)
def get_worker(
    worker_id: PathId,
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    vault: VaultDep,
    reveal: Annotated[Literal["pii"] | None, Query(description="pii: unmasked, audited")] = None,
) -> Response:
    """One worker; `reveal=pii` (pii:read keys only) shows the full ID number and phone and is audited."""
    worker = service.get_worker(session, principal, worker_id)
    if reveal == "pii":
        read = service.reveal_worker(session, principal, worker, vault, request.url.path)
    else:
        read = service.to_read(worker, vault)
    return json_response(read, headers={"ETag": etag(worker.id, worker.version)})


@router.patch(
    "/{worker_id}",
    response_model=WorkerRead,
    responses=e.responses(e.NotFound, e.Conflict, e.PreconditionFailed) | COMMON,
)
def update_worker(
    worker_id: PathId,
    body: WorkerUpdate,
    session: SessionDep,
    principal: PrincipalDep,
    vault: VaultDep,
    if_match: IfMatch = None,
) -> Response:
    """Change the fields sent; send the ETag you read as If-Match so nobody's update is lost."""
    worker = service.update_worker(session, principal, worker_id, body, if_match_version(if_match, worker_id), vault)
    return json_response(service.to_read(worker, vault), headers={"ETag": etag(worker.id, worker.version)})
