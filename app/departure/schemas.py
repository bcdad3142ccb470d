"""At-risk placements and flag reviews, in and out."""

from datetime import datetime
from typing import Literal, get_args

from pydantic import Field

from app.placements.schemas import PlacementStatus
from app.schemas import InputModel, ReadModel

Decision = Literal["contacted", "dismissed", "escalated"]
DECISIONS: tuple[str, ...] = get_args(Decision)


class Reason(ReadModel):
    code: str
    zh: str
    en: str


class FlagReviewCreate(InputModel):
    decision: Decision
    note: str | None = Field(None, max_length=2000)


class FlagReviewRead(ReadModel):
    id: int
    placement_id: int
    org_id: int
    decision: str
    note: str | None
    risk_90: float | None = Field(description="the model's 90-day risk when the review was recorded")
    model_version: str | None
    created_at: datetime


class AtRiskItem(ReadModel):
    placement_id: int
    worker_id: int = Field(description="the worker's id; names and ID numbers stay behind the workers routes")
    vacancy_id: int
    start_date: str
    status: PlacementStatus = Field(description="upcoming until the start date, then active")
    probability: float = Field(description="probability of leaving within the horizon of the start, given today")
    risk_30: float | None
    risk_90: float | None
    risk_180: float | None
    reasons: list[Reason]
    action: str
    model_version: str
    scored_at: datetime
    latest_review: FlagReviewRead | None = Field(
        description="offices: the newest answer by a county or provincial office; an employer: its own newest answer"
    )
    latest_employer_review: FlagReviewRead | None = Field(
        None, description="offices only: the employer's newest answer, kept apart from the offices' own"
    )
