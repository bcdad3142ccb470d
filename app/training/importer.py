"""Enrolment from a spreadsheet: a county office lists its workers by external_id; all rows go in or none."""

from collections.abc import Sequence
from typing import IO, Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from app import authz
from app.authz import Action, Reach, Resource
from app.db import utcnow
from app.errors import Conflict, Forbidden, Msg, NotFound, ValidationFailed, field_error
from app.labels import zh
from app.orgs.service import Principal
from app.training import repository
from app.training.models import Enrolment
from app.workers.importer import spreadsheet_rows
from app.workers.models import Worker
from app.workers.schemas import ImportResult

HEADERS = frozenset({"externalid", "外部编号", "外部编号externalid"})
LOOKUP_CHUNK = 1000
NO_COLUMN = Msg(
    "第一行应有“外部编号 external_id”列（与劳动者导入模板相同）",
    "the first row must have an `external_id` column (as in the worker import template)",
)
ONLY_OWN_WORKERS = Msg(
    "只有县级人社部门可以用表格为本机构的劳动者报名", "only a county office enrols its own workers from a spreadsheet"
)


def _norm(value: Any) -> str:
    return "".join(str(value or "").split()).replace("_", "").lower()


def _external_ids(rows: Sequence[Sequence[Any]]) -> tuple[list[tuple[int, str]], list[dict[str, Any]]]:
    """(row number, external_id) for every non-blank row after the header, and the rows' errors."""
    if not rows:
        raise ValidationFailed([field_error("file", NO_COLUMN)], NO_COLUMN)
    header = [_norm(cell) for cell in rows[0]]
    column = next((i for i, h in enumerate(header) if h in HEADERS), None)
    if column is None:
        raise ValidationFailed([field_error("file", NO_COLUMN)], NO_COLUMN)
    found: list[tuple[int, str]] = []
    errors: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for number, row in enumerate(rows[1:], start=2):
        if not any(str(cell or "").strip() for cell in row):
            continue
        value = str(row[column] if column < len(row) and row[column] is not None else "").strip()
        if value.endswith(".0") and value[:-2].isdigit():  # a number cell in Excel
            value = value[:-2]
        if not value:
            errors.append(field_error("external_id", Msg("外部编号不能为空", "external_id is empty"), number))
        elif value in seen:
            msg = Msg(f"与第 {seen[value]} 行重复", f"the same worker as row {seen[value]}")
            errors.append(field_error("external_id", msg, number))
        else:
            seen[value] = number
            found.append((number, value))
    return found, errors


def _workers_by_external_id(session: Session, owner: int, external_ids: list[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for start in range(0, len(external_ids), LOOKUP_CHUNK):
        chunk = external_ids[start : start + LOOKUP_CHUNK]
        stmt = select(Worker.external_id, Worker.id).where(Worker.owner_org_id == owner, Worker.external_id.in_(chunk))
        out.update({ext: wid for ext, wid in session.execute(stmt)})
    return out


def enrol_from_file(
    session: Session, principal: Principal, class_id: int, fileobj: IO[bytes], filename: str, max_errors: int
) -> ImportResult:
    """Enrol every listed worker or none: unknown or already enrolled workers are per-row errors; a file larger
    than the places left is refused whole (409). The class row is locked as for a single enrolment."""
    reach = authz.reach(principal, Resource.enrolment, Action.create)
    if reach.worker_owner is None:
        raise Forbidden(ONLY_OWN_WORKERS)
    klass = repository.get_class(session, class_id, Reach(open_only=reach.open_only), for_update=True)
    if klass is None:
        raise NotFound("training_class")
    with spreadsheet_rows(fileobj, filename) as rows:
        listed, errors = _external_ids(list(rows))
    workers = _workers_by_external_id(session, reach.worker_owner, [ext for _, ext in listed])
    enrolled = repository.enrolled_workers(session, klass.id, list(workers.values()))
    for number, ext in listed:
        if ext not in workers:
            msg = Msg(f"本机构没有外部编号为 {ext} 的劳动者", f"your office has no worker with external_id {ext}")
            errors.append(field_error("external_id", msg, number))
        elif workers[ext] in enrolled:
            errors.append(field_error("external_id", Msg("该劳动者已报名此培训班", "already enrolled"), number))
    if errors:
        errors.sort(key=lambda e: e["row"])
        raise ValidationFailed(errors[: max(1, max_errors)])
    if klass.status not in repository.OPEN_FOR_ENROLMENT:
        label = zh("training_class_status", klass.status)
        raise Conflict(Msg(f"该培训班{label}，不接受报名", f"this class is {klass.status}, not enrolling"))
    left = klass.capacity - repository.taken(session, [klass.id]).get(klass.id, 0)
    if len(listed) > left:
        raise Conflict(
            Msg(
                f"表中有 {len(listed)} 人，培训班只剩 {left} 个名额，未报名任何人",
                f"{len(listed)} workers listed but only {left} places left; nobody was enrolled",
            )
        )
    now = utcnow()
    rows_in = [
        {
            "class_id": klass.id,
            "worker_id": workers[ext],
            "status": "enrolled",
            "attended_hours": 0,
            "enrolled_by_org_id": principal.org_id,
            "version": 1,
            "created_at": now,
            "updated_at": now,
        }
        for _, ext in listed
    ]
    if rows_in:
        session.execute(insert(Enrolment), rows_in)
    return ImportResult(created=len(rows_in), rows=len(listed))
