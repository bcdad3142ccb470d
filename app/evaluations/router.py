"""HTTP routes for the quarterly evaluation of pairings: run it, read it, take it through review to final."""

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response

from app import errors as e
from app.clock import today
from app.deps import IdempotencyKey, IfMatch, PrincipalDep, SessionDep
from app.evaluations import indicators, service
from app.evaluations.models import Evaluation
from app.evaluations.render import render
from app.evaluations.schemas import (
    EvaluationDetail,
    EvaluationList,
    EvaluationStatus,
    QuarterlyRun,
    QuarterlyRunResult,
    TransitionCreate,
)
from app.http import PathId, QueryId, etag, if_match_version, json_response
from app.idempotency.service import run_once
from app.reports.render import MEDIA_TYPES
from app.reports.schemas import Quarter

router = APIRouter(prefix="/evaluations", tags=["quarterly evaluation"])
COMMON = e.responses(e.Unauthenticated, e.Forbidden, e.ValidationFailed)
QuarterQuery = Annotated[str | None, Query(max_length=20, description="a quarter such as 2026-Q3; default: the last")]


def _detail(session: SessionDep, evaluation: Evaluation, status_code: int = 200) -> Response:
    headers = {"ETag": etag(evaluation.id, evaluation.version)}
    return json_response(service.to_detail(session, evaluation), status_code, headers)


@router.post(
    "/quarterly",
    response_model=QuarterlyRunResult,
    status_code=201,
    responses=COMMON | {200: {"description": "nothing new to draft: the quarter's evaluations as they are"}},
)
def run_quarterly(
    body: QuarterlyRun, session: SessionDep, principal: PrincipalDep, idempotency_key: IdempotencyKey = None
) -> Response:
    """Draft the finished quarter's evaluation of every pairing in force at its end, or recompute the drafts (province).

    Evaluations already submitted, reviewed or final keep their figures. 201 when it drafted any, else 200.
    """

    def act() -> Response:
        quarter = Quarter.resolve(body.quarter, today())
        run = service.evaluate_quarter(session, principal, quarter)
        result = QuarterlyRunResult(
            quarter=str(quarter),
            created=run.created,
            refreshed=run.refreshed,
            kept=run.kept,
            evaluations=service.to_reads(session, run.evaluations),
            definitions=indicators.DEFINITIONS,
        )
        return json_response(result, 201 if run.created else 200)

    return run_once(session, principal.org_id, idempotency_key, "POST /evaluations/quarterly", body.model_dump(), act)


@router.get(
    "",
    response_model=EvaluationList,
    responses=COMMON | {200: {"content": {MEDIA_TYPES["xlsx"]: {}}}},
)
def list_evaluations(
    session: SessionDep,
    principal: PrincipalDep,
    quarter: QuarterQuery = None,
    pairing_id: QueryId = None,
    status: EvaluationStatus | None = None,
    format: Literal["json", "xlsx"] = "json",
) -> Response:
    """A finished quarter's evaluations of the pairings the caller reaches (a county office: those it sends through)."""
    period = Quarter.resolve(quarter, today())
    rows = service.list_evaluations(session, principal, period, pairing_id=pairing_id, status=status)
    if format == "xlsx":
        data = service.export(session, period, rows, service.reach_region(principal))
        name = f"quarterly-{period}.xlsx"
        return Response(
            render(data, "xlsx"),
            media_type=MEDIA_TYPES["xlsx"],
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
    listing = EvaluationList(
        quarter=str(period), evaluations=service.to_reads(session, rows), definitions=indicators.DEFINITIONS
    )
    return json_response(listing)


@router.get("/{evaluation_id:int}", response_model=EvaluationDetail, responses=COMMON | e.responses(e.NotFound))
def get_evaluation(evaluation_id: PathId, session: SessionDep, principal: PrincipalDep) -> Response:
    """One evaluation with its append-only history, and the ETag a step may send as If-Match."""
    return _detail(session, service.get_evaluation(session, principal, evaluation_id))


@router.post(
    "/{evaluation_id:int}/transitions",
    status_code=201,
    response_model=EvaluationDetail,
    responses=COMMON | e.responses(e.NotFound, e.Conflict, e.PreconditionFailed),
)
def add_transition(
    evaluation_id: PathId,
    body: TransitionCreate,
    session: SessionDep,
    principal: PrincipalDep,
    if_match: IfMatch = None,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """One step: draft → submitted → reviewed → final, or back to draft; a comment on each (province).

    A final evaluation never changes (409). Below 60 % of the target, the step to final raises a rectification
    action on the pairing. If-Match (optional) refuses a step on an evaluation changed since it was read (412).
    """
    service.check_writer(principal)

    def act() -> Response:
        version = if_match_version(if_match, evaluation_id) if if_match is not None else None
        return _detail(session, service.transition(session, principal, evaluation_id, body, version), 201)

    key = f"POST /evaluations/{evaluation_id}/transitions"
    return run_once(session, principal.org_id, idempotency_key, key, body.model_dump(), act)
