"""Incentive rules, ledger entries, batches and balances: input and output (money always integer fen)."""

from datetime import date, datetime
from typing import Annotated, Any, Literal, get_args

from pydantic import Field, computed_field, model_validator

from app.errors import Msg
from app.http import MAX_ID
from app.labels import Coded, label
from app.schemas import InputModel, IsoDate, ReadModel, bilingual

BeneficiaryCode = Literal["worker", "employer", "agency", "broker", "training_school"]
TriggerCode = Literal["placement_started", "continuous_days", "training_completed"]
AmountModeCode = Literal["fixed", "actual_capped"]
EntryKindCode = Literal["accrual", "hold", "release", "approval", "payment", "clawback", "reversal"]
StatusCode = Literal["in_publicity", "accrued", "held", "approved", "paid", "reversed"]
ExclusionCode = Literal["free_transport"]
HouseholdCode = Literal["registered_low_income", "monitored"]
ChannelCode = Literal["cross_region", "local", "nearby"]
GroundCode = Literal["error", "fraud", "duplicate", "dismissed_without_cause"]
BENEFICIARIES: tuple[str, ...] = get_args(BeneficiaryCode)
TRIGGERS: tuple[str, ...] = get_args(TriggerCode)
AMOUNT_MODES: tuple[str, ...] = get_args(AmountModeCode)
ENTRY_KINDS: tuple[str, ...] = get_args(EntryKindCode)
STATUSES: tuple[str, ...] = get_args(StatusCode)
EXCLUSIONS: tuple[str, ...] = get_args(ExclusionCode)
HOUSEHOLDS: tuple[str, ...] = get_args(HouseholdCode)
GROUNDS: tuple[str, ...] = get_args(GroundCode)
Beneficiary = Annotated[BeneficiaryCode, Coded("incentive_beneficiary", BENEFICIARIES)]
Trigger = Annotated[TriggerCode, Coded("incentive_trigger", TRIGGERS)]
AmountMode = Annotated[AmountModeCode, Coded("incentive_amount_mode", AMOUNT_MODES)]
EntryKind = Annotated[EntryKindCode, Coded("incentive_entry_kind", ENTRY_KINDS)]
Status = Annotated[StatusCode, Coded("incentive_status", STATUSES)]
Exclusion = Annotated[ExclusionCode, Coded("incentive_exclusion", EXCLUSIONS)]
Household = Annotated[HouseholdCode, Coded("incentive_household", HOUSEHOLDS)]
Channel = Annotated[ChannelCode, Coded("channel", get_args(ChannelCode))]
Ground = Annotated[GroundCode, Coded("clawback_ground", GROUNDS)]
MAX_FEN = 100_000_000  # ¥1,000,000: no single reward comes near it
Reason = Annotated[str, Field(min_length=2, max_length=500, description="why, in words the parties can read")]


class Conditions(InputModel):
    """Who qualifies; every condition that is set must hold."""

    channels: list[Channel] | None = Field(default=None, max_length=3, description="only these channels")
    households: list[Household] | None = Field(
        default=None,
        max_length=2,
        description="the worker's household is one of these (registered low-income, monitored)",
    )
    cross_province_only: bool = False
    min_contract_months: int | None = Field(default=None, ge=1, le=120)
    age_min: int | None = Field(default=None, ge=16, le=80)
    age_max: int | None = Field(default=None, ge=16, le=80)
    min_wage: int | None = Field(
        default=None, ge=0, le=1_000_000, description="yuan a month, the vacancy's lowest wage"
    )


class Limits(InputModel):
    once_per_worker_per_year: bool = False
    no_repeat_employer_months: int | None = Field(
        default=None,
        ge=1,
        le=120,
        description="no second payment to the same employer for the same worker within N months",
    )


MISSING_DAYS = Msg("连续就业天数规则须填写天数 days", "a continuous_days rule needs `days`")
MISSING_AMOUNT = Msg("定额规则须填写金额 amount_fen（分）", "a fixed rule needs amount_fen (in fen)")
MISSING_CAP = Msg("据实限额规则须填写上限 cap_fen（分）", "an actual_capped rule needs cap_fen (in fen)")
BAD_PERIOD = Msg("失效日期不能早于生效日期", "valid_to is before valid_from")
BAD_AGES = Msg("年龄下限不能大于上限", "age_min is above age_max")
NO_JOB_CONDITIONS_ON_TRAINING = Msg(
    "培训结业规则只能设劳动者条件（家庭类别、年龄），不能设岗位条件（渠道、跨省、合同月数、工资、免费专车）",
    "a training_completed rule takes conditions about the worker only (households, age), not about a job "
    "(channels, cross-province, contract months, wage, free transport)",
)
SCHOOL_ONLY_TRAINING = Msg(
    "培训结业只奖补劳动者或培训机构", "training_completed pays the worker or the training school only"
)


def training_rule_problem(
    trigger: str, beneficiary: str, conditions: dict[str, Any], exclusions: list[str]
) -> Msg | None:
    """Why a training_completed rule cannot be evaluated as written, if it cannot: its conditions must be about the
    worker, since a completed class has no job yet."""
    if trigger != "training_completed":
        return None
    if beneficiary not in ("worker", "training_school"):
        return SCHOOL_ONLY_TRAINING
    job_conditions = (
        conditions.get("channels")
        or conditions.get("cross_province_only")
        or conditions.get("min_contract_months") is not None
        or conditions.get("min_wage") is not None
    )
    return NO_JOB_CONDITIONS_ON_TRAINING if job_conditions or exclusions else None


class RuleFields(InputModel):
    name: str = Field(min_length=2, max_length=200)
    beneficiary: Beneficiary
    trigger: Trigger
    days: int | None = Field(
        default=None, ge=1, le=3650, description="continuous days in work (trigger continuous_days)"
    )
    amount_mode: AmountMode = "fixed"
    amount_fen: int | None = Field(default=None, ge=1, le=MAX_FEN, description="fixed amount, in fen (分)")
    cap_fen: int | None = Field(
        default=None, ge=1, le=MAX_FEN, description="the most an actual_capped claim pays, in fen"
    )
    conditions: Conditions = Field(default_factory=lambda: Conditions())
    exclusions: list[Exclusion] = Field(default_factory=list, max_length=5)
    limits: Limits = Field(default_factory=lambda: Limits())
    valid_from: IsoDate
    valid_to: IsoDate | None = None
    publicity_days: int = Field(default=7, ge=0, le=60, description="公示: days an accrual is public before approval")
    source: str | None = Field(default=None, max_length=1000, description="the published rule this follows")

    @model_validator(mode="after")
    def _consistent(self) -> "RuleFields":
        if self.trigger == "continuous_days" and self.days is None:
            raise bilingual(MISSING_DAYS)
        if self.amount_mode == "fixed" and self.amount_fen is None:
            raise bilingual(MISSING_AMOUNT)
        if self.amount_mode == "actual_capped" and self.cap_fen is None:
            raise bilingual(MISSING_CAP)
        if self.valid_to is not None and self.valid_to < self.valid_from:
            raise bilingual(BAD_PERIOD)
        c = self.conditions
        if c.age_min is not None and c.age_max is not None and c.age_min > c.age_max:
            raise bilingual(BAD_AGES)
        problem = training_rule_problem(self.trigger, self.beneficiary, c.model_dump(), list(self.exclusions))
        if problem is not None:
            raise bilingual(problem)
        return self


class RuleCreate(RuleFields):
    province_code: str = Field(pattern=r"^\d{2}0000$", description="the province that pays, e.g. 450000")


class RuleUpdate(RuleFields):
    """An edit is a whole new version: entries already made keep the version they were made under."""


class RuleRead(ReadModel):
    id: int
    province_code: str
    version: int
    name: str
    beneficiary: str
    trigger: str
    days: int | None
    amount_mode: str
    amount_fen: int | None
    cap_fen: int | None
    conditions: dict[str, Any]
    exclusions: list[str]
    limits: dict[str, Any]
    valid_from: date
    valid_to: date | None
    publicity_days: int
    source: str | None
    created_at: datetime

    @computed_field  # type: ignore[prop-decorator]
    @property
    def beneficiary_label(self) -> str | None:
        return label("incentive_beneficiary", self.beneficiary)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def trigger_label(self) -> str | None:
        return label("incentive_trigger", self.trigger)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def amount_mode_label(self) -> str | None:
        return label("incentive_amount_mode", self.amount_mode)


class SimulationRead(ReadModel):
    rule_id: int
    rule_version: int
    date_from: date = Field(serialization_alias="from")
    date_to: date = Field(serialization_alias="to")
    entries: int = Field(description="accruals the rule would have made")
    amount_fen: int
    stable_placements: int = Field(description="distinct placements that reached the rule's milestone")
    by_beneficiary_kind: dict[str, int]


def milestone_label(milestone: str) -> str:
    if milestone.startswith("day_") and milestone[4:].isdigit():
        return f"连续就业满{milestone[4:]}天 / {milestone[4:]} days in work"
    return label("incentive_milestone", milestone) or milestone


class EntryRead(ReadModel):
    id: int
    kind: str
    amount_fen: int
    rule_id: int
    rule_version: int
    province_code: str
    beneficiary_kind: str
    org_id: int | None
    worker_id: int | None
    placement_id: int | None
    enrolment_id: int | None
    milestone: str
    milestone_date: date
    publicity_until: date | None
    reason: str | None
    corrects_id: int | None
    batch_id: int | None
    created_by_org_id: int | None
    created_at: datetime
    status: str | None = Field(
        default=None, description="accruals only: derived from the later entries that reference it"
    )

    @computed_field  # type: ignore[prop-decorator]
    @property
    def kind_label(self) -> str | None:
        return label("incentive_entry_kind", self.kind)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def status_label(self) -> str | None:
        return label("incentive_status", self.status)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def beneficiary_label(self) -> str | None:
        return label("incentive_beneficiary", self.beneficiary_kind)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def milestone_label(self) -> str:
        return milestone_label(self.milestone)


class Decision(InputModel):
    reason: Reason | None = None


class ReasonRequired(InputModel):
    reason: Reason


class ClawbackCreate(InputModel):
    ground: Ground
    reason: Reason


class BulkApprove(InputModel):
    ids: list[Annotated[int, Field(ge=1, le=MAX_ID)]] = Field(min_length=1, max_length=1000)


class BatchCreate(InputModel):
    """Bundle approved entries of the caller's province: these ids, or every approved entry not yet in a batch."""

    entry_ids: list[Annotated[int, Field(ge=1, le=MAX_ID)]] | None = Field(
        default=None, min_length=1, max_length=10_000
    )


class BatchPaid(InputModel):
    payment_reference: str | None = Field(
        default=None, max_length=100, description="the finance bureau's voucher number"
    )


class BatchRead(ReadModel):
    id: int
    province_code: str
    created_by_org_id: int
    created_at: datetime
    paid_at: datetime | None
    payment_reference: str | None
    entries: int
    amount_fen: int


class BalanceRead(ReadModel):
    org_id: int
    accrued_fen: int = Field(description="in publicity or awaiting approval")
    approved_fen: int
    paid_fen: int
    held_fen: int
    reversed_fen: int


class UnevaluatedVersion(ReadModel):
    """A rule version the run left alone, and why: the province edits the rule to a version that can be applied."""

    rule_id: int
    version: int
    reason: str = Field(description="中文 / English")


class AccrualRun(ReadModel):
    as_of: date
    created: int
    amount_fen: int
    skipped_training: bool = Field(
        description="always false: training_completed rules are evaluated on completed enrolments (kept for clients)"
    )
    not_evaluated: list[UnevaluatedVersion] = Field(
        default_factory=list,
        description="rule versions written before today's checks that cannot be applied as written",
    )
    held: int = Field(0, description="employer accruals held because a wage-arrears case against the employer is open")
    released: int = Field(0, description="such holds released because the employer has no open wage-arrears case")
