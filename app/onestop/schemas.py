"""Service templates and tasks, in and out; every code comes with its "中文 / English" label."""

from datetime import date, datetime
from typing import Annotated, Literal, get_args

from pydantic import Field, computed_field, model_validator

from app.labels import Coded, label
from app.rights.schemas import SuggestedCase
from app.schemas import InputModel, ReadModel

KindCode = Literal[
    "resident_medical_paid",
    "medical_registration",
    "employee_insurance",
    "medical_transfer",
    "pension_transfer",
    "medical_gap_reminder",
]
StageCode = Literal["before_departure", "on_hiring", "on_exit"]
ResponsibleCode = Literal["county_office", "employer", "station"]
StatusCode = Literal["todo", "in_progress", "awaiting_external", "done", "blocked", "not_needed"]
TaskKind = Annotated[KindCode, Coded("service_task_kind", get_args(KindCode))]
Stage = Annotated[StageCode, Coded("service_stage", get_args(StageCode))]
Responsible = Annotated[ResponsibleCode, Coded("service_responsible", get_args(ResponsibleCode))]
TaskStatus = Annotated[StatusCode, Coded("service_task_status", get_args(StatusCode))]
ProvinceCode = Annotated[str, Field(pattern=r"^\d{2}0000$", description="GB/T 2260 code of a province")]

# The task whose `done` confirms work-injury cover: not done by this day after the start raises a rule flag.
INJURY_COVER_KIND = "employee_insurance"
INJURY_COVER_DAY = 30


class TaskSpec(InputModel):
    """One task of a template: who does it, at which stage, and when it falls due."""

    kind: TaskKind
    stage: Stage
    responsible: Responsible
    due_from: Literal["start", "end"] = Field(description="counted from the placement's start or its end")
    due_days: int = Field(ge=-366, le=3660, description="how many days (or months) after due_from; 0 = that day")
    due_unit: Literal["calendar", "working", "months"] = Field(
        description="calendar days, Chinese working days (holidays and 调休 counted) or months"
    )
    remind_days_before: int | None = Field(
        default=None, ge=1, le=366, description="a reminder this many days before due"
    )
    illustrative: bool = Field(description="true: a default nobody has checked against the rule it cites")
    source: str = Field(min_length=1, max_length=2000, description="the rule or practice the task and its due follow")

    @model_validator(mode="after")
    def _fits_its_stage(self) -> "TaskSpec":
        if (self.stage == "on_exit") != (self.due_from == "end"):
            raise ValueError("on_exit tasks, and only they, are counted from the end (due_from: end)")
        if self.due_unit == "working" and self.due_days < 0:
            raise ValueError("working days count forwards only (due_days >= 0)")
        return self

    def stored(self) -> dict[str, object]:
        """The task as a template keeps it (and as PUT takes it): without the labels, which are read-only."""
        return self.model_dump(exclude={"kind_label", "stage_label", "responsible_label"})

    @computed_field  # type: ignore[prop-decorator]
    @property
    def kind_label(self) -> str | None:
        return label("service_task_kind", self.kind)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def stage_label(self) -> str | None:
        return label("service_stage", self.stage)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def responsible_label(self) -> str | None:
        return label("service_responsible", self.responsible)


class TemplateWrite(InputModel):
    """A pair's whole checklist (PUT replaces it and makes a new version)."""

    tasks: list[TaskSpec] = Field(min_length=1, max_length=20)
    source: str | None = Field(None, max_length=2000, description="the notice or agreement the template follows")

    @model_validator(mode="after")
    def _one_of_each_kind(self) -> "TemplateWrite":
        kinds = [t.kind for t in self.tasks]
        if len(set(kinds)) != len(kinds):
            raise ValueError("each kind of task appears once in a template")
        return self


class TemplateRead(ReadModel):
    home_province: str
    work_province: str
    version: int = Field(description="0: the shipped default, not yet kept by a provincial office")
    default: bool = Field(description="true: the shipped default (no provincial office has written this pair's)")
    tasks: list[TaskSpec]
    source: str | None
    updated_by_org_id: int | None
    updated_at: datetime | None


class TaskUpdate(InputModel):
    """A change by the responsible side: `blocked` needs `blocked_reason`; a reason goes only with `blocked`."""

    status: TaskStatus | None = None
    evidence_ref: str | None = Field(
        None, min_length=1, max_length=128, description="the receipt, filing or transfer number that proves it"
    )
    blocked_reason: str | None = Field(None, min_length=1, max_length=2000)
    note: str | None = Field(None, max_length=2000)


class TaskEventRead(ReadModel):
    id: int
    from_status: str | None
    to_status: str
    org_id: int | None
    at: datetime
    evidence_ref: str | None
    blocked_reason: str | None
    note: str | None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def to_status_label(self) -> str | None:
        return label("service_task_status", self.to_status)


class TaskRead(ReadModel):
    id: int
    placement_id: int
    kind: str
    stage: str
    responsible: str
    status: str
    due_on: date | None = Field(description="China Standard Time")
    due_provisional: bool = Field(description="counted on weekends only: that year's holidays are not published")
    remind_on: date | None
    evidence_ref: str | None
    blocked_reason: str | None
    illustrative: bool
    source: str
    template_version: int
    done_on: date | None
    overdue: bool = Field(description="not done (nor not needed) and its due date has passed")
    reminding: bool = Field(description="not done, and its reminder date has come")
    version: int
    updated_at: datetime

    @computed_field  # type: ignore[prop-decorator]
    @property
    def kind_label(self) -> str | None:
        return label("service_task_kind", self.kind)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def stage_label(self) -> str | None:
        return label("service_stage", self.stage)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def responsible_label(self) -> str | None:
        return label("service_responsible", self.responsible)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def status_label(self) -> str | None:
        return label("service_task_status", self.status)


class TaskDetail(TaskRead):
    """A task with its history, oldest first."""

    events: list[TaskEventRead]


class RuleFlag(ReadModel):
    """A flag a fixed rule raises (not the model): shown beside the departure risk, which it leaves unchanged."""

    code: str
    task_id: int
    due_on: date
    suggested_case: SuggestedCase

    @computed_field  # type: ignore[prop-decorator]
    @property
    def code_label(self) -> str | None:
        return label("service_flag", self.code)


class Checklist(ReadModel):
    """A placement's one-stop services: empty for a placement within one province."""

    placement_id: int
    home_province: str
    work_province: str
    cross_province: bool
    tasks: list[TaskRead]
    flags: list[RuleFlag]
