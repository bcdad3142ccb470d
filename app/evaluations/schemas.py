"""Quarterly evaluations in and out; a status or grade a person reads comes with its "中文 / English" label."""

from datetime import datetime
from typing import Annotated, Any, Literal, get_args

from pydantic import Field, computed_field

from app.labels import Coded, label
from app.schemas import InputModel, ReadModel

StatusCode = Literal["draft", "submitted", "reviewed", "final"]
EvaluationStatus = Annotated[StatusCode, Coded("evaluation_status", get_args(StatusCode))]


class QuarterlyRun(InputModel):
    quarter: str = Field(min_length=1, max_length=20, description="a finished quarter such as 2026-Q3 (China time)")


class TransitionCreate(InputModel):
    to_status: EvaluationStatus = Field(
        description="submitted (from draft), reviewed (from submitted), final (from reviewed), or draft to send it "
        "back (from submitted or reviewed)"
    )
    comment: str = Field(min_length=1, max_length=2000, description="why: kept in the evaluation's history")


class Indicators(ReadModel):
    placements: int = Field(description="placements started in the quarter on the pairing's route")
    target_quarter: float = Field(description="the annual target pro-rated to the quarter by days")
    target_share: float | None
    lasted_180: int = Field(description="placements whose day 180 fell in the quarter and that were still held then")
    reached_180: int = Field(description="placements whose day 180 fell in the quarter, less contracts finished early")
    lasted_180_share: float | None
    low_income_placements: int = Field(description="the quarter's placements from low-income or monitored households")
    low_income_share: float | None
    lifted: int = Field(description="such household members in work six continuous months, reached in the quarter")
    lifted_cohort: int
    lifted_share: float | None
    active_placements: int = Field(description="placements active at any time in the quarter")
    rights_cases: int = Field(description="rights cases opened in the quarter on the route")
    rights_cases_per_100: float | None
    training_graduates_placed: int
    training_share: float | None


class Trend(ReadModel):
    previous_quarter: str
    in_force: bool = Field(description="the pairing was in force at the previous quarter's end")
    placements: int | None = None
    target_share: float | None = None
    score: float | None = None
    below_target: bool = False
    placements_change: int | None = None
    target_share_change: float | None = None
    score_change: float | None = None


class Component(ReadModel):
    label: str | None
    value: float | None = Field(description="from 0 to 1; null when it cannot be computed (then it carries no weight)")
    weight: float


class EvaluationEventRead(ReadModel):
    id: int
    at: datetime
    org_id: int | None = Field(description="null: the scheduled run")
    from_status: str | None
    to_status: str
    comment: str
    score: float | None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def to_status_label(self) -> str | None:
        return label("evaluation_status", self.to_status)


class EvaluationRead(ReadModel):
    id: int
    quarter: str
    pairing_id: int
    pairing_version: int
    name: str
    east_code: str
    west_code: str
    level: str
    annual_target: int
    status: str
    indicators: Indicators
    trend: Trend
    components: dict[str, Component]
    score: float | None
    grade: str
    below_target: bool = Field(description="below 60 % of the pro-rated target this quarter")
    review_flag: bool = Field(description="below 60 % of the pro-rated target this quarter and the one before")
    rectification_action_id: int | None = Field(description="the consultation action raised when it became final")
    version: int

    @computed_field  # type: ignore[prop-decorator]
    @property
    def status_label(self) -> str | None:
        return label("evaluation_status", self.status)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def grade_label(self) -> str | None:
        return label("evaluation_grade", self.grade)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def level_label(self) -> str | None:
        return label("pairing_level", self.level)


class EvaluationDetail(EvaluationRead):
    events: list[EvaluationEventRead] = Field(description="the evaluation's history, oldest first; never edited")


class EvaluationList(ReadModel):
    quarter: str
    evaluations: list[EvaluationRead]
    definitions: dict[str, Any]


class QuarterlyRunResult(EvaluationList):
    created: int = Field(description="evaluations this run drafted")
    refreshed: int = Field(description="drafts whose figures this run recomputed")
    kept: int = Field(description="evaluations left as they were (unchanged drafts, and every one past draft)")
