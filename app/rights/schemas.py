"""Rights-case input and output (amounts in integer fen, as in the incentives ledger)."""

from datetime import date, datetime
from typing import Annotated, Literal, get_args

from pydantic import Field, computed_field

from app.http import MAX_ID
from app.labels import Coded, label
from app.schemas import InputModel, ReadModel

KindCode = Literal[
    "wage_arrears",
    "contract",
    "insurance_unpaid",
    "work_injury",
    "occupational_disease",
    "agency_misconduct",
    "other",
]
ActionCode = Literal[
    "contact", "accept", "refer", "start", "note", "resolve", "reject", "withdraw", "reopen", "escalate", "assign"
]
StatusCode = Literal["open", "accepted", "in_progress", "resolved", "rejected", "withdrawn"]
CaseKind = Annotated[KindCode, Coded("case_kind", get_args(KindCode))]
CaseAction = Annotated[ActionCode, Coded("case_action", get_args(ActionCode))]
CaseStatus = Annotated[StatusCode, Coded("case_status", get_args(StatusCode))]
Fen = Annotated[int, Field(ge=0, le=2_000_000_000, description="integer fen (1 CNY = 100 fen)")]
Id = Annotated[int, Field(ge=1, le=MAX_ID)]


class CaseCreate(InputModel):
    """A case; with `placement_id` the worker, employer, agency and jurisdiction come from the placement."""

    kind: CaseKind
    summary: str = Field(min_length=1, max_length=4000)
    placement_id: Id | None = None
    from_placement: Id | None = Field(
        None, description="the same as placement_id: the placement whose end (dispute, injury, pay) led to the case"
    )
    worker_id: Id | None = None
    employer_id: Id | None = None
    agency_id: Id | None = None
    jurisdiction_county: str | None = Field(None, pattern=r"^\d{6}$", description="GB/T 2260 code of the workplace")
    amount_claimed_fen: Fen = 0
    workers_affected: int = Field(1, ge=1, le=100_000)
    confidential: bool = False
    external_ref: str | None = Field(None, max_length=64)


class CaseFromFlag(InputModel):
    """The case an escalated flag review opens in the same request; the flagged placement names the parties."""

    kind: CaseKind
    summary: str = Field(min_length=1, max_length=4000)


class EventCreate(InputModel):
    """One transition or note; `resolve` needs outcome and amount_recovered_fen, `reject` a reason."""

    action: CaseAction
    note: str | None = Field(None, max_length=4000)
    amount_recovered_fen: Fen | None = None
    outcome: str | None = Field(None, min_length=1, max_length=4000)
    reason: str | None = Field(None, min_length=1, max_length=4000)
    external_ref: str | None = Field(None, min_length=1, max_length=64)
    assigned_org_id: Id | None = None


class EventRead(ReadModel):
    id: int
    action: str
    from_status: str | None
    to_status: str
    org_id: int | None
    at: datetime
    note: str | None
    amount_recovered_fen: int | None
    outcome: str | None
    reason: str | None
    external_ref: str | None
    assigned_org_id: int | None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def action_label(self) -> str | None:
        return label("case_action", self.action)


class CaseRead(ReadModel):
    id: int
    kind: str
    status: str
    placement_id: int | None
    worker_id: int | None  # None for an employer reading a confidential case
    employer_id: int | None
    agency_id: int | None
    opened_by_org_id: int
    assigned_org_id: int
    jurisdiction_county: str
    home_county: str | None
    summary: str
    amount_claimed_fen: int
    amount_recovered_fen: int | None
    workers_affected: int
    confidential: bool
    external_ref: str | None
    outcome: str | None
    reason: str | None
    due_on: date | None = Field(description="the date of the next running clock (China Standard Time)")
    due_provisional: bool = Field(description="counted on weekends only: that year's holidays are not published")
    overdue: bool
    created_at: datetime

    @computed_field  # type: ignore[prop-decorator]
    @property
    def kind_label(self) -> str | None:
        return label("case_kind", self.kind)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def status_label(self) -> str | None:
        return label("case_status", self.status)


class CaseDetail(CaseRead):
    """A case with its append-only history, oldest first."""

    events: list[EventRead]


class SuggestedCase(ReadModel):
    """The case a placement's end suggests opening (POST /cases with `from_placement`)."""

    kind: str

    @computed_field  # type: ignore[prop-decorator]
    @property
    def kind_label(self) -> str | None:
        return label("case_kind", self.kind)
