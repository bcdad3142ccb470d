"""Placements: who may record them, no overbooking, honest end dates, and follow-ups."""

from datetime import date, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app import authz
from app.authz import REFERRER_KINDS, Action, Resource
from app.clock import today
from app.db import utcnow
from app.errors import Conflict, Duplicate, Msg, NotFound, PreconditionFailed, ValidationFailed, field_error
from app.onestop import service as onestop
from app.orgs import repository as orgs
from app.orgs.service import Principal
from app.pii import PiiVault
from app.placements import repository
from app.placements.models import FollowUp, Placement
from app.placements.schemas import FollowUpCreate, PlacementCreate, PlacementRead, PlacementUpdate
from app.training import repository as training
from app.vacancies import repository as vacancies
from app.workers import repository as workers
from app.workers.idnumber import age_on
from app.workers.schemas import MIN_WORKING_AGE
from app.workers.service import birth_date_of

TWIN_WINDOW = timedelta(minutes=1)
WORKER_BUSY = Msg("该劳动者已有在岗记录，请先登记离岗", "this worker already has an active placement; end it first")


def create_placement(session: Session, principal: Principal, data: PlacementCreate, vault: PiiVault) -> Placement:
    """Record a hire; the vacancy row is locked so concurrent hires cannot overbook it.

    A county office places its own workers; an employer only workers who agreed to share their profile.
    """
    reach = authz.reach(principal, Resource.placement, Action.create)
    worker = workers.get(
        session, data.worker_id, reach.worker_owner, for_update=True, consented_only=reach.consented_only
    )
    if worker is None:
        raise NotFound("worker")
    vacancy = vacancies.get(session, data.vacancy_id, reach.employer, for_update=True)
    if vacancy is None:
        raise NotFound("vacancy")
    errors = []
    if data.referred_by is not None:
        referrer = orgs.get_org(session, data.referred_by)
        if referrer is None or referrer.kind not in REFERRER_KINDS:
            errors.append(
                field_error(
                    "referred_by",
                    Msg(
                        "推荐机构必须是已登记的劳务中介或经纪人",
                        "referred_by must be the id of a registered agency or broker",
                    ),
                )
            )
    if data.training_enrolment_id is not None and (
        training.completed_enrolment(session, data.training_enrolment_id, worker.id) is None
    ):
        msg = Msg(
            "所填培训记录不是该劳动者已结业的培训", "training_enrolment_id is not this worker's completed enrolment"
        )
        errors.append(field_error("training_enrolment_id", msg))
    age = age_on(birth_date_of(worker, vault), data.start_date)
    if age < max(MIN_WORKING_AGE, vacancy.min_age) or (vacancy.max_age is not None and age > vacancy.max_age):
        # The age itself stays out of the message: an employer must not learn it by probing start dates.
        msg = Msg(
            "劳动者上岗时的年龄不符合岗位年龄要求", "the worker's age at the start date is outside the vacancy's limits"
        )
        errors.append(field_error("worker_id", msg))
    if errors:
        raise ValidationFailed(errors)
    if vacancy.status != "open":
        raise Conflict(Msg("该岗位已关闭，不能再登记就业", "this vacancy is closed"))
    active = repository.active_count(session, vacancy.id)
    if active >= vacancy.headcount:
        raise Conflict(Msg("该岗位招聘人数已满", "this vacancy's headcount is already filled"))
    # Counted under the same vacancy lock as the headcount, so concurrent hires cannot take a reserved place.
    held = training.reserved(session, today(), [vacancy.id]).get(vacancy.id)
    if held is not None and held.closed_to(worker.id) and active + held.places >= vacancy.headcount:
        left = vacancy.headcount - active
        raise Conflict(
            Msg(
                f"该岗位剩余的 {left} 个名额为订单班结业学员保留，{held.until} 起才对其他劳动者开放",
                f"the {left} place(s) left on this vacancy are reserved for its order-class graduates; "
                f"other workers can be placed from {held.until}",
            )
        )
    if repository.active_for_worker(session, worker.id) is not None:
        raise Conflict(WORKER_BUSY)
    placement = Placement(
        worker_id=worker.id,
        vacancy_id=vacancy.id,
        start_date=data.start_date,
        referred_by=data.referred_by,
        free_transport=data.free_transport,
        recorded_by_org_id=principal.org_id,
        training_enrolment_id=data.training_enrolment_id,
    )
    try:
        with session.begin_nested():
            repository.add(session, placement)
    except IntegrityError:  # the partial unique index: the same worker placed concurrently elsewhere
        raise Conflict(WORKER_BUSY) from None
    # A cross-province hire gets its one-stop checklist (社保接续, 异地就医备案) in the same transaction.
    onestop.create_checklist(session, placement, worker.hukou_county, vacancy.county_code, principal.org_id)
    return placement


def get_placement(
    session: Session,
    principal: Principal,
    placement_id: int,
    action: Action = Action.read,
    resource: Resource = Resource.placement,
) -> Placement:
    """The placement if the caller reaches it for this action (a write locks the row), else 404."""
    reach = authz.reach(principal, resource, action)
    placement = repository.get(session, placement_id, reach, for_update=action != Action.read)
    if placement is None:
        raise NotFound("placement")
    return placement


def end_placement(
    session: Session, principal: Principal, placement_id: int, data: PlacementUpdate, if_match: int | None
) -> Placement:
    """Record the end date and reason, once: between the start date and today (409 once it has ended)."""
    placement = get_placement(session, principal, placement_id, Action.end)
    if if_match is not None and if_match != placement.version:
        raise PreconditionFailed()
    if placement.end_date is not None:
        raise Conflict(
            Msg(
                f"该就业记录已于 {placement.end_date} 登记离岗", f"this placement already ended on {placement.end_date}"
            )
        )
    # A future end would free the place today while the worker is still there.
    _check_between_start_and_today(placement, "end_date", data.end_date, "离岗日期")
    placement.end_date, placement.end_reason, placement.for_cause = data.end_date, data.end_reason, data.for_cause
    session.flush()
    onestop.on_placement_end(session, placement, principal.org_id)  # the exit task, dated from the end
    return placement


def _check_between_start_and_today(placement: Placement, field: str, day: date, label_zh: str) -> None:
    """Dates recorded against a placement fall between its start and today."""
    if day > today():
        raise ValidationFailed.one(field, Msg(f"{label_zh}不能是未来日期", f"{field} cannot be in the future"))
    if day < placement.start_date:
        raise ValidationFailed.one(
            field,
            Msg(
                f"{label_zh}不能早于上岗日期 {placement.start_date}",
                f"{field} is before the start date {placement.start_date}",
            ),
        )


def list_placements(
    session: Session, principal: Principal, after_id: int, limit: int, **filters: object
) -> list[Placement]:
    """A page of the placements the caller may see; `status` is judged on today's date in China."""
    reach = authz.reach(principal, Resource.placement, Action.read)
    return repository.page(session, reach, after_id, limit, today=today(), **filters)  # type: ignore[arg-type]


def add_follow_up(
    session: Session, principal: Principal, placement_id: int, data: FollowUpCreate, *, refuse_twins: bool
) -> FollowUp:
    """Note a check-in; it must fall between the start of the placement and today.

    `refuse_twins` (a request without Idempotency-Key): the same placement, day, contact and outcome
    recorded within the last minute is a client's retry, answered 409 with the saved one's id.
    """
    # A write locks the row, so twins queue here.
    placement = get_placement(session, principal, placement_id, Action.create, Resource.follow_up)
    _check_between_start_and_today(placement, "date", data.date, "回访日期")
    follow_up = FollowUp(placement_id=placement.id, recorded_by_org_id=principal.org_id, **data.model_dump())
    if refuse_twins:
        twin = repository.recent_twin(session, follow_up, since=utcnow() - TWIN_WINDOW)
        if twin is not None:
            raise Duplicate(
                Msg(
                    f"一分钟内已登记过相同的回访（编号 {twin.id}），未重复保存；重试请求请带 Idempotency-Key",
                    f"the same follow-up was recorded within the last minute (id {twin.id}); "
                    "nothing was added. Send an Idempotency-Key when you retry",
                ),
                twin.id,
            )
    repository.add(session, follow_up)
    return follow_up


def list_follow_ups(
    session: Session, principal: Principal, placement_id: int, after_id: int, limit: int
) -> list[FollowUp]:
    placement = get_placement(session, principal, placement_id, Action.read, Resource.follow_up)
    return repository.follow_ups(session, placement.id, after_id, limit)


def to_read(placement: Placement) -> PlacementRead:
    return PlacementRead.model_validate(placement)
