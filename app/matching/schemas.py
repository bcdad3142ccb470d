"""Match and candidate output."""

from typing import Literal

from pydantic import BaseModel, Field


class Reason(BaseModel):
    factor: str
    direction: Literal["+", "\u2212"] = Field(description="`+` raised the score, `\u2212` lowered it")
    effect: float = Field(description="this factor's share of the score's logit against a neutral pair")
    zh: str
    en: str
    text: str


class Note(BaseModel):
    zh: str
    en: str
    text: str


class ModelInfo(BaseModel):
    kind: str = Field(description="`ranker` (P(lasts 90 days)) or `rule_baseline` (fallback, not a probability)")
    version: str | None
    note: str | None


class VacancySummary(BaseModel):
    id: int
    title: str
    employer_org_id: int
    occupation_code: str | None
    county_code: str
    place: str
    wage_min: int
    wage_max: int
    housing: bool
    shift: str
    headcount_left: int = Field(
        description="places this worker can still be offered (places reserved for an order class's graduates "
        "are not counted for anyone else)"
    )


class Match(BaseModel):
    rank: int
    tier: Literal["training", "wish", "skill", "other"] = Field(
        description="`training`: the vacancy of an order class the worker completed; `wish`: an occupation the "
        "worker asked for; `skill`: in the family of a skill or past job; `other`. The default order takes the "
        "tiers in turn, each by score"
    )
    tier_label: str
    score: float = Field(description="predicted chance the placement lasts at least 90 days")
    vacancy: VacancySummary
    reasons: list[Reason]


class Matches(BaseModel):
    worker_id: int
    order: Literal["tiers", "retention"]
    model: ModelInfo
    occupation_evidence: list[str] = Field(description="occupation codes inferred from the worker's past jobs")
    adjustments: list[Note] = Field(description="how the last ended placement changed the ranking")
    items: list[Match]


class CandidateSummary(BaseModel):
    id: int
    consent_to_share: bool
    name: str | None = Field(description="only when the worker consented to share")
    id_number: str | None = Field(description="masked, only when the worker consented to share")
    phone: str | None = Field(description="masked, only when the worker consented to share")
    hukou_county: str
    home: str
    education: str
    skills: list[str]
    desired_occupations: list[str]
    expected_wage: int | None


class Candidate(BaseModel):
    rank: int
    score: float
    worker: CandidateSummary
    reasons: list[Reason]


class Candidates(BaseModel):
    vacancy_id: int
    model: ModelInfo
    items: list[Candidate]


class OccupationAlternative(BaseModel):
    code: str
    name: str
    score: float
