"""The weekly report's shape: the route's response model, so the OpenAPI document describes every field.

`extra="forbid"` makes the schema a contract the tests hold the built report to: a field added to the report
and not here fails them.
"""

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from app.reports.schemas import ScopeKind


class _Part(BaseModel):
    model_config = ConfigDict(extra="forbid")


class WeekFigures(_Part):
    new_placements: int
    active_at_week_end: int
    departures: int = Field(description="placements that ended in the week, whatever the reason")
    early_departures: int = Field(description="ended within the early-departure window, not by a finished contract")


class Totals(WeekFigures):
    end_reasons: dict[str, int] = Field(description="the week's departures by end reason code")


class Change(_Part):
    this_week: int
    last_week: int
    change: int


class ScopeBlock(_Part):
    kind: ScopeKind
    name: str
    code: str | None = Field(None, description="a county's or a station's region")
    id: int | None = Field(None, description="an employer's org id or a pairing's id")


class Estimate(_Part):
    """A Kaplan–Meier share still employed on a day, with its 95 % interval; null while the cohort is too young."""

    estimate: float | None
    ci_low: float | None
    ci_high: float | None
    at_risk: int


class CountyRow(WeekFigures):
    county: str
    name: str


class EmployerRow(WeekFigures):
    employer_id: int
    name: str


class PairingRow(WeekFigures):
    pairing_id: int
    name: str
    east_code: str
    west_code: str
    level: str
    illustrative: bool
    annual_target: int
    ytd_placements: int = Field(description="this scope's placements this year on the pairing")
    pairing_ytd_placements: int = Field(description="the whole pairing's placements this year")
    share_of_pairing: float | None
    ytd_target_share: float | None = Field(description="the whole pairing's placements this year / its target")
    year_elapsed_share: float
    ytd_retention_90: Estimate


class ChannelRow(WeekFigures):
    channel: str
    channel_label: str
    retention_90: Estimate


class Cohort(_Part):
    cohort: str = Field(description="a start month, YYYY-MM")
    placements: int
    retention: dict[str, Estimate] = Field(description="keyed by horizon in days: 30, 90, 180")


class Curves(_Part):
    """[day, share still employed] steps of the Kaplan–Meier curve."""

    by_channel: dict[str, list[tuple[int, float]]]
    by_pairing: dict[str, list[tuple[int, float]]] = Field(description="keyed by pairing id")


class Retention(_Part):
    horizons: list[int]
    cohorts: list[Cohort]
    curves: Curves


class WeekDepartures(_Part):
    week: str
    departures: int
    early_departures: int


class DueDone(_Part):
    due: int
    done: int


class FollowUps(DueDone):
    done_share: float | None
    by_kind: dict[str, DueDone] = Field(description="week_1, week_4, week_12 and after_concern")


class Reason(_Part):
    code: str
    zh: str
    en: str


class AtRiskItem(_Part):
    placement_id: int
    worker_id: int
    hukou_county: str
    hukou_county_name: str
    employer_id: int
    employer_name: str
    vacancy_title: str
    channel: str
    channel_label: str
    start_date: date
    days_in_job: int
    status: Literal["active", "upcoming"]
    risk_30: float | None
    risk_90: float | None
    risk_180: float | None
    reasons: list[Reason | str]
    action: str
    action_label: str
    model_version: str
    answered_this_week: str | None = Field(description="the latest answer to the flag in the week, if any")


class AtRisk(_Part):
    note: str | None = Field(description="why the list is empty, when the model has not scored")
    source: Literal["live", "snapshot"]
    scored: int
    flagged: int
    answered_this_week: dict[str, int]
    items: list[AtRiskItem] = Field(description="the highest risks first, at most 100")


class CaseCounts(_Part):
    opened: int
    resolved: int
    open_at_week_end: int
    overdue_at_week_end: int


class CaseKindRow(CaseCounts):
    kind: str
    kind_label: str


class CaseCountyRow(CaseCounts):
    home_county: str | None
    name: str


class CaseEmployerRow(CaseCounts):
    employer_id: int | None
    name: str


class ArrearsEmployer(_Part):
    employer_id: int
    name: str
    open_cases: int


class Cases(CaseCounts):
    by_kind: list[CaseKindRow]
    by_county: list[CaseCountyRow]
    by_employer: list[CaseEmployerRow]
    median_working_days_to_resolution: float | None
    claimed_fen_resolved: int
    recovered_fen_resolved: int
    employers_with_open_arrears: list[ArrearsEmployer]
    departures: int
    departures_with_case_share: float | None


class TrainingCounts(_Part):
    classes_running_at_week_end: int = Field(description="classes with an enrolment in scope, started and not ended")
    enrolled: int = Field(description="enrolments made in the week")
    completed: int = Field(description="completed enrolments whose class ended in the week")
    dropped: int = Field(description="enrolments recorded as dropped in the week")


class SchoolRow(TrainingCounts):
    school_id: int
    name: str


class GraduatesPlaced(_Part):
    """Graduates of the classes that ended in a 13-week window, placed within 30 days of their class's end."""

    classes_ended_from: date
    classes_ended_to: date
    graduates: int
    placed: int
    share: float | None


class CommitmentRow(_Part):
    employer_id: int
    name: str
    committed: int
    graduates_hired: int
    fulfilled_share: float | None


class Commitments(_Part):
    """Order classes' hire commitments (招生即招工) against the graduates who started on the demand's vacancy."""

    committed: int
    graduates_hired: int
    fulfilled_share: float | None
    by_employer: list[CommitmentRow]


class GraduateRetention(_Part):
    occupations: int = Field(description="occupations with at least one graduate's placement")
    graduates: dict[str, Estimate] = Field(description="by horizon in days (90, 180)")
    untrained_same_occupations: dict[str, Estimate]


class Training(TrainingCounts):
    by_school: list[SchoolRow]
    graduates_placed_within_30_days: GraduatesPlaced
    commitments: Commitments
    retention: GraduateRetention


class Definition(_Part):
    label: str
    zh: str
    en: str


class WeeklyReport(_Part):
    """What lasted in one finished ISO week, for the caller's scope."""

    week: str = Field(description="ISO week, YYYY-Www")
    week_start: date
    week_end: date
    timezone: str
    scope: ScopeBlock
    totals: Totals
    week_on_week: dict[str, Change]
    by_county: list[CountyRow]
    by_employer: list[EmployerRow]
    by_pairing: list[PairingRow]
    by_channel: list[ChannelRow]
    retention: Retention
    departures_by_week: list[WeekDepartures]
    follow_ups: FollowUps
    at_risk: AtRisk
    cases: Cases
    training: Training
    definitions: dict[str, Definition] = Field(description="口径 / how each figure is counted")
