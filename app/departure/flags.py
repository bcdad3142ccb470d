"""Risk flags seen through each role's wall, and officers' answers to them."""

from __future__ import annotations

import base64

from sqlalchemy.orm import Session

from app import authz
from app.authz import EMPLOYER_KINDS, OFFICE_KINDS, Action, Resource
from app.clock import today
from app.config import Settings
from app.departure import repository, service
from app.departure.models import FlagReview
from app.departure.schemas import AtRiskItem, FlagReviewAnswer, FlagReviewCreate, FlagReviewRead, Reason, RuleAction
from app.errors import Msg, NotFound, ValidationFailed
from app.labels import label
from app.onestop import service as onestop
from app.orgs.service import Principal
from app.placements import repository as placements
from app.placements.models import Placement
from app.rights import repository as case_ties
from app.rights import service as cases
from app.rights.schemas import CaseCreate
from app.schemas import Page
from matching.departure_features import HORIZONS

ARREARS_REASON = "open_wage_case"
CHECK_WAGES = RuleAction(code="check_wages", label=label("action", "check_wages") or "check_wages")
BAD_CURSOR = Msg("分页游标无效", "cursor is not valid")


def encode_risk_cursor(risk: float, placement_id: int) -> str:
    return base64.urlsafe_b64encode(f"{risk!r}:{placement_id}".encode()).decode().rstrip("=")


def decode_risk_cursor(cursor: str | None) -> tuple[float, int] | None:
    """(risk, placement id) of the last row shown; anything else is a 422."""
    if not cursor:
        return None
    try:
        risk_s, _, pid_s = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode().partition(":")
        risk, pid = float(risk_s), int(pid_s)
    except (ValueError, UnicodeDecodeError):
        raise ValidationFailed.one("cursor", BAD_CURSOR) from None
    if not (0.0 <= risk <= 1.0 and 0 <= pid <= 2_147_483_647):
        raise ValidationFailed.one("cursor", BAD_CURSOR)
    return risk, pid


def at_risk(
    session: Session, principal: Principal, horizon: int, after: tuple[float, int] | None, limit: int
) -> Page[AtRiskItem]:
    """A page of at-risk placements; a flag is support information only, it changes nothing else."""
    reach = authz.reach(principal, Resource.risk_flag, Action.read)
    if horizon not in HORIZONS:
        raise ValidationFailed.one("horizon", Msg("期限只能是 30、90 或 180 天", "horizon must be 30, 90 or 180"))
    rows = repository.at_risk_page(session, reach, horizon, after, limit + 1)
    shown = rows[:limit]
    ids = [r.placement_id for r, _, _ in shown]
    own_only = reach.answers_of is not None
    # An employer reads only its own answers; the offices read every answer, the latest office one as the review.
    reviews = repository.latest_reviews(
        session, ids, org_id=reach.answers_of, org_kinds=None if own_only else OFFICE_KINDS
    )
    answers = {} if own_only else repository.latest_reviews(session, ids, org_kinds=EMPLOYER_KINDS)
    people = repository.people_and_jobs(session, ids)
    in_arrears = case_ties.placements_at_employers_in_arrears(session, ids)
    rules = onestop.rule_flags(session, ids)  # one-stop services: shown beside the risk, never folded into it
    on = today()
    items = []
    for r, p, prob in shown:
        person = people[p.id]
        # Offices read the profile anyway (masked); an employer or a station sees a worker as /candidates shows
        # one: the name and masked phone only with the worker's consent to share.
        shown_to_caller = (not own_only and not reach.masks_personal) or person.consent_to_share
        action = service.action_for_kind(
            principal.kind, service.headline_risk(r.risk_30, r.risk_90, r.risk_180), r.reasons, r.action
        )
        # An open wage-arrears case at the employer is a fact beside the score: a reason and an action of its own.
        ruled = service.reason_items([ARREARS_REASON]) if p.id in in_arrears else []
        reasons = service.reasons_for(principal.kind, [*r.reasons, *ruled])
        rule_actions = [CHECK_WAGES] if any(x["code"] == ARREARS_REASON for x in reasons) else []
        items.append(
            AtRiskItem(
                placement_id=p.id,
                worker_id=p.worker_id,
                worker_name=person.name if shown_to_caller else None,
                worker_phone=person.phone_masked if shown_to_caller else None,
                vacancy_id=p.vacancy_id,
                vacancy_title=person.title,
                start_date=p.start_date.isoformat(),
                status=p.status,
                days_in_job=max((on - p.start_date).days, 0),
                probability=prob,
                risk_30=r.risk_30,
                risk_90=r.risk_90,
                risk_180=r.risk_180,
                reasons=[Reason.model_validate(x) for x in reasons],
                action=action,
                action_label=label("action", action) or action,
                rule_actions=rule_actions,
                model_version=r.model_version,
                scored_at=r.scored_at,
                latest_review=FlagReviewRead.model_validate(reviews[p.id]) if p.id in reviews else None,
                latest_employer_review=FlagReviewRead.model_validate(answers[p.id]) if p.id in answers else None,
                rule_flags=rules.get(p.id, []),
            )
        )
    more = len(rows) > limit
    return Page(items=items, next_cursor=encode_risk_cursor(shown[-1][2], shown[-1][0].placement_id) if more else None)


def _placement(session: Session, principal: Principal, placement_id: int, action: Action) -> Placement:
    placement = placements.get(session, placement_id, authz.reach(principal, Resource.risk_flag, action))
    if placement is None:
        raise NotFound("placement")
    return placement


def add_review(
    session: Session, principal: Principal, placement_id: int, data: FlagReviewCreate, settings: Settings
) -> FlagReviewAnswer:
    """Keep the officer's decision with the model's risk and version at that moment; an escalation may open a case.

    The review, the case and its opening event are written in the request's one unit of work: all or nothing.
    """
    placement = _placement(session, principal, placement_id, Action.write)
    if data.open_case is not None and data.decision != "escalated":
        raise ValidationFailed.one(
            "open_case",
            Msg("只有“已上报”的处理才能同时立案", "open_case goes only with the decision escalated"),
        )
    risk = repository.risk_of(session, placement.id)
    review = FlagReview(
        placement_id=placement.id,
        org_id=principal.org_id,
        decision=data.decision,
        note=data.note,
        risk_90=risk.risk_90 if risk else None,
        model_version=risk.model_version if risk else None,
    )
    repository.add_review(session, review)
    opened = None
    if data.open_case is not None:
        request = CaseCreate.model_validate({**data.open_case.model_dump(), "placement_id": placement.id})
        case = cases.open_case(session, principal, request, settings)
        _, case_reach = cases.get_case(session, principal, case.id)
        opened = cases.to_read(session, case, case_reach, with_events=True)
    return FlagReviewAnswer.model_validate(review).model_copy(update={"opened_case": opened})


def list_reviews(
    session: Session, principal: Principal, placement_id: int, after_id: int, limit: int
) -> list[FlagReview]:
    """Offices read every answer; an employer only its own (a county's note may name people and plans)."""
    placement = _placement(session, principal, placement_id, Action.read)
    answers_of = authz.reach(principal, Resource.risk_flag, Action.read).answers_of
    return repository.reviews_page(session, placement.id, after_id, limit, org_id=answers_of)
