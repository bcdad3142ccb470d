"""Quarterly evaluations: drafted for every pairing in force (the province or the Monday run), then reviewed to final.

A draft is recomputed when the run is repeated; once submitted its figures stay as they were, and a final
evaluation never changes. Being below 60 % of the target raises a rectification action when it becomes final.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from app import authz
from app.authz import Action, Resource
from app.clock import today
from app.config import get_settings
from app.consultation import service as consultation
from app.db import utcnow
from app.errors import Conflict, Msg, NotFound, PreconditionFailed, field_error
from app.evaluations import indicators as ind
from app.evaluations import repository
from app.evaluations.models import Evaluation, EvaluationEvent
from app.evaluations.schemas import EvaluationDetail, EvaluationEventRead, EvaluationRead, TransitionCreate
from app.labels import label
from app.orgs.service import Principal
from app.pairings import service as pairing_service
from app.pairings.service import PairingAt
from app.reference import repository as reference_repo
from app.reference.service import within
from app.reports.schedule import write_if_changed
from app.reports.schemas import Quarter

# status -> where a step may lead; "draft" from submitted or reviewed is the send-back
NEXT: dict[str, frozenset[str]] = {
    "draft": frozenset({"submitted"}),
    "submitted": frozenset({"reviewed", "draft"}),
    "reviewed": frozenset({"final", "draft"}),
    "final": frozenset(),
}
DRAFTED = "按季末数据生成草稿 / drafted from the data at the quarter's end"
RECOMPUTED = "按最新数据重新计算 / recomputed from the latest data"
FIGURES = ("pairing_version", "east_code", "west_code", "level", "annual_target", "indicators", "trend",
           "components", "score", "grade", "below_target", "review_flag")  # fmt: skip


@dataclass
class RunResult:
    quarter: Quarter
    created: int
    refreshed: int
    kept: int
    evaluations: list[Evaluation]


def _figures(
    facts: ind.QuarterFacts, p: PairingAt, before: PairingAt | None, weights: dict[str, float]
) -> dict[str, Any]:
    """The pairing's evaluation as computed now: indicators, the trend against last quarter, score and alerts."""
    now = facts.current.indicators(p)
    parts = ind.components(now, weights)
    score = ind.score(parts)
    below = ind.is_below_target(now)
    trend: dict[str, Any] = {"previous_quarter": str(facts.previous.quarter), "in_force": before is not None}
    if before is not None:
        then = facts.previous.indicators(before)
        then_score = ind.score(ind.components(then, weights))
        trend |= {
            "placements": then["placements"],
            "target_share": then["target_share"],
            "score": then_score,
            "below_target": ind.is_below_target(then),
            "placements_change": now["placements"] - then["placements"],
            "target_share_change": (
                None
                if now["target_share"] is None or then["target_share"] is None
                else round(now["target_share"] - then["target_share"], 4)
            ),
            "score_change": None if score is None or then_score is None else round(score - then_score, 1),
        }
    return {
        "pairing_version": p.version,
        "east_code": p.east_code,
        "west_code": p.west_code,
        "level": p.level,
        "annual_target": p.annual_target,
        "indicators": now,
        "trend": trend,
        "components": parts,
        "score": score,
        "grade": ind.grade(score),
        "below_target": below,
        "review_flag": below and bool(trend.get("below_target")),
    }


def _event(e: Evaluation, org_id: int | None, from_status: str | None, comment: str) -> EvaluationEvent:
    return EvaluationEvent(
        evaluation_id=e.id, org_id=org_id, from_status=from_status, to_status=e.status, comment=comment, score=e.score
    )


def evaluate_quarter(
    session: Session, principal: Principal | None, quarter: Quarter, facts: ind.QuarterFacts | None = None
) -> RunResult:
    """Draft (or recompute the draft of) every pairing in force at the quarter's end; `principal` None: the run."""
    if principal is not None:
        authz.reach(principal, Resource.evaluation, Action.create)
    org_id = principal.org_id if principal is not None else None
    versions = pairing_service.every_version(session)
    previous = {p.id: p for p in pairing_service.in_force(versions, quarter.shift(-1).last)}
    facts = facts or ind.load(session, quarter)
    weights = get_settings().evaluation_weights
    existing = {e.pairing_id: e for e in repository.of_quarter(session, str(quarter), for_update=True)}
    created = refreshed = kept = 0
    for p in pairing_service.in_force(versions, quarter.last):
        figures = _figures(facts, p, previous.get(p.id), weights)
        e = existing.get(p.id)
        if e is None:
            e = Evaluation(quarter=str(quarter), pairing_id=p.id, status="draft", created_by_org_id=org_id, **figures)
            repository.add(session, e)
            repository.add(session, _event(e, org_id, None, DRAFTED))
            existing[p.id] = e
            created += 1
        elif e.status == "draft" and any(getattr(e, k) != v for k, v in figures.items()):
            for k, v in figures.items():
                setattr(e, k, v)
            e.updated_at = utcnow()
            session.flush()
            repository.add(session, _event(e, org_id, "draft", RECOMPUTED))
            refreshed += 1
        else:
            kept += 1
    return RunResult(quarter, created, refreshed, kept, [existing[k] for k in sorted(existing)])


def reach_region(principal: Principal) -> str | None:
    return authz.reach(principal, Resource.evaluation, Action.read).region


def _reaches(region: str | None, e: Evaluation) -> bool:
    """A county office reads the evaluations of the pairings its county sends through."""
    return region is None or within(region, e.west_code)


def list_evaluations(session: Session, principal: Principal, quarter: Quarter, **filters: Any) -> list[Evaluation]:
    region = reach_region(principal)
    return [e for e in repository.listed(session, str(quarter), **filters) if _reaches(region, e)]


def get_evaluation(session: Session, principal: Principal, evaluation_id: int) -> Evaluation:
    region = reach_region(principal)
    e = repository.get(session, evaluation_id)
    if e is None or not _reaches(region, e):
        raise NotFound("evaluation")
    return e


def check_writer(principal: Principal) -> None:
    """403 before anything about the evaluation: only a provincial office takes a step."""
    authz.reach(principal, Resource.evaluation, Action.write)


def _rectification_issue(e: Evaluation) -> str:
    share = e.indicators["target_share"]
    shown = "—" if share is None else f"{share:.0%}"
    return (
        f"{e.quarter} 季度评估：完成折算目标 {shown}，低于 60%，请制定并落实整改措施"
        f" / {e.quarter} evaluation: {shown} of the pro-rated target, below 60 %; agree and carry out a rectification"
    )


def transition(
    session: Session, principal: Principal, evaluation_id: int, data: TransitionCreate, if_match: int | None
) -> Evaluation:
    """Take one workflow step with its comment; the step to final raises the rectification when below target."""
    check_writer(principal)
    e = repository.get(session, evaluation_id, for_update=True)
    if e is None:
        raise NotFound("evaluation")
    if if_match is not None and if_match != e.version:
        raise PreconditionFailed()
    before, after = e.status, data.to_status
    if after not in NEXT[before]:
        now, wanted = label("evaluation_status", before), label("evaluation_status", after)
        message = (
            Msg("评估已定稿，不能再修改", "the evaluation is final and cannot change")
            if before == "final"
            else Msg(f"评估当前为“{now}”，不能改为“{wanted}”", f"an evaluation that is {before} cannot become {after}")
        )
        raise Conflict(message, [field_error("to_status", Msg("状态变更不允许", f"{before} → {after} is not allowed"))])
    rectification = None
    if after == "final" and e.below_target:  # written first: the evaluation is flushed once, already final
        due = today() + timedelta(days=get_settings().rectification_days)
        rectification = consultation.raise_action(
            session, e.pairing_id, _rectification_issue(e), principal.org_id, due, principal.org_id, data.comment
        ).id
    e.status, e.updated_at = after, utcnow()
    if rectification is not None:
        e.rectification_action_id = rectification
    session.flush()
    repository.add(session, _event(e, principal.org_id, before, data.comment))
    return e


def to_reads(session: Session, rows: list[Evaluation]) -> list[EvaluationRead]:
    divisions = reference_repo.division_names(session)
    return [
        EvaluationRead.model_validate(
            {
                **{f: getattr(e, f) for f in EvaluationRead.model_fields if hasattr(e, f)},
                "name": f"{divisions.get(e.east_code, e.east_code)}—{divisions.get(e.west_code, e.west_code)}",
            }
        )
        for e in rows
    ]


def to_detail(session: Session, e: Evaluation) -> EvaluationDetail:
    read = to_reads(session, [e])[0]
    events = [EvaluationEventRead.model_validate(ev) for ev in repository.events_of(session, [e.id])]
    return EvaluationDetail(**read.model_dump(exclude={"status_label", "grade_label", "level_label"}), events=events)


def export(session: Session, quarter: Quarter, rows: list[Evaluation], region: str | None) -> dict[str, Any]:
    """The quarter's evaluations as the export and the scheduled files hold them: no wall-clock time inside."""
    scope = "全省 / whole province" if region is None else reference_repo.division_names(session).get(region, region)
    return {
        "quarter": str(quarter),
        "quarter_start": quarter.first.isoformat(),
        "quarter_end": quarter.last.isoformat(),
        "timezone": "China Standard Time (UTC+8)",
        "scope": scope,
        "evaluations": [r.model_dump(mode="json") for r in to_reads(session, rows)],
        "definitions": ind.DEFINITIONS,
    }


def is_first_monday_of_quarter(day: date) -> bool:
    """The Monday run on a quarter's first Monday also drafts the evaluation of the quarter that just ended."""
    return day.weekday() == 0 and day.day <= 7 and day.month in (1, 4, 7, 10)


def run_quarterly(
    session_factory: Callable[[], Session], quarter: Quarter, output_dir: Path, formats: Iterable[str]
) -> tuple[RunResult, list[Path]]:
    """Draft (or recompute the drafts of) the quarter's evaluations and write them to output_dir/quarterly-<q>/."""
    from app.evaluations.render import render

    with session_factory() as session, session.begin():
        run = evaluate_quarter(session, None, quarter)
        data = export(session, quarter, run.evaluations, None)
    folder = output_dir / f"quarterly-{quarter}"
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for fmt in formats:
        path = folder / f"evaluations.{fmt}"
        write_if_changed(path, render(data, fmt))
        written.append(path)
    return run, written
