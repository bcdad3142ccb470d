"""Allocation input and output."""

from datetime import datetime
from typing import Annotated, Any, Literal, get_args

from pydantic import Field, computed_field, field_validator

from app.errors import Msg
from app.http import MAX_ID
from app.labels import Coded, label
from app.schemas import InputModel, IsoDate, ReadModel, bilingual

MethodCode = Literal["min_cost_flow", "greedy", "stable"]
ObjectiveCode = Literal["retention", "placed_first"]
Method = Annotated[MethodCode, Coded("allocation_method", get_args(MethodCode))]
Objective = Annotated[ObjectiveCode, Coded("allocation_objective", get_args(ObjectiveCode))]
MAX_QUOTAS = 200

DUPLICATE_QUOTA = Msg("同一结对关系只能设置一个名额上限", "each pairing may have one quota only")


class Quota(InputModel):
    pairing_id: int = Field(ge=1, le=MAX_ID)
    max: int = Field(ge=0, le=1_000_000, description="at most this many placements through the pairing")


class AllocationCreate(InputModel):
    """What to allocate: a county office its own unplaced workers; the province all, or one county's."""

    county_code: str | None = Field(None, pattern=r"^\d{6}$", description="GB/T 2260 county code of the workers")
    quotas: list[Quota] = Field(default_factory=list, max_length=MAX_QUOTAS)
    method: Method = "min_cost_flow"
    objective: Objective = Field(
        "retention",
        description="retention: most placements expected to last 90 days; placed_first: most workers placed, "
        "then retention (min_cost_flow only)",
    )
    candidates_per_worker: int = Field(20, ge=1, le=100, description="vacancies considered per worker")

    @field_validator("quotas")
    @classmethod
    def _one_quota_per_pairing(cls, quotas: list[Quota]) -> list[Quota]:
        ids = [q.pairing_id for q in quotas]
        if len(ids) != len(set(ids)):
            raise bilingual(DUPLICATE_QUOTA)
        return quotas


class ItemDecision(InputModel):
    """Accepting an item records a hire starting on `start_date` (today when omitted)."""

    start_date: IsoDate | None = None


class AllocationRead(ReadModel):
    id: int
    org_id: int
    county_code: str | None
    method: str
    objective: str
    candidates_per_worker: int
    quotas: list[dict[str, int]]
    model: dict[str, Any]
    summary: dict[str, Any]
    created_at: datetime


class AllocationItemRead(ReadModel):
    id: int
    allocation_id: int
    worker_id: int
    vacancy_id: int
    score: float
    rank: int
    pairing_id: int | None
    reasons: list[dict[str, Any]]
    status: str
    placement_id: int | None
    decided_at: datetime | None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def status_label(self) -> str | None:
        return label("allocation_item_status", self.status)


class AllocationDetail(AllocationRead):
    items: list[AllocationItemRead]
    next_cursor: str | None = None
