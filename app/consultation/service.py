"""Consultation actions: the province records them on a pairing; their owner reports progress until they close."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from app import authz
from app.authz import Action, Reach, Resource
from app.clock import CST, today
from app.consultation import repository
from app.consultation.models import CLOSED_STATUSES, OPEN_STATUSES, ConsultationAction, ConsultationActionEvent
from app.consultation.schemas import ActionCreate, ActionDetail, ActionEventRead, ActionRead, ActionUpdate
from app.db import utcnow
from app.errors import Conflict, Forbidden, Msg, NotFound, PreconditionFailed, ValidationFailed, field_error
from app.labels import label
from app.orgs import repository as orgs_repo
from app.orgs.service import Principal
from app.reference import repository as reference_repo
from app.reference.models import Pairing
from app.reference.service import within
from app.schemas import cleared_required_fields

# status -> the statuses a change may lead to; a closed action is reopened as in progress, never as new
NEXT: dict[str, frozenset[str]] = {
    "open": frozenset({"in_progress", "done", "dropped"}),
    "in_progress": frozenset({"done", "dropped"}),
    "done": frozenset({"in_progress"}),
    "dropped": frozenset({"in_progress"}),
}
PROVINCE_FIELDS = ("issue", "owner_org_id", "due_date")  # what only a provincial office changes
NOT_A_PARTY = Msg(
    "责任单位应为结对西部一方的县级人社部门、东部一方的劳务协作站或省级协作办公室",
    "the owner must be a county office on the pairing's west side, a station on its east side or a provincial office",
)
DUE_IN_THE_PAST = Msg("完成期限不能早于今天（中国标准时间）", "due_date cannot be before today (China Standard Time)")
CLOSING_NOTE_NEEDED = Msg(
    "办结或撤销事项须填写办理情况说明", "closing an action (done or dropped) needs a closing_note"
)
NOTE_ONLY_WHEN_CLOSING = Msg("只有办结或撤销时填写办理情况说明", "closing_note goes with the status done or dropped")


def _receives(region: str, east_code: str) -> bool:
    return within(region, east_code) or within(east_code, region)


def _in_reach(reach: Reach, pairing: Pairing) -> bool:
    """A county office reaches the pairings it sends through, a station those its region receives for."""
    if reach.region is not None and not within(reach.region, pairing.west_code):
        return False
    return reach.workplace_region is None or _receives(reach.workplace_region, pairing.east_code)


def _pairing(session: Session, principal: Principal, pairing_id: int) -> Pairing:
    """The pairing, when the caller may read its actions (403 for a kind without the right, 404 outside reach)."""
    reach = authz.reach(principal, Resource.consultation_action, Action.read)
    pairing = reference_repo.get_pairing(session, pairing_id)
    if pairing is None or not _in_reach(reach, pairing):
        raise NotFound("pairing")
    return pairing


def _check_owner(session: Session, pairing: Pairing, owner_org_id: int) -> list[dict[str, Any]]:
    owner = orgs_repo.get_org(session, owner_org_id)
    if owner is None:
        return [field_error("owner_org_id", Msg(f"机构 {owner_org_id} 不存在", f"no organisation {owner_org_id}"))]
    sends, receives = within(owner.region_code, pairing.west_code), _receives(owner.region_code, pairing.east_code)
    return [] if authz.may_own_action(owner.kind, sends, receives) else [field_error("owner_org_id", NOT_A_PARTY)]


def _event(
    action: ConsultationAction, org_id: int, from_status: str | None, note: str | None
) -> ConsultationActionEvent:
    return ConsultationActionEvent(
        action_id=action.id,
        org_id=org_id,
        from_status=from_status,
        status=action.status,
        issue=action.issue,
        owner_org_id=action.owner_org_id,
        due_date=action.due_date,
        closing_note=action.closing_note,
        note=note,
    )


def create_action(session: Session, principal: Principal, pairing_id: int, data: ActionCreate) -> ConsultationAction:
    """Record what a consultation agreed on (a provincial office only); nothing is written when a field is wrong."""
    authz.reach(principal, Resource.consultation_action, Action.create)
    pairing = _pairing(session, principal, pairing_id)
    errors = _check_owner(session, pairing, data.owner_org_id)
    if data.due_date < today():
        errors.append(field_error("due_date", DUE_IN_THE_PAST))
    if data.status not in OPEN_STATUSES:
        errors.append(
            field_error("status", Msg("新登记的事项只能是待办或推进中", "a new action is open or in_progress"))
        )
    if errors:
        raise ValidationFailed(errors)
    return raise_action(
        session, pairing.id, data.issue, data.owner_org_id, data.due_date, principal.org_id, data.note, data.status
    )


def raise_action(
    session: Session,
    pairing_id: int,
    issue: str,
    owner_org_id: int,
    due_date: date,
    raised_by: int,
    note: str | None,
    status: str = "open",
) -> ConsultationAction:
    """Write a checked action and the event that raised it (a quarterly evaluation raises rectifications too)."""
    action = ConsultationAction(
        pairing_id=pairing_id,
        issue=issue,
        owner_org_id=owner_org_id,
        due_date=due_date,
        status=status,
        raised_by_org_id=raised_by,
        raised_on=today(),
    )
    repository.add(session, action)
    repository.add(session, _event(action, raised_by, None, note))
    return action


def check_writer(principal: Principal) -> Reach:
    """Who may change an action at all (403 before anything about If-Match): its owner or a provincial office."""
    return authz.reach(principal, Resource.consultation_action, Action.write)


def update_action(
    session: Session,
    principal: Principal,
    pairing_id: int,
    action_id: int,
    data: ActionUpdate,
    if_match: int | None,
) -> ConsultationAction:
    """Report progress or close (the owner), or change what is asked, of whom and by when (a provincial office)."""
    reach = check_writer(principal)
    pairing = _pairing(session, principal, pairing_id)
    action = repository.action(session, pairing_id, action_id, for_update=True)
    if action is None:
        raise NotFound("consultation_action")
    sent = data.model_dump(exclude_unset=True)
    if reach.party is not None:
        if action.owner_org_id != reach.party:
            raise Forbidden(authz.refusal(principal, Resource.consultation_action, Action.write))
        if any(name in sent for name in PROVINCE_FIELDS):
            raise Forbidden(
                Msg(
                    "事项内容、责任单位和完成期限由省级协作办公室修改；责任单位报告进展和办理情况",
                    "only a provincial office changes the issue, owner or due date; the owner reports status and "
                    "closing_note",
                )
            )
    if if_match is not None and if_match != action.version:
        raise PreconditionFailed()
    before = action.status
    after = data.status or before
    if after != before and after not in NEXT[before]:
        now, wanted = label("consultation_action_status", before), label("consultation_action_status", after)
        raise Conflict(
            Msg(f"事项当前为“{now}”，不能改为“{wanted}”", f"an action that is {before} cannot become {after}"),
            [field_error("status", Msg("状态变更不允许", f"{before} → {after} is not allowed"))],
        )
    changes_content = any(sent.get(name) is not None for name in PROVINCE_FIELDS)
    if before in CLOSED_STATUSES and after in CLOSED_STATUSES and (changes_content or "closing_note" in sent):
        raise Conflict(
            Msg(
                "事项已结束，请先重新打开（改为推进中）再修改",
                "the action is closed: reopen it (in_progress) to change it",
            )
        )
    errors = cleared_required_fields(sent, ActionCreate)
    if not any(v is not None for v in sent.values()):
        errors.append(field_error("status", Msg("没有需要更新的内容", "nothing to change")))
    if data.due_date is not None and data.due_date != action.due_date and data.due_date < today():
        errors.append(field_error("due_date", DUE_IN_THE_PAST))
    if data.owner_org_id is not None and data.owner_org_id != action.owner_org_id:
        errors += _check_owner(session, pairing, data.owner_org_id)
    closing = after in CLOSED_STATUSES and after != before
    if closing and data.closing_note is None:
        errors.append(field_error("closing_note", CLOSING_NOTE_NEEDED))
    if data.closing_note is not None and not closing:
        errors.append(field_error("closing_note", NOTE_ONLY_WHEN_CLOSING))
    if errors:
        raise ValidationFailed(errors)
    for name in PROVINCE_FIELDS:
        if sent.get(name) is not None:
            setattr(action, name, sent[name])
    action.status = after
    if closing:
        action.closing_note, action.closed_on = data.closing_note, today()
    elif after != before:  # reopened: the earlier closing note stays in the history
        action.closing_note, action.closed_on = None, None
    action.updated_at = utcnow()  # a note alone is a change too: the history grew, so the ETag moves on
    session.flush()
    repository.add(session, _event(action, principal.org_id, before, data.note))
    return action


def list_actions(
    session: Session, principal: Principal, pairing_id: int, after_id: int, limit: int, **filters: Any
) -> list[ConsultationAction]:
    _pairing(session, principal, pairing_id)
    return repository.page(session, pairing_id, after_id, limit, today=today(), **filters)


def get_action(session: Session, principal: Principal, pairing_id: int, action_id: int) -> ConsultationAction:
    _pairing(session, principal, pairing_id)
    action = repository.action(session, pairing_id, action_id)
    if action is None:
        raise NotFound("consultation_action")
    return action


def is_overdue(status: str, due_date: date, on: date) -> bool:
    """Still open the day after it was due."""
    return status in OPEN_STATUSES and due_date < on


def to_reads(session: Session, actions: list[ConsultationAction]) -> list[ActionRead]:
    names = orgs_repo.names_of(session, {a.owner_org_id for a in actions})
    on = today()
    return [
        ActionRead.model_validate(
            {
                **{f: getattr(a, f) for f in ActionRead.model_fields if hasattr(a, f)},
                "owner_name": names.get(a.owner_org_id, ""),
                "overdue": is_overdue(a.status, a.due_date, on),
            }
        )
        for a in actions
    ]


def to_detail(session: Session, action: ConsultationAction) -> ActionDetail:
    read = to_reads(session, [action])[0]
    events = [ActionEventRead.model_validate(e) for e in repository.events_of(session, action.id)]
    return ActionDetail(**read.model_dump(exclude={"status_label"}), events=events)


# --- the monthly pack: each action as it stood at a month's end, replayed from its history ---------------------


@dataclass(frozen=True)
class ActionAt:
    """An action as the month's pack shows it."""

    id: int
    pairing_id: int
    issue: str
    owner_org_id: int
    due_date: date
    status: str
    closing_note: str | None
    raised_on: date
    closed_on: date | None
    carried_over: bool  # raised before the month and still open when it began
    overdue: bool  # still open at the month's end, its due date passed

    def as_dict(self, owner_name: str) -> dict[str, Any]:
        return {
            "id": self.id,
            "pairing_id": self.pairing_id,
            "issue": self.issue,
            "owner_org_id": self.owner_org_id,
            "owner_name": owner_name,
            "due_date": self.due_date.isoformat(),
            "status": self.status,
            "status_label": label("consultation_action_status", self.status),
            "closing_note": self.closing_note,
            "raised_on": self.raised_on.isoformat(),
            "closed_on": self.closed_on.isoformat() if self.closed_on else None,
            "carried_over": self.carried_over,
            "overdue": self.overdue,
        }


def _cst_day(at: datetime) -> date:
    return at.astimezone(CST).date()


def actions_in_month(session: Session, start: datetime, until: datetime, last: date) -> list[ActionAt]:
    """Actions raised by the month's end and not closed before it began, each as its history stood at the end."""
    history: dict[int, list[tuple[int, ConsultationActionEvent]]] = defaultdict(list)
    for pairing_id, ev in repository.report_events(session, until):
        history[ev.action_id].append((pairing_id, ev))
    out = []
    for action_id, events in history.items():
        pairing_id, first = events[0]
        before = [e for _, e in events if e.at < start]
        if before and before[-1].status in CLOSED_STATUSES:
            continue  # closed in an earlier month: that month's pack showed it
        end = events[-1][1]
        closings = [e for _, e in events if e.status in CLOSED_STATUSES and e.from_status not in CLOSED_STATUSES]
        closed = end.status in CLOSED_STATUSES
        out.append(
            ActionAt(
                id=action_id,
                pairing_id=pairing_id,
                issue=end.issue,
                owner_org_id=end.owner_org_id,
                due_date=end.due_date,
                status=end.status,
                closing_note=end.closing_note,
                raised_on=_cst_day(first.at),
                closed_on=_cst_day(closings[-1].at) if closed else None,
                carried_over=bool(before),
                overdue=is_overdue(end.status, end.due_date, last + timedelta(days=1)),
            )
        )
    return sorted(out, key=lambda a: (a.pairing_id, a.id))


def owner_names(session: Session, actions: list[ActionAt]) -> dict[int, str]:
    return orgs_repo.names_of(session, {a.owner_org_id for a in actions})
