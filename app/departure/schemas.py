"""At-risk placements and flag reviews, in and out."""

from datetime import datetime
from typing import Annotated, Literal, get_args

from pydantic import Field, computed_field

from app.labels import Coded, label
from app.onestop.schemas import RuleFlag
from app.placements.schemas import PlacementStatus
from app.rights.schemas import CaseDetail, CaseFromFlag
from app.schemas import InputModel, ReadModel

DecisionCode = Literal["contacted", "dismissed", "escalated"]
DECISIONS: tuple[str, ...] = get_args(DecisionCode)
Decision = Annotated[DecisionCode, Coded("flag_decision", DECISIONS)]


class Reason(ReadModel):
    code: str
    zh: str
    en: str


class RuleAction(ReadModel):
    code: str
    label: str


class FlagReviewCreate(InputModel):
    decision: Decision
    note: str | None = Field(None, max_length=2000)
    open_case: CaseFromFlag | None = Field(
        None, description="with decision `escalated` only: open a rights case on this placement in the same request"
    )


class FlagReviewRead(ReadModel):
    id: int
    placement_id: int
    org_id: int
    decision: str
    note: str | None
    risk_90: float | None = Field(description="the model's 90-day risk when the review was recorded")
    model_version: str | None
    created_at: datetime

    @computed_field  # type: ignore[prop-decorator]
    @property
    def decision_label(self) -> str | None:
        return label("flag_decision", self.decision)


class FlagReviewAnswer(FlagReviewRead):
    """A new review, with the rights case it opened (`open_case`), if any."""

    opened_case: CaseDetail | None = None


class AtRiskItem(ReadModel):
    placement_id: int
    worker_id: int
    worker_name: str | None = Field(
        description="offices: the worker's name; an employer: only when the worker consented to share"
    )
    worker_phone: str | None = Field(
        description="masked (138****0000), on the same terms as the name; never the ID number"
    )
    vacancy_id: int
    vacancy_title: str
    start_date: str
    status: PlacementStatus = Field(description="upcoming until the start date, then active")
    days_in_job: int = Field(description="days since the start, today (China Standard Time)")
    probability: float = Field(description="probability of leaving within the horizon of the start, given today")
    risk_30: float | None
    risk_90: float | None
    risk_180: float | None
    reasons: list[Reason] = Field(description="the model's reasons, then any a rule adds (an open wage-arrears case)")
    action: str
    action_label: str
    rule_actions: list[RuleAction] = Field(
        default_factory=list,
        description="actions a rule adds beside the model's (check_wages: the employer has an open wage-arrears "
        "case); they never change the probability",
    )
    model_version: str
    scored_at: datetime
    latest_review: FlagReviewRead | None = Field(
        description="offices: the newest answer by a county or provincial office; an employer: its own newest answer"
    )
    latest_employer_review: FlagReviewRead | None = Field(
        None, description="offices only: the employer's newest answer, kept apart from the offices' own"
    )
    rule_flags: list[RuleFlag] = Field(
        default_factory=list,
        description="flags fixed rules raise (work-injury cover unconfirmed by day 30), beside the model's "
        "probability, which they do not change; each suggests the case to open",
    )
