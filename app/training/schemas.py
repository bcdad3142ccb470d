"""Training demand, class and enrolment input and output."""

from datetime import date, datetime
from typing import Annotated, get_args

from pydantic import Field, StringConstraints, computed_field

from app.http import MAX_ID
from app.labels import Coded, label
from app.schemas import InputModel, IsoDate, ReadModel
from app.training.models import ClassMode, ClassStatus, EnrolmentStatus, Result
from app.workers.schemas import CountyCode, CscoCode

MODES: tuple[str, ...] = get_args(ClassMode)
CLASS_STATUSES: tuple[str, ...] = get_args(ClassStatus)
ENROLMENT_STATUSES: tuple[str, ...] = get_args(EnrolmentStatus)
RESULTS: tuple[str, ...] = get_args(Result)
Mode = Annotated[ClassMode, Coded("training_mode", MODES)]
ClassStatusIn = Annotated[ClassStatus, Coded("training_class_status", CLASS_STATUSES)]
# A class is opened as planned or straight into enrolment; the later states come by PATCH.
OPENING_STATUSES = ("planned", "enrolling")
EnrolmentStatusIn = Annotated[EnrolmentStatus, Coded("enrolment_status", ENROLMENT_STATUSES)]
ResultIn = Annotated[Result, Coded("training_result", RESULTS)]
Title = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Skill = Annotated[str, StringConstraints(min_length=1, max_length=100)]
Hours = Annotated[int, Field(ge=1, le=10_000)]
Id = Annotated[int, Field(ge=1, le=MAX_ID)]


class DemandCreate(InputModel):
    """An employer's demand; occupation_code may be left out when the linked vacancy has one."""

    vacancy_id: Id | None = None
    occupation_code: CscoCode | None = None
    headcount: int = Field(ge=1, le=100_000)
    hire_commitment: int = Field(0, ge=0, le=100_000, description="graduates the employer promises to hire")
    skills: list[Skill] = Field(default_factory=list, max_length=30)
    needed_by: IsoDate | None = None


class DemandUpdate(InputModel):
    """Every field optional; only the fields sent are changed."""

    vacancy_id: Id | None = None
    occupation_code: CscoCode | None = None
    headcount: int | None = Field(None, ge=1, le=100_000)
    hire_commitment: int | None = Field(None, ge=0, le=100_000)
    skills: list[Skill] | None = Field(None, max_length=30)
    needed_by: IsoDate | None = None


class DemandRead(ReadModel):
    id: int
    employer_org_id: int
    vacancy_id: int | None
    occupation_code: str
    headcount: int
    hire_commitment: int
    skills: list[str]
    needed_by: date | None
    version: int
    created_at: datetime
    updated_at: datetime


class ClassCreate(InputModel):
    demand_id: Id | None = Field(None, description="the employer's demand it answers; required for an order class")
    mode: Mode
    occupation_code: CscoCode
    title: Title
    county_code: CountyCode = Field(description="where the class is held")
    start_date: IsoDate
    end_date: IsoDate
    planned_hours: Hours
    capacity: int = Field(ge=1, le=10_000)
    certificate_type: str | None = Field(None, min_length=1, max_length=100)
    status: ClassStatusIn = Field("planned", description="planned or enrolling when it is opened")


class ClassUpdate(InputModel):
    """Every field optional; `status` moves planned → enrolling → running → completed, or to cancelled."""

    title: Title | None = None
    county_code: CountyCode | None = None
    start_date: IsoDate | None = None
    end_date: IsoDate | None = None
    planned_hours: Hours | None = None
    capacity: int | None = Field(None, ge=1, le=10_000)
    certificate_type: str | None = Field(None, min_length=1, max_length=100)
    status: ClassStatusIn | None = None


class ClassRead(ReadModel):
    id: int
    school_org_id: int
    demand_id: int | None
    mode: str
    occupation_code: str
    title: str
    county_code: str
    start_date: date
    end_date: date
    planned_hours: int
    capacity: int
    taken: int = Field(0, description="places held: every enrolment but the dropped ones")
    certificate_type: str | None
    status: str
    version: int
    created_at: datetime
    updated_at: datetime

    @computed_field  # type: ignore[prop-decorator]
    @property
    def mode_label(self) -> str | None:
        return label("training_mode", self.mode)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def status_label(self) -> str | None:
        return label("training_class_status", self.status)


class EnrolmentCreate(InputModel):
    worker_id: Id


class EnrolmentUpdate(InputModel):
    """Attendance, a result, completion or a drop-out; `result: fail` makes the enrolment failed."""

    attended_hours: int | None = Field(None, ge=0, le=10_000)
    result: ResultIn | None = None
    status: EnrolmentStatusIn | None = None
    certificate_no: str | None = Field(None, min_length=1, max_length=64)
    drop_reason: str | None = Field(None, min_length=1, max_length=500)


class EnrolmentRead(ReadModel):
    id: int
    class_id: int
    worker_id: int
    status: str
    attended_hours: int
    result: str | None
    certificate_no: str | None
    drop_reason: str | None
    enrolled_by_org_id: int
    version: int
    created_at: datetime
    updated_at: datetime

    @computed_field  # type: ignore[prop-decorator]
    @property
    def status_label(self) -> str | None:
        return label("enrolment_status", self.status)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def result_label(self) -> str | None:
        return label("training_result", self.result)


class WorkerTrainingRead(EnrolmentRead):
    """An enrolment with what the worker was trained in, by whom, and for which employer."""

    school_org_id: int
    title: str
    mode: str
    occupation_code: str
    planned_hours: int
    end_date: date
    class_status: str
    employer_org_id: int | None = Field(None, description="the employer whose demand the class answers")

    @computed_field  # type: ignore[prop-decorator]
    @property
    def mode_label(self) -> str | None:
        return label("training_mode", self.mode)
