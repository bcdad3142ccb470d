"""HTTP routes for one-stop services: a placement's checklist, its tasks, and the templates per province pair."""

from typing import Annotated

from fastapi import APIRouter, Path
from fastapi.responses import Response

from app import errors as e
from app.deps import IfMatch, PrincipalDep, SessionDep
from app.errors import PreconditionFailed, PreconditionRequired
from app.http import Cursor, Limit, PathId, etag, if_match_version, json_response
from app.onestop import service
from app.onestop.models import ServiceTask
from app.onestop.schemas import (
    Checklist,
    Responsible,
    TaskDetail,
    TaskKind,
    TaskRead,
    TaskStatus,
    TaskUpdate,
    TemplateRead,
    TemplateWrite,
)
from app.schemas import Page, decode_cursor, paginate

router = APIRouter(tags=["one-stop services"])
COMMON = e.responses(e.Unauthenticated, e.Forbidden, e.ValidationFailed)
Province = Annotated[str, Path(pattern=r"^\d{6}$", description="GB/T 2260 code of a province, e.g. 450000")]


def _task_etag(task: ServiceTask) -> str:
    return etag(task.id, task.version)


def _template_etag(template: TemplateRead) -> str:
    return f'"{template.home_province}-{template.work_province}.{template.version}"'


def _template_version(header: str | None, home: str, work: str) -> int | None:
    """The template version If-Match names (428 without one; `*`: any); a tag for another pair is stale."""
    if header is None or not header.strip():
        raise PreconditionRequired()
    if header.strip() == "*":
        return None
    pair, _, version = header.strip().removeprefix("W/").strip('"').rpartition(".")
    if pair != f"{home}-{work}" or not version.isdigit():
        raise PreconditionFailed()
    return int(version)


@router.get(
    "/placements/{placement_id:int}/services", response_model=Checklist, responses=e.responses(e.NotFound) | COMMON
)
def placement_services(placement_id: PathId, session: SessionDep, principal: PrincipalDep) -> Response:
    """A placement's one-stop checklist (社保接续, 异地就医备案) and the rule flags it raises."""
    return json_response(service.checklist(session, principal, placement_id))


@router.get("/service-tasks", response_model=Page[TaskRead], responses=COMMON)
def list_service_tasks(
    session: SessionDep,
    principal: PrincipalDep,
    limit: Limit = 50,
    cursor: Cursor = None,
    overdue: bool | None = None,
    responsible: Responsible | None = None,
    status: TaskStatus | None = None,
    kind: TaskKind | None = None,
    reminding: bool | None = None,
) -> Page[TaskRead]:
    """Tasks across the placements the caller follows; `overdue=true`: not done and past due (China time)."""
    rows = service.list_tasks(
        session,
        principal,
        decode_cursor(cursor),
        limit + 1,
        overdue=overdue,
        responsible=responsible,
        status=status,
        kind=kind,
        reminding=reminding,
    )
    return paginate(rows, limit, lambda shown: [service.to_read(t) for t in shown])


@router.get("/service-tasks/{task_id:int}", response_model=TaskDetail, responses=e.responses(e.NotFound) | COMMON)
def get_service_task(task_id: PathId, session: SessionDep, principal: PrincipalDep) -> Response:
    """One task with its history; its ETag goes back as If-Match when updating it."""
    task = service.get_task(session, principal, task_id)
    return json_response(service.to_detail(session, task), headers={"ETag": _task_etag(task)})


@router.patch(
    "/service-tasks/{task_id:int}",
    response_model=TaskDetail,
    responses=e.responses(e.NotFound, e.PreconditionFailed, e.PreconditionRequired) | COMMON,
)
def update_service_task(
    task_id: PathId, body: TaskUpdate, session: SessionDep, principal: PrincipalDep, if_match: IfMatch = None
) -> Response:
    """Record a task's progress (the responsible side only): status, evidence_ref; `blocked` needs blocked_reason.

    Send the ETag you read as If-Match (428 without it, 412 if the task changed since).
    """
    service.check_task_writer(principal)  # a key without the right hears 403 before anything about If-Match
    task = service.update_task(session, principal, task_id, body, if_match_version(if_match, task_id))
    return json_response(service.to_detail(session, task), headers={"ETag": _task_etag(task)})


@router.get("/service-templates/{home}/{work}", response_model=TemplateRead, responses=COMMON)
def get_service_template(home: Province, work: Province, session: SessionDep, principal: PrincipalDep) -> Response:
    """The checklist template of a (home province, work province) pair, or the shipped default (version 0)."""
    template = service.get_template(session, principal, home, work)
    return json_response(template, headers={"ETag": _template_etag(template)})


@router.put(
    "/service-templates/{home}/{work}",
    response_model=TemplateRead,
    responses=e.responses(e.PreconditionFailed, e.PreconditionRequired) | COMMON,
)
def put_service_template(
    home: Province,
    work: Province,
    body: TemplateWrite,
    session: SessionDep,
    principal: PrincipalDep,
    if_match: IfMatch = None,
) -> Response:
    """Replace a pair's template (either province's office): a new version for the placements made from now on.

    Send the ETag you read as If-Match (the default's is version 0); checklists already made keep their tasks.
    """
    service.check_template_writer(principal, home, work)
    template = service.put_template(session, principal, home, work, body, _template_version(if_match, home, work))
    return json_response(template, headers={"ETag": _template_etag(template)})
