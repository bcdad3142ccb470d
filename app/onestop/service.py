"""One-stop services: the checklist a cross-province placement gets, who updates each task, the rule flags.

A checklist is made in the same transaction as the placement (and its exit task with the placement's end), from
the template the pair's provincial offices keep, else the shipped default (app/onestop/templates.py).
"""

import calendar as months
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from sqlalchemy.orm import Session

from app import authz
from app.authz import Action, Resource
from app.clock import today
from app.errors import Forbidden, Msg, NotFound, PreconditionFailed, ValidationFailed, field_error
from app.onestop import repository
from app.onestop.models import OPEN_STATUSES, ServiceTask, ServiceTaskEvent, ServiceTemplate
from app.onestop.schemas import (
    INJURY_COVER_KIND,
    Checklist,
    RuleFlag,
    TaskDetail,
    TaskEventRead,
    TaskRead,
    TaskSpec,
    TaskUpdate,
    TemplateRead,
    TemplateWrite,
)
from app.onestop.templates import DEFAULT_SOURCE, DEFAULT_TASKS
from app.orgs.service import Principal
from app.placements.models import Placement
from app.reference import service as reference
from app.rights import repository as rights
from app.rights.schemas import SuggestedCase
from app.rights.workdays import WorkCalendar

INJURY_FLAG = "injury_cover_unconfirmed"
NOT_A_PROVINCE = Msg("应为省级行政区划代码（如 450000）", "must be the code of a province (e.g. 450000)")
NOT_ITS_PAIR = Msg(
    "只有输出地或输入地的省级协作办公室可以修改该模板",
    "only the provincial office of the home or the work province writes this pair's template",
)


def province_of(county: str) -> str:
    return county[:2] + "0000"


# --- templates ---------------------------------------------------------------------------------------------------


def _check_pair(session: Session, home: str, work: str) -> None:
    errors = [
        field_error(name, NOT_A_PROVINCE)
        for name, code in (("home", home), ("work", work))
        if not (len(code) == 6 and code.endswith("0000") and reference.get_division(session, code) is not None)
    ]
    if errors:
        raise ValidationFailed(errors)


def _template_read(home: str, work: str, stored: ServiceTemplate | None) -> TemplateRead:
    if stored is None:
        return TemplateRead(
            home_province=home,
            work_province=work,
            version=0,
            default=True,
            tasks=list(DEFAULT_TASKS),
            source=DEFAULT_SOURCE,
            updated_by_org_id=None,
            updated_at=None,
        )
    return TemplateRead(
        home_province=home,
        work_province=work,
        version=stored.version,
        default=False,
        tasks=[TaskSpec.model_validate(t) for t in stored.tasks],
        source=stored.source,
        updated_by_org_id=stored.updated_by_org_id,
        updated_at=stored.updated_at,
    )


def template_in_force(session: Session, home: str, work: str) -> TemplateRead:
    return _template_read(home, work, repository.template(session, home, work))


def get_template(session: Session, principal: Principal, home: str, work: str) -> TemplateRead:
    """The pair's template as kept, or the shipped default (version 0)."""
    authz.reach(principal, Resource.service_template, Action.read)
    _check_pair(session, home, work)
    return template_in_force(session, home, work)


def check_template_writer(principal: Principal, home: str, work: str) -> None:
    if not authz.keeps_template(principal, home, work):
        raise Forbidden(NOT_ITS_PAIR)


def put_template(
    session: Session, principal: Principal, home: str, work: str, data: TemplateWrite, if_match: int | None
) -> TemplateRead:
    """Replace the pair's template (a new version); checklists made before keep the tasks they were given."""
    check_template_writer(principal, home, work)
    _check_pair(session, home, work)
    stored = repository.template(session, home, work, for_update=True)
    current = stored.version if stored is not None else 0
    if if_match is not None and if_match != current:
        raise PreconditionFailed()
    tasks = [t.stored() for t in data.tasks]
    if stored is None:
        stored = repository.add(
            session,
            ServiceTemplate(
                home_province=home,
                work_province=work,
                tasks=tasks,
                source=data.source,
                updated_by_org_id=principal.org_id,
            ),
        )
    else:
        stored.tasks, stored.source, stored.updated_by_org_id = tasks, data.source, principal.org_id
        session.flush()
    return _template_read(home, work, stored)


# --- checklists --------------------------------------------------------------------------------------------------


def _add_months(day: date, n: int) -> date:
    month = day.month - 1 + n
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, months.monthrange(year, month)[1]))


def due_date(spec: TaskSpec, anchor: date, cal: WorkCalendar) -> tuple[date, bool]:
    """The day a task falls due from its anchor (start or end), and whether it is provisional."""
    if spec.due_unit == "working":
        return cal.add_working_days(anchor, spec.due_days)
    if spec.due_unit == "months":
        return _add_months(anchor, spec.due_days), False
    return anchor + timedelta(days=spec.due_days), False


def _make_tasks(
    session: Session, placement: Placement, specs: Sequence[TaskSpec], template_version: int, org_id: int | None
) -> list[ServiceTask]:
    cal = WorkCalendar(rights.loaded_calendar(session))
    tasks = []
    for spec in specs:
        anchor = placement.start_date if spec.due_from == "start" else placement.end_date
        assert anchor is not None
        due, provisional = due_date(spec, anchor, cal)
        remind = due - timedelta(days=spec.remind_days_before) if spec.remind_days_before else None
        tasks.append(
            ServiceTask(
                placement_id=placement.id,
                kind=spec.kind,
                stage=spec.stage,
                responsible=spec.responsible,
                status="todo",
                due_on=due,
                due_provisional=provisional,
                remind_on=remind,
                illustrative=spec.illustrative,
                source=spec.source,
                template_version=template_version,
            )
        )
    repository.add_all(session, tasks)
    repository.add_all(
        session,
        [
            ServiceTaskEvent(task_id=t.id, from_status=None, to_status="todo", org_id=org_id, note="created")
            for t in tasks
        ],
    )
    return tasks


def create_checklist(
    session: Session, placement: Placement, home_county: str, work_county: str, org_id: int
) -> list[ServiceTask]:
    """The checklist of a new placement: the pair's tasks before departure and on hiring; none within a province."""
    home, work = province_of(home_county), province_of(work_county)
    if home == work:
        return []
    template = template_in_force(session, home, work)
    specs = [t for t in template.tasks if t.stage != "on_exit"]
    return _make_tasks(session, placement, specs, template.version, org_id)


def on_placement_end(session: Session, placement: Placement, org_id: int) -> list[ServiceTask]:
    """The exit tasks, dated from the end: only for a placement that has a checklist."""
    existing = repository.tasks_of(session, placement.id)
    if not existing:
        return []
    home_county, work_county = repository.counties_of(session, placement)
    template = template_in_force(session, province_of(home_county), province_of(work_county))
    have = {t.kind for t in existing}
    specs = [t for t in template.tasks if t.stage == "on_exit" and t.kind not in have]
    return _make_tasks(session, placement, specs, template.version, org_id)


def checklist(session: Session, principal: Principal, placement_id: int) -> Checklist:
    """A placement's tasks with the rule flags they raise (404 outside the caller's reach)."""
    reach = authz.reach(principal, Resource.service_task, Action.read)
    found = repository.placement_in_reach(session, placement_id, reach)
    if found is None:
        raise NotFound("placement")
    placement, worker, vacancy = found
    tasks = repository.tasks_of(session, placement.id)
    home, work = province_of(worker.hukou_county), province_of(vacancy.county_code)
    on = today()
    return Checklist(
        placement_id=placement.id,
        home_province=home,
        work_province=work,
        cross_province=home != work,
        tasks=[to_read(t, on) for t in tasks],
        flags=[f for t in tasks if (f := _injury_flag(t, on)) is not None],
    )


def _injury_flag(task: ServiceTask, on: date) -> RuleFlag | None:
    """Work-injury cover not confirmed done by day 30: a rule's flag, and the case it suggests."""
    if task.kind != INJURY_COVER_KIND or task.status == "done" or task.due_on is None or task.due_on >= on:
        return None
    return RuleFlag(
        code=INJURY_FLAG, task_id=task.id, due_on=task.due_on, suggested_case=SuggestedCase(kind="insurance_unpaid")
    )


def rule_flags(session: Session, placement_ids: Sequence[int]) -> dict[int, list[RuleFlag]]:
    """The rule flags of these placements (for the at-risk list), by placement id."""
    on = today()
    out: dict[int, list[RuleFlag]] = {}
    for task in repository.unconfirmed(session, placement_ids, INJURY_COVER_KIND, on):
        flag = _injury_flag(task, on)
        if flag is not None:
            out.setdefault(task.placement_id, []).append(flag)
    return out


# --- tasks -------------------------------------------------------------------------------------------------------


def get_task(session: Session, principal: Principal, task_id: int) -> ServiceTask:
    reach = authz.reach(principal, Resource.service_task, Action.read)
    task = repository.task(session, task_id, reach)
    if task is None:
        raise NotFound("service task")
    return task


def check_task_writer(principal: Principal) -> None:
    authz.reach(principal, Resource.service_task, Action.write)


def update_task(
    session: Session, principal: Principal, task_id: int, data: TaskUpdate, if_match: int | None
) -> ServiceTask:
    """The responsible side records progress; `blocked` needs a reason; every change is appended to the history."""
    reach = authz.reach(principal, Resource.service_task, Action.write)
    task = repository.task(session, task_id, reach, for_update=True)
    if task is None:
        raise NotFound("service task")
    authz.check_responsible(principal, task.responsible)
    if if_match is not None and if_match != task.version:
        raise PreconditionFailed()
    before = task.status
    after = data.status or before
    errors = []
    if data.status is None and data.evidence_ref is None and data.blocked_reason is None and data.note is None:
        errors.append(
            field_error("status", Msg("没有需要更新的内容", "nothing to change: send status or evidence_ref"))
        )
    reason = data.blocked_reason or (task.blocked_reason if before == "blocked" else None)
    if after == "blocked" and reason is None:
        msg = Msg("状态为“受阻”时须填写受阻原因", "blocked needs blocked_reason: say what stands in the way")
        errors.append(field_error("blocked_reason", msg))
    if data.blocked_reason is not None and after != "blocked":
        msg = Msg("只有“受阻”状态需要填写受阻原因", "blocked_reason goes only with the status blocked")
        errors.append(field_error("blocked_reason", msg))
    if errors:
        raise ValidationFailed(errors)
    task.status = after
    task.blocked_reason = reason if after == "blocked" else None
    if data.evidence_ref is not None:
        task.evidence_ref = data.evidence_ref
    if after != before:
        task.done_on = today() if after == "done" else None
    repository.add(
        session,
        ServiceTaskEvent(
            task_id=task.id,
            from_status=before,
            to_status=after,
            org_id=principal.org_id,
            evidence_ref=data.evidence_ref,
            blocked_reason=data.blocked_reason,
            note=data.note,
        ),
    )
    session.flush()
    return task


def list_tasks(session: Session, principal: Principal, after_id: int, limit: int, **filters: Any) -> list[ServiceTask]:
    """Tasks across the placements the caller follows (the county's, the station's region's, the province's)."""
    reach = authz.reach(principal, Resource.service_queue, Action.read)
    return repository.page(session, reach, after_id, limit, today=today(), **filters)


def to_read(task: ServiceTask, on: date | None = None) -> TaskRead:
    on = on or today()
    running = task.status in OPEN_STATUSES
    values = {name: getattr(task, name) for name in TaskRead.model_fields if hasattr(task, name)}
    values["overdue"] = running and task.due_on is not None and task.due_on < on
    values["reminding"] = running and task.remind_on is not None and task.remind_on <= on
    return TaskRead.model_validate(values)


def to_detail(session: Session, task: ServiceTask) -> TaskDetail:
    events = [TaskEventRead.model_validate(e) for e in repository.events(session, task.id)]
    return TaskDetail.model_validate({**to_read(task).model_dump(), "events": events})
