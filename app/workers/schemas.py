"""Worker input and output; sex and birth date come from the ID number, never from the client."""

from datetime import datetime
from typing import Annotated, Literal, get_args

from pydantic import Field, StringConstraints, computed_field, field_validator

from app.clock import today
from app.errors import Msg
from app.labels import Coded, label
from app.schemas import InputModel, ReadModel, bilingual
from app.workers.idnumber import InvalidIdNumber, age_on, parse_id_number
from matching.ranking.channels import LEGAL_AGE

MIN_WORKING_AGE = LEGAL_AGE

EducationCode = Literal[
    "none", "primary", "junior_secondary", "senior_secondary", "vocational", "college", "bachelor_plus"
]
ChannelCode = Literal["cross_region", "local", "nearby", "any"]
EDUCATION_LEVELS: tuple[str, ...] = get_args(EducationCode)  # in rising order
CHANNELS: tuple[str, ...] = get_args(ChannelCode)
# The code or its Chinese word (初中, 异地转移): the JSON API reads what the import template reads.
Education = Annotated[EducationCode, Coded("education", EDUCATION_LEVELS)]
Channel = Annotated[ChannelCode, Coded("channel", CHANNELS)]
CscoCode = Annotated[str, StringConstraints(pattern=r"^\d-\d{2}-\d{2}-\d{2}$")]
CountyCode = Annotated[str, StringConstraints(pattern=r"^\d{6}$")]
Phone = Annotated[str, StringConstraints(pattern=r"^1[3-9]\d{9}$")]
JobTitle = Annotated[str, StringConstraints(min_length=1, max_length=100)]


def check_id_number(value: str) -> str:
    """Checksum, a real birth date, and a holder of working age (16+) today."""
    value = value.upper()
    try:
        facts = parse_id_number(value)
    except InvalidIdNumber as exc:
        raise bilingual(Msg(exc.zh, exc.en)) from None
    if facts.birth_date > today():
        raise bilingual(Msg("身份证号中的出生日期在未来", "the birth date inside the ID number is in the future"))
    if age_on(facts.birth_date, today()) < MIN_WORKING_AGE:
        raise bilingual(Msg("未满16周岁，不能登记求职", "the worker is under 16, the legal working age"))
    return value


class WorkerFields(InputModel):
    name: str | None = Field(None, min_length=1, max_length=64)
    phone: Phone | None = None
    hukou_county: CountyCode | None = None
    education: Education | None = None
    skills: list[CscoCode] | None = Field(None, max_length=30)
    past_jobs: list[JobTitle] | None = Field(None, max_length=30)
    desired_occupations: list[CscoCode] | None = Field(None, max_length=30)
    channel_preference: Channel | None = None
    expected_wage: int | None = Field(None, ge=0, le=100_000)
    registered_low_income: bool | None = None
    monitored_household: bool | None = None
    dependants: int | None = Field(None, ge=0, le=30)
    consent_to_share: bool | None = None


class WorkerCreate(InputModel):
    external_id: str = Field(min_length=1, max_length=64)
    id_number: str
    name: str = Field(min_length=1, max_length=64)
    phone: Phone | None = None
    hukou_county: CountyCode
    education: Education
    skills: list[CscoCode] = Field(default_factory=list, max_length=30)
    past_jobs: list[JobTitle] = Field(default_factory=list, max_length=30)
    desired_occupations: list[CscoCode] = Field(default_factory=list, max_length=30)
    channel_preference: Channel = "any"
    expected_wage: int | None = Field(None, ge=0, le=100_000)
    registered_low_income: bool = False
    monitored_household: bool = False
    dependants: int = Field(0, ge=0, le=30)
    consent_to_share: bool = False

    _id_number = field_validator("id_number")(check_id_number)


class WorkerUpdate(WorkerFields):
    """Every field optional; only the fields sent are changed."""

    id_number: str | None = None

    @field_validator("id_number")
    @classmethod
    def _check_id(cls, value: str | None) -> str | None:
        return None if value is None else check_id_number(value)


class WorkerRead(ReadModel):
    id: int
    external_id: str
    owner_org_id: int
    id_number: str = Field(description="masked (450225********123X) unless read with reveal=pii")
    name: str
    phone: str | None = Field(description="masked (138****0000) unless read with reveal=pii")
    sex: str
    age: int
    hukou_county: str
    education: str
    skills: list[str]
    past_jobs: list[str]
    desired_occupations: list[str]
    channel_preference: str
    expected_wage: int | None
    registered_low_income: bool
    monitored_household: bool
    dependants: int
    consent_to_share: bool
    version: int
    created_at: datetime
    updated_at: datetime

    @computed_field  # type: ignore[prop-decorator]
    @property
    def education_label(self) -> str | None:
        return label("education", self.education)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def channel_preference_label(self) -> str | None:
        return label("channel", self.channel_preference)


class ImportResult(ReadModel):
    created: int
    rows: int
