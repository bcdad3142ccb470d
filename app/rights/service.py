"""Rights cases: who opens and handles them, the state machine, the working-day clocks, escalation to the province."""

import csv
import io
from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from app import authz
from app.authz import CASE_HANDLER_KINDS, EMPLOYER_KINDS, REFERRER_KINDS, Action, Reach, Resource
from app.clock import today
from app.config import Settings
from app.errors import Conflict, Msg, NotFound, ValidationFailed, field_error
from app.labels import label, to_code
from app.orgs.service import Principal
from app.reference import service as reference
from app.rights import repository
from app.rights.clocks import STOPS, clock
from app.rights.models import ACTIVE_STATUSES, CaseEvent, RightsCase
from app.rights.schemas import CaseCreate, CaseDetail, CaseRead, EventCreate, EventRead
from app.rights.workdays import WorkCalendar

# action -> (the statuses it may start from, the status it leads to; None keeps the status)
ANY = frozenset({"open", "accepted", "in_progress", "resolved", "rejected", "withdrawn"})
RUNNING = frozenset(ACTIVE_STATUSES)
CLOSED = ANY - RUNNING
TRANSITIONS: dict[str, tuple[frozenset[str], str | None]] = {
    "contact": (RUNNING, None),
    "accept": (frozenset({"open"}), "accepted"),
    "refer": (frozenset({"accepted", "in_progress"}), "in_progress"),
    "start": (frozenset({"accepted"}), "in_progress"),
    "note": (ANY, None),
    "resolve": (frozenset({"accepted", "in_progress"}), "resolved"),
    "reject": (RUNNING, "rejected"),
    "withdraw": (RUNNING, "withdrawn"),
    "reopen": (CLOSED, "in_progress"),
    "escalate": (RUNNING, None),
    "assign": (RUNNING, None),
}
# The fields each action needs, and the ones it may carry (a note goes with every action).
REQUIRED: dict[str, tuple[str, ...]] = {
    "refer": ("external_ref",),
    "resolve": ("outcome", "amount_recovered_fen"),
    "reject": ("reason",),
    "assign": ("assigned_org_id",),
}
OPTIONAL: dict[str, tuple[str, ...]] = {"withdraw": ("reason",), "reopen": ("reason",)}
EVENT_FIELDS = ("amount_recovered_fen", "outcome", "reason", "external_ref", "assigned_org_id")
FIELD_ZH = {
    "amount_recovered_fen": "追回金额",
    "outcome": "办理结果",
    "reason": "理由",
    "external_ref": "外部文号",
    "assigned_org_id": "承办机构",
}


def calendar(session: Session) -> WorkCalendar:
    return WorkCalendar(repository.loaded_calendar(session))


def open_case(session: Session, principal: Principal, data: CaseCreate, settings: Settings) -> RightsCase:
    """Open a case; from a placement the worker, employer, agency and workplace come with it (404 outside reach)."""
    reach = authz.reach(principal, Resource.case, Action.create)
    errors = []
    if data.placement_id and data.from_placement and data.placement_id != data.from_placement:
        msg = Msg("placement_id 与 from_placement 不一致", "placement_id and from_placement name different placements")
        raise ValidationFailed.one("from_placement", msg)
    placement_id = data.placement_id or data.from_placement
    worker_id, employer_id, agency_id = data.worker_id, data.employer_id, data.agency_id
    jurisdiction, home_county, owner = data.jurisdiction_county, None, None
    if placement_id is not None:
        found = repository.placement_in_reach(session, placement_id, reach)
        if found is None:
            raise NotFound("placement")
        placement, worker, vacancy = found
        for name, given, actual in (
            ("worker_id", worker_id, worker.id),
            ("employer_id", employer_id, vacancy.employer_org_id),
            ("jurisdiction_county", jurisdiction, vacancy.county_code),
        ):
            if given is not None and given != actual:
                errors.append(field_error(name, Msg("与就业记录不一致", f"{name} differs from the placement's")))
        worker_id, employer_id, jurisdiction = worker.id, vacancy.employer_org_id, vacancy.county_code
        agency_id = agency_id or placement.referred_by
        home_county, owner = worker.hukou_county, worker.owner_org_id
    else:
        if worker_id is not None:
            # Without a placement only an office that reaches the worker's profile may name the worker.
            named = repository.worker(session, worker_id, reach.worker_owner)
            if named is None or not authz.allows(principal, Resource.worker, Action.read):
                raise NotFound("worker")
            home_county, owner = named.hukou_county, named.owner_org_id
        elif reach.worker_owner is not None:
            errors.append(field_error("worker_id", Msg("请填写劳动者或就业记录", "name the worker or the placement")))
        if reach.employer is not None:
            employer_id = employer_id or reach.employer
            if employer_id != reach.employer:
                errors.append(
                    field_error("employer_id", Msg("企业只能登记针对本企业的案件", "an employer reports on itself"))
                )
        if reach.party is not None:
            agency_id = agency_id or principal.org_id
        if jurisdiction is None:
            errors.append(
                field_error("jurisdiction_county", Msg("请填写务工地区划代码", "jurisdiction_county is required"))
            )
        elif reference.get_division(session, jurisdiction) is None:
            errors.append(field_error("jurisdiction_county", Msg("行政区划代码不存在", "no such division code")))
        elif reach.region is not None and not jurisdiction.startswith(repository.region_prefix(reach.region)):
            errors.append(field_error("jurisdiction_county", Msg("不在本站服务区域内", "outside the station's region")))
    errors += _check_org(session, "employer_id", employer_id, lambda kind: kind in EMPLOYER_KINDS, "用工企业")
    errors += _check_org(session, "agency_id", agency_id, lambda kind: kind in REFERRER_KINDS, "劳务中介或经纪人")
    if data.kind == "agency_misconduct" and agency_id is None:
        errors.append(
            field_error("agency_id", Msg("中介违规案件需填写中介机构", "an agency_misconduct case names the agency"))
        )
    if errors:
        raise ValidationFailed(errors)
    assert jurisdiction is not None
    opened = today()
    case = RightsCase(
        kind=data.kind,
        status="open",
        placement_id=placement_id,
        worker_id=worker_id,
        worker_owner_org_id=owner,
        employer_id=employer_id,
        agency_id=agency_id,
        opened_by_org_id=principal.org_id,
        opened_by_kind=principal.kind.value,
        assigned_org_id=_first_handler(session, principal, owner, jurisdiction),
        jurisdiction_county=jurisdiction,
        home_county=home_county,
        summary=data.summary,
        amount_claimed_fen=data.amount_claimed_fen,
        workers_affected=data.workers_affected,
        confidential=data.confidential,
        external_ref=data.external_ref,
        opened_on=opened,
        clocks={},
        due_provisional=False,
        overdue_escalated=False,
    )
    cal = calendar(session)
    _start_clock(case, "contact", opened, cal, settings)
    _start_clock(case, "accept", opened, cal, settings)
    repository.add_case(session, case)
    repository.add_event(
        session,
        CaseEvent(
            case_id=case.id,
            action="open",
            from_status=None,
            to_status="open",
            org_id=principal.org_id,
            org_kind=principal.kind.value,
            note=None,
            external_ref=data.external_ref,
            assigned_org_id=case.assigned_org_id,
        ),
    )
    return case


def _check_org(session: Session, field: str, org_id: int | None, fits: Any, zh: str) -> list[dict[str, Any]]:
    if org_id is None:
        return []
    found = repository.org(session, org_id)
    if found is None or not fits(found.kind):
        return [field_error(field, Msg(f"应为已登记的{zh}编号", f"{field} must be the id of a registered org"))]
    return []


def _first_handler(session: Session, principal: Principal, owner: int | None, jurisdiction: str) -> int:
    """The opener handles it if it is a handling office; else the worker's county office, else the province."""
    if principal.kind in CASE_HANDLER_KINDS:
        return principal.org_id
    if owner is not None:
        return owner
    province = repository.provincial_office(session, jurisdiction[:2] + "0000")
    return province.id if province is not None else principal.org_id


def _start_clock(case: RightsCase, name: str, start: date, cal: WorkCalendar, settings: Settings) -> None:
    running = clock(case.kind, name, settings.case_clock_days)
    due, provisional = running.due(start, cal)
    clocks = dict(case.clocks or {})  # a new dict: the JSON column sees the change
    clocks[name] = {
        "started": start.isoformat(),
        "due": due.isoformat(),
        "provisional": provisional,
        "days": running.days,
        "unit": running.unit,
    }
    _set_clocks(case, clocks)


def _set_clocks(case: RightsCase, clocks: dict[str, Any]) -> None:
    case.clocks = clocks
    if not clocks:
        case.due_on, case.due_provisional = None, False
        return
    first = min(clocks.values(), key=lambda c: c["due"])
    case.due_on, case.due_provisional = date.fromisoformat(first["due"]), bool(first["provisional"])


def get_case(session: Session, principal: Principal, case_id: int) -> tuple[RightsCase, Reach]:
    reach = authz.reach(principal, Resource.case, Action.read)
    case = repository.get(session, case_id, reach)
    if case is None:
        raise NotFound("case")
    return case, reach


def list_cases(
    session: Session, principal: Principal, after_id: int, limit: int, **filters: Any
) -> tuple[list[RightsCase], Reach]:
    reach = authz.reach(principal, Resource.case, Action.read)
    return repository.page(session, reach, after_id, limit, today=today(), **filters), reach


def add_event(
    session: Session, principal: Principal, case_id: int, data: EventCreate, settings: Settings
) -> RightsCase:
    """Record one action on a case: 422 for missing or misplaced fields, 409 for a transition its status forbids."""
    reach = authz.reach(principal, Resource.case, Action.write)
    case = repository.get(session, case_id, reach, for_update=True)
    if case is None:
        raise NotFound("case")
    _check_event_fields(data)
    assigned = None
    if data.action == "assign":
        assert data.assigned_org_id is not None
        target = repository.org(session, data.assigned_org_id)
        if target is None or target.kind not in CASE_HANDLER_KINDS:
            raise ValidationFailed.one(
                "assigned_org_id",
                Msg(
                    "承办机构应为县级人社部门、劳务协作站或省级协作办公室",
                    "assigned_org_id must be a county office, a station or a provincial office",
                ),
            )
        assigned = target.id
    _check_transition(case, data.action)
    if data.action == "escalate":
        assigned = _province_of(session, case).id
    _apply(session, case, data.action, data, principal, assigned, today(), settings)
    return case


def _check_event_fields(data: EventCreate) -> None:
    allowed = set(REQUIRED.get(data.action, ())) | set(OPTIONAL.get(data.action, ()))
    errors = []
    for name in EVENT_FIELDS:
        value = getattr(data, name)
        if name in REQUIRED.get(data.action, ()) and value is None:
            errors.append(
                field_error(
                    name,
                    Msg(f"{label('case_action', data.action)}需要填写{FIELD_ZH[name]}", f"{data.action} needs {name}"),
                )
            )
        elif value is not None and name not in allowed:
            errors.append(
                field_error(name, Msg(f"{FIELD_ZH[name]}不适用于此操作", f"{name} does not go with {data.action}"))
            )
    if errors:
        raise ValidationFailed(errors)


def _check_transition(case: RightsCase, action: str) -> None:
    allowed_from, _ = TRANSITIONS[action]
    if case.status not in allowed_from:
        status = label("case_status", case.status) or case.status
        raise Conflict(
            Msg(
                f"案件当前状态为“{status}”，不能{label('case_action', action)}",
                f"a case that is {case.status} cannot take the action {action}",
            )
        )


def _province_of(session: Session, case: RightsCase) -> Any:
    code = case.jurisdiction_county[:2] + "0000"
    province = repository.provincial_office(session, code)
    if province is None:
        raise Conflict(
            Msg(f"{code} 省级协作办公室尚未登记，无法上报", f"no provincial office for {code} is registered yet")
        )
    return province


def _apply(
    session: Session,
    case: RightsCase,
    action: str,
    data: EventCreate | None,
    principal: Principal | None,
    assigned: int | None,
    on: date,
    settings: Settings,
    note: str | None = None,
) -> None:
    """Change the case as the action says and append its event, in one step: the row never changes otherwise."""
    before = case.status
    _, after = TRANSITIONS[action]
    case.status = after or before
    clocks = dict(case.clocks or {})
    for name in STOPS.get(action, ()):
        clocks.pop(name, None)
    _set_clocks(case, clocks)
    if action == "refer" and data is not None:
        case.external_ref = data.external_ref
        _start_clock(case, "refer", on, calendar(session), settings)
    if action == "resolve" and data is not None:
        case.outcome, case.amount_recovered_fen = data.outcome, data.amount_recovered_fen
    if action in ("reject", "withdraw") and data is not None:
        case.reason = data.reason
    if assigned is not None:
        case.assigned_org_id = assigned
    if principal is None:  # the automatic escalation
        case.overdue_escalated = True
    fields = {name: getattr(data, name) for name in EVENT_FIELDS} if data is not None else {}
    fields["assigned_org_id"] = assigned
    repository.add_event(
        session,
        CaseEvent(
            case_id=case.id,
            action=action,
            from_status=before,
            to_status=case.status,
            org_id=principal.org_id if principal else None,
            org_kind=principal.kind.value if principal else None,
            note=data.note if data is not None else note,
            **fields,
        ),
    )
    session.flush()


def escalate_overdue(session: Session, on: date, settings: Settings) -> dict[str, Any]:
    """Hand each case overdue by the grace (working days) to its province's office, once; a rerun changes nothing."""
    grace = settings.case_escalate_after_working_days
    cal = calendar(session)
    escalated, waiting, no_office = [], 0, []
    # N working days after a due date are at least N calendar days after it: the query narrows, the loop decides.
    for case in repository.escalation_candidates(session, on):
        assert case.due_on is not None
        deadline, _ = cal.add_working_days(case.due_on, grace)
        if on < deadline:
            waiting += 1
            continue
        code = case.jurisdiction_county[:2] + "0000"
        province = repository.provincial_office(session, code)
        if province is None:
            no_office.append(case.id)
            continue
        note = f"超期 {grace} 个工作日自动上报省级 / overdue {grace} working days past {case.due_on}: escalated"
        _apply(session, case, "escalate", None, None, province.id, on, settings, note=note)
        escalated.append(case.id)
    return {"on": on.isoformat(), "escalated": escalated, "not_yet": waiting, "no_provincial_office": no_office}


def to_read(session: Session, case: RightsCase, reach: Reach, *, with_events: bool = False) -> CaseRead:
    """The case as the caller may see it: a confidential case reaches an employer without the worker."""
    hidden = reach.masks_confidential and case.confidential
    values = {name: getattr(case, name) for name in CaseRead.model_fields if hasattr(case, name)}
    values["overdue"] = case.status in ACTIVE_STATUSES and case.due_on is not None and case.due_on < today()
    if hidden:
        values.update(worker_id=None, placement_id=None, home_county=None)
    if not with_events:
        return CaseRead.model_validate(values)
    events = [EventRead.model_validate(e) for e in repository.events(session, case.id)]
    if hidden:  # an office's notes may name the worker
        events = [e.model_copy(update={"note": None}) for e in events]
    return CaseDetail.model_validate({**values, "events": events})


# --- the holiday and make-up-day table a province loads ---------------------------------------------------------

DAY_TYPES = ("holiday", "workday")


def load_holidays(
    session: Session, principal: Principal | None, text: str, source: str, year: int | None = None
) -> dict[str, Any]:
    """Replace a year's table from CSV `date,type[,name]` (type: holiday/workday or 休/班); all or nothing."""
    if principal is not None:
        authz.reach(principal, Resource.work_calendar, Action.write)
    if not source.strip():
        raise ValidationFailed.one("source", Msg("请注明来源（国务院办公厅通知文号）", "name the source notice"))
    errors, rows = [], []
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = {"date", "type"} - set(reader.fieldnames or [])
    if missing:
        raise ValidationFailed.one("file", Msg(f"缺少列 {sorted(missing)}", f"missing columns {sorted(missing)}"))
    for number, row in enumerate(reader, start=2):
        try:
            day = date.fromisoformat((row.get("date") or "").strip())
        except ValueError:
            errors.append(field_error("date", Msg("日期格式应为 YYYY-MM-DD", "must be a date YYYY-MM-DD"), number))
            continue
        kind = to_code("calendar_day", row.get("type") or "", DAY_TYPES)
        if kind not in DAY_TYPES:
            errors.append(field_error("type", Msg("应为 休 或 班", "must be holiday or workday (休/班)"), number))
            continue
        rows.append({"day": day, "year": day.year, "workday": kind == "workday", "name": (row.get("name") or None)})
    years = {r["year"] for r in rows}
    if not errors and (len(years) != 1 or (year is not None and years != {year})):
        errors.append(
            field_error("date", Msg("一个文件只能包含同一年的日期", "the file must hold the days of one year"))
        )
    if len({r["day"] for r in rows}) != len(rows):
        errors.append(field_error("date", Msg("同一日期出现多次", "a date appears more than once")))
    if errors:
        raise ValidationFailed(errors)
    loaded_year = years.pop()
    stamped = [
        {**r, "source": source.strip(), "loaded_by_org_id": principal.org_id if principal else None} for r in rows
    ]
    count = repository.replace_calendar_year(session, loaded_year, stamped)
    return {"year": loaded_year, "days": count, "source": source.strip()}


def calendar_tables(session: Session) -> list[Mapping[str, Any]]:
    return [{"year": y, "source": s, "days": n} for y, s, n in repository.calendar_years(session)]
