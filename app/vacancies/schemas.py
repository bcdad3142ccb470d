"""Vacancy input and output."""

from datetime import date, datetime
from typing import Annotated, Any, Literal, get_args

from pydantic import Field, StringConstraints, computed_field

from app.labels import Coded, label
from app.schemas import InputModel, IsoDate, ReadModel
from app.workers.schemas import CountyCode, CscoCode, Education

ShiftCode = Literal["day", "two_shift", "three_shift"]
StatusCode = Literal["open", "closed"]
SHIFTS: tuple[str, ...] = get_args(ShiftCode)
VACANCY_STATUSES: tuple[str, ...] = get_args(StatusCode)
Shift = Annotated[ShiftCode, Coded("shift", SHIFTS)]
Status = Annotated[StatusCode, Coded("vacancy_status", VACANCY_STATUSES)]
Title = Annotated[str, StringConstraints(min_length=1, max_length=200)]


class VacancyCreate(InputModel):
    external_id: str = Field(min_length=1, max_length=64)
    title: Title
    occupation_code: CscoCode | None = None
    county_code: CountyCode
    headcount: int = Field(ge=1, le=100_000)
    wage_min: int = Field(ge=0, le=200_000)
    wage_max: int = Field(ge=0, le=200_000)
    housing: bool = False
    meals: bool = False
    shift: Shift = "day"
    contract_months: int | None = Field(None, ge=0, le=120)
    min_age: int = Field(16, ge=16, le=80)
    max_age: int | None = Field(None, ge=16, le=80)
    education_min: Education = "none"
    start_date: IsoDate | None = None
    status: Status = "open"


class VacancyUpdate(InputModel):
    """Every field optional; only the fields sent are changed."""

    external_id: str | None = Field(None, min_length=1, max_length=64)
    title: Title | None = None
    occupation_code: CscoCode | None = None
    county_code: CountyCode | None = None
    headcount: int | None = Field(None, ge=1, le=100_000)
    wage_min: int | None = Field(None, ge=0, le=200_000)
    wage_max: int | None = Field(None, ge=0, le=200_000)
    housing: bool | None = None
    meals: bool | None = None
    shift: Shift | None = None
    contract_months: int | None = Field(None, ge=0, le=120)
    min_age: int | None = Field(None, ge=16, le=80)
    max_age: int | None = Field(None, ge=16, le=80)
    education_min: Education | None = None
    start_date: IsoDate | None = None
    status: Status | None = None


class VacancyRead(ReadModel):
    id: int
    employer_org_id: int
    external_id: str
    title: str
    occupation_code: str | None
    occupation_inferred: bool = Field(False, description="the code was inferred from the title")
    occupation_alternatives: list[dict[str, Any]] = Field(
        default_factory=list, description="when inferred, or too unclear to infer: [{code, name, score}], best first"
    )
    occupation_note: str | None = Field(None, description="why there is no occupation code, when there is none")
    county_code: str
    headcount: int
    filled: int = Field(0, description="active placements on this vacancy")
    wage_min: int
    wage_max: int
    housing: bool
    meals: bool
    shift: str
    contract_months: int | None
    min_age: int
    max_age: int | None
    education_min: str
    start_date: date | None
    status: str
    version: int
    created_at: datetime
    updated_at: datetime

    @computed_field  # type: ignore[prop-decorator]
    @property
    def shift_label(self) -> str | None:
        return label("shift", self.shift)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def education_min_label(self) -> str | None:
        return label("education", self.education_min)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def status_label(self) -> str | None:
        return label("vacancy_status", self.status)


class OccupationConfirm(InputModel):
    """The occupation code a person vouches for: the inferred one (a confirmation) or another (a correction)."""

    occupation_code: CscoCode
