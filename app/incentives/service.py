"""Incentives: rules as data, the accrual that turns placements into ledger entries, decisions, batches, payment.

Money is integer fen everywhere. The ledger is append-only: a decision is a new entry that names the accrual it
concerns (`corrects_id`), and an accrual's state is read from those entries. Nothing here commits.
"""

import io
from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from sqlalchemy.orm import Session

from app import authz
from app.audit import service as audit
from app.authz import Action, Resource, earns_as
from app.clock import today
from app.errors import Conflict, Msg, NotFound, ValidationFailed, field_error
from app.incentives import repository
from app.incentives.models import (
    IncentiveBatch,
    IncentiveBatchItem,
    IncentiveEntry,
    IncentiveRule,
    IncentiveRuleVersion,
)
from app.incentives.schemas import (
    AccrualRun,
    BalanceRead,
    BatchCreate,
    BatchRead,
    EntryRead,
    RuleCreate,
    RuleRead,
    RuleUpdate,
    SimulationRead,
    UnevaluatedVersion,
    milestone_label,
    training_rule_problem,
)
from app.labels import label
from app.orgs.service import Principal
from app.pii import PiiVault
from app.workers.idnumber import age_on, parse_id_number

LASTING_DAYS = 180
NOT_ITS_PROVINCE = Msg("只能为本省制定奖补规则", "a provincial office writes rules for its own province only")


# Rules -------------------------------------------------------------------------------------------------------------


def create_rule(session: Session, principal: Principal, data: RuleCreate) -> RuleRead:
    """A new rule, version 1, for the caller's own province."""
    wall = authz.reach(principal, Resource.incentive_rule, Action.write)
    if wall.region is not None and data.province_code != wall.region:
        raise ValidationFailed.one("province_code", NOT_ITS_PROVINCE)
    rule = IncentiveRule(province_code=data.province_code, version=1, created_by_org_id=principal.org_id)
    repository.add(session, rule)
    version = _version(rule.id, 1, data, principal)
    repository.add(session, version)
    return to_read(rule, version)


def _version(rule_id: int, number: int, data: RuleCreate | RuleUpdate, principal: Principal) -> IncentiveRuleVersion:
    fields = data.model_dump(exclude={"province_code"})
    return IncentiveRuleVersion(rule_id=rule_id, version=number, created_by_org_id=principal.org_id, **fields)


def update_rule(
    session: Session, principal: Principal, rule_id: int, data: RuleUpdate, if_match: int | None
) -> RuleRead:
    """An edit is a new version; accruals already made keep the version they were made under."""
    from app.errors import PreconditionFailed

    wall = authz.reach(principal, Resource.incentive_rule, Action.write)
    rule = repository.get_rule(session, rule_id, for_update=True)
    if rule is None or (wall.region is not None and rule.province_code != wall.region):
        raise NotFound("incentive_rule")
    if if_match is not None and if_match != rule.version:
        raise PreconditionFailed()
    rule.version += 1
    version = _version(rule.id, rule.version, data, principal)
    repository.add(session, version)
    return to_read(rule, version)


def get_rule(session: Session, principal: Principal, rule_id: int) -> RuleRead:
    wall = authz.reach(principal, Resource.incentive_rule, Action.read)
    rule = repository.get_rule(session, rule_id)
    version = repository.get_version(session, rule_id, rule.version) if rule else None
    if rule is None or version is None or (wall.open_only and not _in_force(version, today())):
        raise NotFound("incentive_rule")
    return to_read(rule, version)


def list_rules(
    session: Session, principal: Principal, after_id: int, limit: int, province_code: str | None
) -> list[RuleRead]:
    """Rules in force for everyone; a provincial office sees every rule, expired or not."""
    wall = authz.reach(principal, Resource.incentive_rule, Action.read)
    rows = repository.rules_page(session, wall, after_id, limit, today(), province_code)
    return [to_read(rule, version) for rule, version in rows]


def _in_force(version: IncentiveRuleVersion, day: date) -> bool:
    return version.valid_from <= day and (version.valid_to is None or version.valid_to >= day)


def to_read(rule: IncentiveRule, version: IncentiveRuleVersion) -> RuleRead:
    return RuleRead(
        id=rule.id,
        province_code=rule.province_code,
        version=version.version,
        created_at=version.created_at,
        **{
            f: getattr(version, f)
            for f in RuleRead.model_fields
            if f not in ("id", "province_code", "version", "created_at")
        },
    )


# Evaluation --------------------------------------------------------------------------------------------------------


def milestone_of(version: IncentiveRuleVersion) -> str:
    if version.trigger == "continuous_days":
        return f"day_{version.days}"
    return "training" if version.trigger == "training_completed" else "start"


def channel_of(hukou_county: str, job_county: str) -> str:
    """The report's channels: the home county, elsewhere in the home province, or another province."""
    if job_county == hukou_county:
        return "local"
    return "nearby" if job_county[:2] == hukou_county[:2] else "cross_region"


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError(day)


def evaluate(
    session: Session,
    rule: IncentiveRule,
    version: IncentiveRuleVersion,
    window: tuple[date, date],
    vault: PiiVault | None,
    *,
    fresh_only: bool,
) -> list[dict[str, Any]]:
    """The accruals a rule version makes for milestones reached in `window` (inclusive).

    `fresh_only`: skip what the ledger already holds and honour the limits against past accruals (accrue);
    without it, evaluate from scratch (simulate). Continuous days count within one placement: a worker who left
    before the milestone earns nothing for it.
    """
    if version.amount_mode != "fixed" or version.amount_fen is None:
        return []  # actual_capped pays on ticket claims, which are not built yet
    if problem_of(version) is not None:
        return []  # the run names it among `not_evaluated`; simulating it answers 409
    lo = max(window[0], version.valid_from)
    hi = min(window[1], version.valid_to or window[1])
    if lo > hi:
        return []
    if version.trigger == "training_completed":
        return _evaluate_training(session, rule, version, (lo, hi), vault, fresh_only=fresh_only)
    days = version.days if version.trigger == "continuous_days" else 0
    assert days is not None
    milestone = milestone_of(version)
    conditions, limits = version.conditions or {}, version.limits or {}
    ages = conditions.get("age_min") is not None or conditions.get("age_max") is not None
    rows = repository.placements_started(
        session,
        rule.province_code,
        lo - timedelta(days=days),
        hi - timedelta(days=days),
        unpaid_for=(rule.id, version.beneficiary, milestone) if fresh_only else None,
        with_id_numbers=ages and vault is not None,
        conditions=conditions,
        exclusions=version.exclusions or [],
        days=days,
    )
    once_a_year = bool(limits.get("once_per_worker_per_year"))
    repeat_months = limits.get("no_repeat_employer_months")
    paid_years: set[tuple[int, int]] = set()
    paid_with: dict[tuple[int, int | None], list[tuple[date, int | None]]] = defaultdict(list)
    if fresh_only and (once_a_year or repeat_months):
        for worker_id, org_id, when, placement_id in repository.accrual_history(session, rule.id):
            paid_years.add((worker_id, when.year))
            paid_with[worker_id, org_id].append((when, placement_id))
    out: list[dict[str, Any]] = []
    for row in rows:
        reached = row.start_date + timedelta(days=days)
        if row.end_date is not None and row.end_date < reached:
            continue  # left before the milestone: expected, not earned
        if not _qualifies(row, conditions, version.exclusions or [], vault, reached):
            continue
        org_id = _beneficiary_org(row, version.beneficiary)
        if version.beneficiary != "worker" and org_id is None:
            continue
        if once_a_year and (row.worker_id, reached.year) in paid_years:
            continue
        if repeat_months:
            earlier = paid_with[row.worker_id, org_id]
            if any(p != row.id and _add_months(when, repeat_months) > reached for when, p in earlier):
                continue
        paid_years.add((row.worker_id, reached.year))
        paid_with[row.worker_id, org_id].append((reached, row.id))
        out.append(
            {
                "kind": "accrual",
                "amount_fen": version.amount_fen,
                "rule_id": rule.id,
                "rule_version": version.version,
                "province_code": rule.province_code,
                "beneficiary_kind": version.beneficiary,
                "org_id": org_id,
                "worker_id": row.worker_id,
                "placement_id": row.id,
                "milestone": milestone,
                "milestone_date": reached,
                "publicity_until": None,  # set by the run that writes it
            }
        )
    return out


def _evaluate_training(
    session: Session,
    rule: IncentiveRule,
    version: IncentiveRuleVersion,
    window: tuple[date, date],
    vault: PiiVault | None,
    *,
    fresh_only: bool,
) -> list[dict[str, Any]]:
    """Completed enrolments whose class ended in `window`, in a class held in the rule's province.

    The milestone is the class's end date: a result recorded early earns on the day the class ends. A training
    rule's conditions are about the worker (households, age on that day); the schema refuses job conditions.
    """
    conditions, limits = version.conditions or {}, version.limits or {}
    ages = conditions.get("age_min") is not None or conditions.get("age_max") is not None
    milestone = milestone_of(version)
    rows = repository.completed_enrolments(
        session,
        rule.province_code,
        window[0],
        window[1],
        unpaid_for=(rule.id, version.beneficiary, milestone) if fresh_only else None,
        with_id_numbers=ages and vault is not None,
    )
    paid_years: set[tuple[int, int]] = set()
    if fresh_only and limits.get("once_per_worker_per_year"):
        paid_years = {(w, when.year) for w, _org, when, _p in repository.accrual_history(session, rule.id)}
    out: list[dict[str, Any]] = []
    for row in rows:
        if not _worker_qualifies(row, conditions, vault, row.end_date):
            continue
        if limits.get("once_per_worker_per_year"):
            if (row.worker_id, row.end_date.year) in paid_years:
                continue
            paid_years.add((row.worker_id, row.end_date.year))
        out.append(
            {
                "kind": "accrual",
                "amount_fen": version.amount_fen,
                "rule_id": rule.id,
                "rule_version": version.version,
                "province_code": rule.province_code,
                "beneficiary_kind": version.beneficiary,
                "org_id": int(row.school_org_id) if version.beneficiary == "training_school" else None,
                "worker_id": row.worker_id,
                "placement_id": None,
                "enrolment_id": row.id,
                "milestone": milestone,
                "milestone_date": row.end_date,
                "publicity_until": None,
            }
        )
    return out


def _worker_qualifies(row: Any, conditions: dict[str, Any], vault: PiiVault | None, on: date) -> bool:
    """The conditions about the worker: a registered low-income or monitored household, and an age band."""
    households = conditions.get("households")
    if households and not (
        ("registered_low_income" in households and row.registered_low_income)
        or ("monitored" in households and row.monitored_household)
    ):
        return False
    age_min, age_max = conditions.get("age_min"), conditions.get("age_max")
    if age_min is not None or age_max is not None:
        if vault is None:
            return False  # an age band cannot be judged without the key that holds birth dates
        age = age_on(parse_id_number(vault.decrypt(row.id_number_enc)).birth_date, on)
        if (age_min is not None and age < age_min) or (age_max is not None and age > age_max):
            return False
    return True


def _qualifies(row: Any, conditions: dict[str, Any], exclusions: list[str], vault: PiiVault | None, on: date) -> bool:
    if "free_transport" in exclusions and row.free_transport:
        return False
    channel = channel_of(row.hukou_county, row.county_code)
    if conditions.get("channels") and channel not in conditions["channels"]:
        return False
    if conditions.get("cross_province_only") and channel != "cross_region":
        return False
    months = conditions.get("min_contract_months")
    if months is not None and (row.contract_months or 0) < months:
        return False
    if conditions.get("min_wage") is not None and row.wage_min < conditions["min_wage"]:
        return False
    return _worker_qualifies(row, conditions, vault, on)


def _beneficiary_org(row: Any, beneficiary: str) -> int | None:
    if beneficiary == "worker":
        return None
    if beneficiary == "employer":
        return int(row.employer_org_id)
    # A referral reward goes to the referrer named when the placement was recorded, if it is that kind.
    if row.referred_by is not None and row.referrer_kind is not None and earns_as(row.referrer_kind, beneficiary):
        return int(row.referred_by)
    return None


def problem_of(version: IncentiveRuleVersion) -> Msg | None:
    """Why a version written before today's checks cannot be applied as written (its conditions would be ignored)."""
    return training_rule_problem(
        version.trigger, version.beneficiary, version.conditions or {}, list(version.exclusions or [])
    )


def accrue(session: Session, as_of: date, vault: PiiVault | None) -> AccrualRun:
    """Accrue every milestone reached by `as_of` under each rule's current version; a re-run adds nothing."""
    repository.lock_accrual_runs(session)
    created = amount = 0
    unevaluated: list[UnevaluatedVersion] = []
    for rule, version in repository.current_rules(session):
        problem = problem_of(version)
        if problem is not None:
            unevaluated.append(UnevaluatedVersion(rule_id=rule.id, version=version.version, reason=problem.text()))
            continue
        rows = evaluate(session, rule, version, (version.valid_from, as_of), vault, fresh_only=True)
        until = as_of + timedelta(days=version.publicity_days)
        for r in rows:
            r["publicity_until"] = until
        written, total = repository.insert_accruals(session, rows)
        created, amount = created + written, amount + total
    held, released = hold_for_arrears(session)
    return AccrualRun(
        as_of=as_of,
        created=created,
        amount_fen=amount,
        skipped_training=False,
        not_evaluated=unevaluated,
        held=held,
        released=released,
    )


ARREARS_HOLD = "欠薪案件未结 / open wage-arrears case"


def hold_for_arrears(session: Session) -> tuple[int, int]:
    """Hold an employer's unapproved accruals while a wage-arrears case against it is open; release them (only the
    holds this job wrote) once none is. The worker's and referrers' entries are never held for the employer's debt."""
    open_cases = repository.employers_with_open_arrears(session)
    held = released = 0
    statuses = ("in_publicity", "accrued", "held")
    rows = repository.employer_accruals(session, today(), statuses, list(open_cases), ARREARS_HOLD, "employer")
    for entry, status, hold_reason in rows:
        cases = open_cases.get(entry.org_id or 0)
        if cases and status in ("in_publicity", "accrued"):
            numbers = ", ".join(f"#{c}" for c in cases)
            repository.add(session, _child(entry, "hold", 0, None, f"{ARREARS_HOLD} {numbers}"))
            held += 1
        elif not cases and status == "held" and (hold_reason or "").startswith(ARREARS_HOLD):
            repository.add(session, _child(entry, "release", 0, None, "欠薪案件已结 / the wage-arrears case closed"))
            released += 1
    return held, released


def simulate(
    session: Session, principal: Principal, rule_id: int, date_from: date, date_to: date, vault: PiiVault
) -> SimulationRead:
    """What the rule's current version would have cost on past placements, without writing anything."""
    wall = authz.reach(principal, Resource.incentive_rule, Action.write)
    rule = repository.get_rule(session, rule_id)
    if rule is None or (wall.region is not None and rule.province_code != wall.region):
        raise NotFound("incentive_rule")
    if date_to < date_from:
        raise ValidationFailed.one("to", Msg("结束日期不能早于开始日期", "`to` is before `from`"))
    version = repository.get_version(session, rule.id, rule.version)
    assert version is not None
    problem = problem_of(version)
    if problem is not None:
        raise Conflict(problem)
    rows = evaluate(session, rule, version, (date_from, date_to), vault, fresh_only=False)
    by_kind: dict[str, int] = defaultdict(int)
    for r in rows:
        by_kind[r["beneficiary_kind"]] += r["amount_fen"]
    return SimulationRead(
        rule_id=rule.id,
        rule_version=version.version,
        date_from=date_from,
        date_to=date_to,
        entries=len(rows),
        amount_fen=sum(r["amount_fen"] for r in rows),
        stable_placements=len({r["placement_id"] for r in rows if r["placement_id"] is not None}),
        by_beneficiary_kind=dict(by_kind),
    )


# Decisions on entries ----------------------------------------------------------------------------------------------

STATE_REFUSALS = {
    "in_publicity": Msg("该奖补仍在公示期内", "this entry is still in its publicity period"),
    "accrued": Msg("该奖补待审核", "this entry is awaiting approval"),
    "held": Msg("该奖补已暂缓，请先解除暂缓", "this entry is held; release it first"),
    "approved": Msg("该奖补已审核通过", "this entry is already approved"),
    "paid": Msg("该奖补已发放", "this entry is already paid"),
    "reversed": Msg("该奖补已冲销或追回", "this entry is already reversed"),
}
NOT_AN_ACCRUAL = Msg("只能对计提记录作出决定", "decisions are taken on accrual entries only")
IN_A_BATCH = Msg("该奖补已列入支付批次", "this entry is already in a payment batch")
# Which states each decision may start from.
ALLOWED_FROM = {
    "approve": {"accrued"},
    "hold": {"in_publicity", "accrued", "approved"},
    "object": {"in_publicity"},
    "release": {"held"},
    "refuse": {"in_publicity", "accrued", "held"},
    "clawback": {"accrued", "held", "approved", "paid"},
}


def _accrual(session: Session, principal: Principal, entry_id: int, action: Action) -> tuple[IncentiveEntry, str]:
    wall = authz.reach(principal, Resource.incentive_entry, action)
    found = repository.get_entry(session, entry_id, wall, today(), for_update=True)
    if found is None:
        raise NotFound("incentive_entry")
    entry, status = found
    if entry.kind != "accrual" or status is None:
        raise Conflict(NOT_AN_ACCRUAL)
    return entry, status


def decide(
    session: Session, principal: Principal, entry_id: int, decision: str, reason: str | None, ground: str | None = None
) -> EntryRead:
    """Approve, hold, release, refuse, claw back or object: each writes one entry naming the accrual."""
    action = {"object": Action.object, "clawback": Action.clawback}.get(decision, Action.decide)
    entry, status = _accrual(session, principal, entry_id, action)
    if status not in ALLOWED_FROM[decision]:
        raise Conflict(STATE_REFUSALS[status])
    if decision in ("refuse", "approve") and repository.in_batch(session, [entry.id]):
        raise Conflict(IN_A_BATCH)
    if decision == "clawback" and ground == "dismissed_without_cause":
        _check_dismissed_without_cause(session, entry)
    kind, amount = {
        "approve": ("approval", entry.amount_fen),
        "hold": ("hold", 0),
        "object": ("hold", 0),
        "release": ("release", 0),
        "refuse": ("reversal", -entry.amount_fen),
        "clawback": ("clawback", -entry.amount_fen),
    }[decision]
    if decision == "object":
        reason = f"公示异议 / objection: {reason}"
    elif decision == "clawback":
        reason = f"{label('clawback_ground', ground)}: {reason}"
    child = _child(entry, kind, amount, principal.org_id, reason)
    repository.add(session, child)
    return entry_read(child, None)


NOT_DISMISSED_WITHOUT_CAUSE = Msg(
    "只有企业的稳岗补贴、且该就业记录登记为“被辞退”并注明无正当理由（for_cause=false）时，才能以“企业无故辞退”追回",
    "dismissed_without_cause claws back an employer's entry only, on a placement that ended as dismissed with "
    "for_cause false",
)


def _check_dismissed_without_cause(session: Session, entry: IncentiveEntry) -> None:
    """The ground must be on record: the employer's entry, on a placement ended as a dismissal without cause."""
    placement = repository.placement(session, entry.placement_id) if entry.placement_id is not None else None
    ok = (
        entry.beneficiary_kind in ("employer",)
        and placement is not None
        and placement.end_reason == "dismissed"
        and placement.for_cause is False
    )
    if not ok:
        raise Conflict(NOT_DISMISSED_WITHOUT_CAUSE)


def _child(
    entry: IncentiveEntry, kind: str, amount: int, org_id: int | None, reason: str | None, batch_id: int | None = None
) -> IncentiveEntry:
    """An entry naming the accrual it acts on; `org_id` None: written by the accrual job, not by a person."""
    return IncentiveEntry(
        kind=kind,
        amount_fen=amount,
        rule_id=entry.rule_id,
        rule_version=entry.rule_version,
        province_code=entry.province_code,
        beneficiary_kind=entry.beneficiary_kind,
        org_id=entry.org_id,
        worker_id=entry.worker_id,
        placement_id=entry.placement_id,
        enrolment_id=entry.enrolment_id,
        milestone=entry.milestone,
        milestone_date=entry.milestone_date,
        reason=reason,
        corrects_id=entry.id,
        batch_id=batch_id,
        created_by_org_id=org_id,
    )


def approve_many(session: Session, principal: Principal, ids: list[int]) -> list[EntryRead]:
    """Approve a list at once: all of them or none (the errors name each id that could not be approved)."""
    out, errors = [], []
    for i, entry_id in enumerate(dict.fromkeys(ids)):
        try:
            with session.begin_nested():
                out.append(decide(session, principal, entry_id, "approve", None))
        except (NotFound, Conflict) as exc:
            errors.append(
                field_error(f"ids.{i}", Msg(f"编号 {entry_id}：{exc.msg.zh}", f"id {entry_id}: {exc.msg.en}"))
            )
    if errors:
        raise ValidationFailed(errors, Msg("部分奖补不能审核，均未保存", "some entries cannot be approved; none was"))
    return out


def list_entries(session: Session, principal: Principal, after_id: int, limit: int, **filters: Any) -> list[EntryRead]:
    """Each party its own entries, a county office its workers', the province all."""
    wall = authz.reach(principal, Resource.incentive_entry, Action.read)
    rows = repository.entries_page(session, wall, after_id, limit, today(), **filters)
    return [entry_read(entry, status) for entry, status in rows]


def entry_read(entry: IncentiveEntry, status: str | None) -> EntryRead:
    read = EntryRead.model_validate(entry)
    read.status = status
    return read


def balance(session: Session, principal: Principal) -> BalanceRead:
    wall = authz.reach(principal, Resource.incentive_balance, Action.read)
    assert wall.beneficiary_org is not None
    by_status = repository.balance(session, wall.beneficiary_org, today())
    return BalanceRead(
        org_id=wall.beneficiary_org,
        accrued_fen=by_status.get("in_publicity", 0) + by_status.get("accrued", 0),
        approved_fen=by_status.get("approved", 0),
        paid_fen=by_status.get("paid", 0),
        held_fen=by_status.get("held", 0),
        reversed_fen=by_status.get("reversed", 0),
    )


# Batches -----------------------------------------------------------------------------------------------------------

NOTHING_TO_PAY = Msg("没有可列入批次的已审核奖补", "there are no approved entries to put in a batch")


def create_batch(session: Session, principal: Principal, data: BatchCreate) -> BatchRead:
    """Bundle approved entries of the caller's province that are in no batch yet."""
    wall = authz.reach(principal, Resource.incentive_batch, Action.create)
    province = wall.region or principal.region_code
    ids = repository.approved_unbatched(session, province, today(), data.entry_ids)
    if data.entry_ids is not None:
        missing = sorted(set(data.entry_ids) - set(ids))
        if missing:
            raise Conflict(
                Msg(
                    f"以下奖补不是本省已审核、未列批次的记录：{missing}",
                    f"these entries are not approved, unbatched entries of this province: {missing}",
                )
            )
    if not ids:
        raise Conflict(NOTHING_TO_PAY)
    batch = IncentiveBatch(province_code=province, created_by_org_id=principal.org_id)
    repository.add(session, batch)
    session.add_all([IncentiveBatchItem(batch_id=batch.id, entry_id=i) for i in ids])
    session.flush()
    return batch_read(session, batch)


def get_batch(session: Session, principal: Principal, batch_id: int, action: Action = Action.read) -> IncentiveBatch:
    wall = authz.reach(principal, Resource.incentive_batch, action)
    batch = repository.get_batch(session, batch_id, wall, for_update=action != Action.read)
    if batch is None:
        raise NotFound("incentive_batch")
    return batch


def list_batches(session: Session, principal: Principal, after_id: int, limit: int) -> list[BatchRead]:
    wall = authz.reach(principal, Resource.incentive_batch, Action.read)
    batches = repository.batches_page(session, wall, after_id, limit)
    totals = repository.batch_totals(session, [b.id for b in batches])
    return [_batch_read(b, totals.get(b.id, (0, 0))) for b in batches]


def batch_read(session: Session, batch: IncentiveBatch) -> BatchRead:
    return _batch_read(batch, repository.batch_totals(session, [batch.id]).get(batch.id, (0, 0)))


def _batch_read(batch: IncentiveBatch, totals: tuple[int, int]) -> BatchRead:
    return BatchRead(
        id=batch.id,
        province_code=batch.province_code,
        created_by_org_id=batch.created_by_org_id,
        created_at=batch.created_at,
        paid_at=batch.paid_at,
        payment_reference=batch.payment_reference,
        entries=totals[0],
        amount_fen=totals[1],
    )


def mark_paid(session: Session, principal: Principal, batch_id: int, reference: str | None) -> BatchRead:
    """Record the payment of every entry of the batch still approved; one held or reversed since is left out."""
    from app.db import utcnow

    batch = get_batch(session, principal, batch_id, Action.write)
    if batch.paid_at is not None:
        raise Conflict(Msg("该批次已登记发放", "this batch is already recorded as paid"))
    for line in repository.batch_lines(session, batch.id, today()):
        entry, status = line[0], line[1]
        if status == "approved":
            session.add(_child(entry, "payment", entry.amount_fen, principal.org_id, reference, batch.id))
    batch.paid_at, batch.payment_reference = utcnow(), reference
    session.flush()
    return batch_read(session, batch)


EXPORT_HEADERS = ["收款方", "身份证号", "收款账号", "金额（元）", "事由", "规则", "里程碑", "状态"]
NO_ACCOUNT = "未登记 / not recorded"


def export_batch(session: Session, principal: Principal, batch_id: int, vault: PiiVault, reveal: bool) -> bytes:
    """The batch as an XLSX sheet in Chinese for the finance bureau; unmasked only for pii:read, and audited."""
    from openpyxl import Workbook

    batch = get_batch(session, principal, batch_id)
    if reveal:
        audit.require_pii_scope(principal)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = f"批次{batch.id}"
    sheet.append(EXPORT_HEADERS)
    revealed: list[int] = []
    for entry, status, rule_name, worker_name, id_masked, id_enc, org_name in repository.batch_lines(
        session, batch.id, today()
    ):
        if entry.beneficiary_kind == "worker":
            payee = worker_name if reveal else (worker_name or "")[:1] + "*" * max(len(worker_name or "") - 1, 1)
            id_number = vault.decrypt(id_enc) if reveal else id_masked
            if reveal:
                revealed.append(entry.worker_id)
        else:
            payee, id_number = org_name, ""
        reason = f"{label('incentive_beneficiary', entry.beneficiary_kind)}{milestone_label(entry.milestone)}奖补"
        sheet.append(
            [
                payee,
                id_number,
                NO_ACCOUNT,
                f"{entry.amount_fen // 100}.{entry.amount_fen % 100:02d}",
                reason,
                f"{rule_name}（第{entry.rule_version}版）",
                milestone_label(entry.milestone),
                label("incentive_status", status),
            ]
        )
    for worker_id in dict.fromkeys(revealed):
        audit.record_pii_read(
            session, principal, "worker", worker_id, ["name", "id_number"], f"GET /incentives/batches/{batch.id}"
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# Spend per placement that lasted -----------------------------------------------------------------------------------


def cost_per_lasting_placement(session: Session, date_from: date, date_to: date, as_of: date) -> dict[str, Any]:
    """Net incentive money per placement that lasted 180 days, by hukou county and channel, for starts in a window.

    Placements that started too recently to have reached day 180 by `as_of` are counted apart (not yet known).
    """
    spend = {pid: int(total) for pid, total in repository.net_spend_by_placement(session, date_from, date_to)}
    groups: dict[tuple[str, str], dict[str, int]] = defaultdict(
        lambda: {"placements": 0, "lasted": 0, "not_yet_known": 0, "spend_fen": 0}
    )
    for pid, start, end, hukou, job_county in repository.placements_for_cost(session, date_from, date_to):
        g = groups[hukou, channel_of(hukou, job_county)]
        g["placements"] += 1
        g["spend_fen"] += spend.get(pid, 0)
        milestone = start + timedelta(days=LASTING_DAYS)
        if end is None or end >= milestone:
            if milestone <= as_of:
                g["lasted"] += 1
            else:
                g["not_yet_known"] += 1
    rows = []
    for (county, channel), g in sorted(groups.items()):
        rows.append(
            {
                "county_code": county,
                "channel": channel,
                "channel_label": label("channel", channel),
                **g,
                "spend_per_lasting_fen": g["spend_fen"] // g["lasted"] if g["lasted"] else None,
            }
        )
    total_spend = sum(g["spend_fen"] for g in groups.values())
    total_lasted = sum(g["lasted"] for g in groups.values())
    return {
        "from": date_from,
        "to": date_to,
        "as_of": as_of,
        "lasting_days": LASTING_DAYS,
        "spend_fen": total_spend,
        "lasted": total_lasted,
        "spend_per_lasting_fen": total_spend // total_lasted if total_lasted else None,
        "by_county_channel": rows,
    }
