"""Training: employers state demands, schools run classes, county offices enrol workers, schools record results."""

from datetime import timedelta
from fractions import Fraction
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app import authz
from app.authz import Action, Reach, Resource
from app.clock import today
from app.errors import Conflict, Msg, NotFound, PreconditionFailed, ValidationFailed, field_error
from app.labels import zh
from app.orgs.service import Principal
from app.placements import repository as placements
from app.reference import service as reference
from app.schemas import EMPTY_FIELD
from app.training import repository
from app.training.models import Enrolment, TrainingClass, TrainingDemand
from app.training.schemas import (
    OPENING_STATUSES,
    ClassCreate,
    ClassRead,
    ClassUpdate,
    DemandCreate,
    DemandUpdate,
    EnrolmentCreate,
    EnrolmentRead,
    EnrolmentUpdate,
    WorkerTrainingRead,
)
from app.vacancies import repository as vacancies
from app.workers import repository as workers
from matching.bilingual import zh_en

# A class moves forward only; completed and cancelled are final.
NEXT_STATUSES: dict[str, frozenset[str]] = {
    "planned": frozenset({"enrolling", "cancelled"}),
    "enrolling": frozenset({"running", "cancelled"}),
    "running": frozenset({"completed", "cancelled"}),
}
# Results are recorded once the class has started.
RESULTS_FROM = ("running", "completed")
NOT_YOUR_VACANCY = Msg("岗位不存在或不是本企业的岗位", "vacancy_id is not one of your organisation's vacancies")


def _check(errors: list[dict[str, Any]]) -> None:
    if errors:
        raise ValidationFailed(errors)


def _null_errors(changes: dict[str, Any], required: tuple[str, ...]) -> list[dict[str, Any]]:
    return [field_error(f, EMPTY_FIELD) for f in required if f in changes and changes[f] is None]


def _check_version(row: TrainingDemand | TrainingClass | Enrolment, if_match: int | None) -> None:
    if if_match is not None and if_match != row.version:
        raise PreconditionFailed()


# --- demands -------------------------------------------------------------------------------------------------


def _demand_errors(session: Session, employer: int, values: dict[str, Any]) -> list[dict[str, Any]]:
    """Own vacancy, a known occupation (the vacancy's when none is given), commitments within the headcount."""
    errors = []
    if values.get("vacancy_id") is not None:
        vacancy = vacancies.get(session, values["vacancy_id"], employer)
        if vacancy is None:
            errors.append(field_error("vacancy_id", NOT_YOUR_VACANCY))
        elif values.get("occupation_code") is None:
            values["occupation_code"] = vacancy.occupation_code
    if values.get("occupation_code") is None:
        if not any(e["field"] == "vacancy_id" for e in errors):
            msg = Msg(
                "请填写职业代码（或关联一个已有职业代码的岗位）", "occupation_code is required (or a vacancy with one)"
            )
            errors.append(field_error("occupation_code", msg))
    else:
        problem = reference.index(session).occupation_problem([values["occupation_code"]])
        if problem:
            errors.append(field_error("occupation_code", problem))
    if values["hire_commitment"] > values["headcount"]:
        msg = Msg("承诺录用人数不能多于需求人数", "hire_commitment must not exceed headcount")
        errors.append(field_error("hire_commitment", msg))
    return errors


def create_demand(session: Session, principal: Principal, data: DemandCreate) -> TrainingDemand:
    """An employer's demand; its vacancy, if named, must be the employer's own."""
    employer = authz.reach(principal, Resource.training_demand, Action.write).employer
    assert employer is not None
    values = data.model_dump()
    _check(_demand_errors(session, employer, values))
    demand = TrainingDemand(employer_org_id=employer, **values)
    repository.add(session, demand)
    return demand


def get_demand(session: Session, principal: Principal, demand_id: int, *, write: bool = False) -> TrainingDemand:
    reach = authz.reach(principal, Resource.training_demand, Action.write if write else Action.read)
    demand = repository.get_demand(session, demand_id, reach, for_update=write)
    if demand is None:
        raise NotFound("training_demand")
    return demand


def update_demand(
    session: Session, principal: Principal, demand_id: int, data: DemandUpdate, if_match: int | None
) -> TrainingDemand:
    demand = get_demand(session, principal, demand_id, write=True)
    _check_version(demand, if_match)
    changes = data.model_dump(exclude_unset=True)
    _check(_null_errors(changes, ("occupation_code", "headcount", "hire_commitment", "skills")))
    merged = {c: getattr(demand, c) for c in DemandCreate.model_fields} | changes
    _check(_demand_errors(session, demand.employer_org_id, merged))
    for column in changes:
        setattr(demand, column, merged[column])
    session.flush()
    return demand


def list_demands(
    session: Session, principal: Principal, after_id: int, limit: int, filters: dict[str, Any]
) -> list[TrainingDemand]:
    reach = authz.reach(principal, Resource.training_demand, Action.read)
    return repository.demands(session, reach, after_id, limit, filters)


# --- classes -------------------------------------------------------------------------------------------------


def _class_errors(session: Session, values: dict[str, Any]) -> list[dict[str, Any]]:
    ref = reference.index(session)
    errors = []
    problem = ref.county_problem(values["county_code"])
    if problem:
        errors.append(field_error("county_code", problem))
    problem = ref.occupation_problem([values["occupation_code"]])
    if problem:
        errors.append(field_error("occupation_code", problem))
    if values["end_date"] < values["start_date"]:
        msg = Msg("结业日期不能早于开班日期", "end_date must not be before start_date")
        errors.append(field_error("end_date", msg))
    return errors


def create_class(session: Session, principal: Principal, data: ClassCreate) -> TrainingClass:
    """A school opens a class; an order class must answer an employer's demand."""
    school = authz.reach(principal, Resource.training_class, Action.write).school
    assert school is not None
    values = data.model_dump()
    errors = _class_errors(session, values)
    if data.demand_id is None and data.mode == "order_class":
        msg = Msg("订单班必须关联企业的培训需求", "an order class must name the demand it answers (demand_id)")
        errors.append(field_error("demand_id", msg))
    if data.demand_id is not None and repository.get_demand(session, data.demand_id, Reach()) is None:
        errors.append(field_error("demand_id", Msg("找不到该培训需求", "training demand not found")))
    if data.status not in OPENING_STATUSES:
        msg = Msg("新开的培训班只能是“计划中”或“招生中”", "a new class is planned or enrolling")
        errors.append(field_error("status", msg))
    _check(errors)
    klass = TrainingClass(school_org_id=school, **values)
    repository.add(session, klass)
    return klass


def get_class(session: Session, principal: Principal, class_id: int, *, write: bool = False) -> TrainingClass:
    reach = authz.reach(principal, Resource.training_class, Action.write if write else Action.read)
    klass = repository.get_class(session, class_id, reach, for_update=write)
    if klass is None:
        raise NotFound("training_class")
    return klass


def _status_conflict(current: str, wanted: str) -> Conflict:
    return Conflict(
        Msg(
            f"培训班状态不能从“{zh('training_class_status', current)}”改为“{zh('training_class_status', wanted)}”",
            f"a class cannot go from {current} to {wanted}",
        )
    )


def update_class(
    session: Session,
    principal: Principal,
    class_id: int,
    data: ClassUpdate,
    if_match: int | None,
    reservation_days: int = 30,
) -> TrainingClass:
    """Change the fields sent; status only forward, capacity never below the places taken; an order class that
    completes holds places on its employer's vacancy for its graduates for `reservation_days`."""
    klass = get_class(session, principal, class_id, write=True)
    _check_version(klass, if_match)
    changes = data.model_dump(exclude_unset=True)
    required = ("title", "county_code", "start_date", "end_date", "planned_hours", "capacity", "status")
    _check(_null_errors(changes, required))
    if klass.status not in NEXT_STATUSES and any(getattr(klass, c) != v for c, v in changes.items()):
        raise _status_conflict(klass.status, changes.get("status", klass.status))
    wanted = changes.get("status", klass.status)
    if wanted != klass.status and wanted not in NEXT_STATUSES.get(klass.status, frozenset()):
        raise _status_conflict(klass.status, wanted)
    merged = {c: getattr(klass, c) for c in ClassCreate.model_fields} | changes
    _check(_class_errors(session, merged))
    if "capacity" in changes:
        held = repository.taken(session, [klass.id]).get(klass.id, 0)
        if changes["capacity"] < held:
            msg = Msg(
                f"已有 {held} 人报名，名额不能少于此数", f"{held} places are taken; capacity cannot go below that"
            )
            raise Conflict(msg, [field_error("capacity", msg)])
    completing = wanted == "completed" and klass.status != "completed"
    for column, value in changes.items():
        setattr(klass, column, value)
    session.flush()
    if completing:
        _reserve_for_graduates(session, klass, reservation_days)
    return klass


def _reserve_for_graduates(session: Session, klass: TrainingClass, days: int) -> None:
    """The order-class promise (招生即招工): min(hire_commitment, headcount left) places on the demand's vacancy,
    capped by the number of graduates when read (results recorded after completion still count)."""
    if klass.mode != "order_class" or klass.demand_id is None or days <= 0:
        return
    demand = repository.get_demand(session, klass.demand_id, Reach())
    if demand is None or demand.vacancy_id is None:
        return
    vacancy = vacancies.get(session, demand.vacancy_id, None, for_update=True)  # as placements lock it
    if vacancy is None:
        return
    left = vacancy.headcount - placements.active_count(session, vacancy.id)
    places = min(demand.hire_commitment, left)
    if places > 0:
        repository.add_reservation(session, klass, places, today() + timedelta(days=days))


def list_classes(
    session: Session, principal: Principal, after_id: int, limit: int, filters: dict[str, Any]
) -> list[TrainingClass]:
    reach = authz.reach(principal, Resource.training_class, Action.read)
    return repository.classes(session, reach, after_id, limit, filters)


def class_reads(session: Session, rows: list[TrainingClass]) -> list[ClassRead]:
    held = repository.taken(session, [c.id for c in rows])
    return [ClassRead.model_validate(c).model_copy(update={"taken": held.get(c.id, 0)}) for c in rows]


# --- enrolments ----------------------------------------------------------------------------------------------

CLASS_FULL = Msg("该培训班名额已满", "this class is full")


def enrol(session: Session, principal: Principal, class_id: int, data: EnrolmentCreate) -> Enrolment:
    """Enrol one worker; the class row is locked so concurrent enrolments cannot exceed its capacity.

    A county office enrols its own workers into classes open for enrolment; a school, into its own classes,
    only workers who agreed to share their profile.
    """
    reach = authz.reach(principal, Resource.enrolment, Action.create)
    klass = repository.get_class(
        session, class_id, Reach(school=reach.school, open_only=reach.open_only), for_update=True
    )
    if klass is None:
        raise NotFound("training_class")
    worker = workers.get(session, data.worker_id, reach.worker_owner, consented_only=reach.consented_only)
    if worker is None:
        raise NotFound("worker")
    if klass.status not in repository.OPEN_FOR_ENROLMENT:
        label = zh("training_class_status", klass.status)
        raise Conflict(Msg(f"该培训班{label}，不接受报名", f"this class is {klass.status}, not enrolling"))
    existing = repository.enrolment_of(session, klass.id, worker.id)
    if existing is not None:
        raise Conflict(
            Msg(f"该劳动者已报名此培训班（编号 {existing.id}）", f"this worker is already enrolled (id {existing.id})")
        )
    if repository.taken(session, [klass.id]).get(klass.id, 0) >= klass.capacity:
        raise Conflict(CLASS_FULL)
    enrolment = Enrolment(class_id=klass.id, worker_id=worker.id, enrolled_by_org_id=principal.org_id)
    try:
        with session.begin_nested():
            repository.add(session, enrolment)
    except IntegrityError:  # the unique (class, worker): the same worker enrolled concurrently
        raise Conflict(Msg("该劳动者已报名此培训班", "this worker is already enrolled in this class")) from None
    return enrolment


def get_enrolment(session: Session, principal: Principal, enrolment_id: int, *, write: bool = False) -> Enrolment:
    reach = authz.reach(principal, Resource.enrolment, Action.write if write else Action.read)
    enrolment = repository.get_enrolment(session, enrolment_id, reach, for_update=write)
    if enrolment is None:
        raise NotFound("enrolment")
    return enrolment


def list_enrolments(
    session: Session, principal: Principal, class_id: int, after_id: int, limit: int
) -> list[Enrolment]:
    """The class's enrolments the caller reaches: all of them for its school, its own workers' for a county."""
    reach = authz.reach(principal, Resource.enrolment, Action.read)
    if not repository.class_exists(session, class_id):
        raise NotFound("training_class")
    return repository.enrolments(session, class_id, reach, after_id, limit)


def _outcome(
    enrolment: Enrolment, klass: TrainingClass, changes: dict[str, Any], share: float
) -> tuple[str, list[dict[str, Any]]]:
    """The status these changes lead to, and what is wrong with them."""
    errors = _null_errors(changes, ("attended_hours", "result", "status"))
    hours = changes.get("attended_hours", enrolment.attended_hours)
    result = changes.get("result", enrolment.result)
    status = changes.get("status") or {"fail": "failed", "pass": "completed"}.get(result or "", enrolment.status)
    if hours is not None and hours > klass.planned_hours:
        msg = Msg(
            f"出勤学时不能超过计划学时 {klass.planned_hours}", f"attended_hours exceeds planned {klass.planned_hours}"
        )
        errors.append(field_error("attended_hours", msg))
    if result == "fail" and status != "failed":
        msg = Msg("考核不合格的报名状态应为“未通过”", "result fail means status failed")
        errors.append(field_error("status", msg))
    if result == "pass" and status != "completed":
        msg = Msg("考核合格的报名状态应为“已结业”", "result pass means status completed")
        errors.append(field_error("status", msg))
    if status == "failed" and result != "fail":
        errors.append(field_error("result", Msg("“未通过”须登记考核不合格", "status failed needs result fail")))
    if status == "completed":
        if result != "pass":
            errors.append(field_error("result", Msg("结业须考核合格", "completion needs result pass")))
        needed = Fraction(str(share)) * klass.planned_hours
        if hours is not None and hours < needed:
            msg = Msg(
                f"出勤 {hours} 学时，不足计划学时 {klass.planned_hours} 的 {share:.0%}"
                f"（{float(needed):g} 学时），不能结业",
                f"{hours} hours attended: completion needs {share:.0%} of the planned {klass.planned_hours} "
                f"({float(needed):g} hours)",
            )
            errors.append(field_error("attended_hours", msg))
    if status == "dropped":
        if not (changes.get("drop_reason") or enrolment.drop_reason):
            errors.append(field_error("drop_reason", Msg("退训须填写原因", "a drop-out needs a drop_reason")))
        if result is not None:
            errors.append(field_error("result", Msg("退训的报名不登记考核结果", "a dropped enrolment has no result")))
    elif changes.get("drop_reason") is not None:
        msg = Msg("只有退训时填写退训原因", "drop_reason is only for status dropped")
        errors.append(field_error("drop_reason", msg))
    if changes.get("certificate_no") is not None and status != "completed":
        msg = Msg("只有结业的报名可以登记证书编号", "certificate_no is only for a completed enrolment")
        errors.append(field_error("certificate_no", msg))
    return status, errors


def update_enrolment(
    session: Session, principal: Principal, enrolment_id: int, data: EnrolmentUpdate, if_match: int | None, share: float
) -> Enrolment:
    """Attendance, result and how it ended: completed needs a pass and enough hours; a fail makes it failed."""
    enrolment = get_enrolment(session, principal, enrolment_id, write=True)
    _check_version(enrolment, if_match)
    changes = data.model_dump(exclude_unset=True)
    # A finished enrolment keeps its record; only a completed one may still get its certificate number.
    certificate_only = set(changes) <= {"certificate_no", "status"} and changes.get("status") in (None, "completed")
    if enrolment.status != "enrolled" and not (enrolment.status == "completed" and certificate_only):
        label = zh("enrolment_status", enrolment.status)
        raise Conflict(Msg(f"该报名已{label}，不能再修改", f"this enrolment is already {enrolment.status}"))
    klass = repository.get_class(session, enrolment.class_id, Reach())
    assert klass is not None
    status, errors = _outcome(enrolment, klass, changes, share)
    _check(errors)
    if status in ("completed", "failed") and enrolment.status == "enrolled" and klass.status not in RESULTS_FROM:
        label = zh("training_class_status", klass.status)
        raise Conflict(Msg(f"培训班{label}，尚不能登记考核结果", f"the class is {klass.status}: no results yet"))
    for column, value in changes.items():
        setattr(enrolment, column, value)
    enrolment.status = status
    session.flush()
    return enrolment


def worker_trainings(
    session: Session, principal: Principal, worker_id: int, after_id: int, limit: int
) -> list[WorkerTrainingRead]:
    """A worker's classes: for the worker's county office, an employer when the worker consented, the province."""
    reach = authz.reach(principal, Resource.worker_training, Action.read)
    worker = workers.get(session, worker_id, reach.worker_owner, consented_only=reach.consented_only)
    if worker is None:
        raise NotFound("worker")
    out = []
    for enrolment, klass, employer in repository.trainings_of(session, worker.id, after_id, limit):
        out.append(
            WorkerTrainingRead(
                **EnrolmentRead.model_validate(enrolment).model_dump(),
                school_org_id=klass.school_org_id,
                title=klass.title,
                mode=klass.mode,
                occupation_code=klass.occupation_code,
                planned_hours=klass.planned_hours,
                end_date=klass.end_date,
                class_status=klass.status,
                employer_org_id=employer,
            )
        )
    return out


def training_reason(
    trainings: list[tuple[str, str, int, int | None]], employer_org_id: int, occupation_code: str | None
) -> dict[str, Any] | None:
    """Why a vacancy suits a graduate, in plain words: this employer's order class first, else this occupation.

    Shown beside the ranker's reasons, with effect 0: the score does not use training yet.
    """
    for mode, _, hours, employer in trainings:
        if mode == "order_class" and employer == employer_org_id:
            return _reason(
                "training_employer",
                f"完成该企业订单班 {hours} 学时",
                f"finished this employer's {hours}-hour order class",
            )
    for mode, code, hours, _ in trainings:
        if occupation_code is not None and code == occupation_code:
            kind = zh("training_mode", mode)
            return _reason(
                "training_occupation",
                f"完成本工种{kind} {hours} 学时",
                f"completed {hours} hours of training in this occupation",
            )
    return None


def _reason(factor: str, text_zh: str, text_en: str) -> dict[str, Any]:
    return {
        "factor": factor,
        "direction": "+",
        "effect": 0.0,
        "zh": f"+ {text_zh}",
        "en": f"+ {text_en}",
        "text": "+ " + zh_en(text_zh, text_en),
    }
