"""Placement and follow-up input and output."""

from datetime import date, datetime
from typing import Annotated, Literal, get_args

from pydantic import Field, computed_field, model_validator

from app.errors import Msg
from app.http import MAX_ID
from app.labels import Coded, label
from app.placements.models import PlacementStatus
from app.rights.schemas import SuggestedCase
from app.schemas import InputModel, IsoDate, ReadModel, bilingual

EndReasonCode = Literal[
    "quit_wage",
    "quit_conditions",
    "quit_family",
    "quit_homesick",
    "dismissed",
    "contract_ended",
    "injury",
    "dispute",
    "other",
]
ContactCode = Literal["phone", "visit", "message"]
OutcomeCode = Literal["ok", "concern", "left", "unreachable"]
END_REASONS: tuple[str, ...] = get_args(EndReasonCode)
CONTACTS: tuple[str, ...] = get_args(ContactCode)
OUTCOMES: tuple[str, ...] = get_args(OutcomeCode)
EndReason = Annotated[EndReasonCode, Coded("end_reason", END_REASONS)]
Contact = Annotated[ContactCode, Coded("contact", CONTACTS)]
Outcome = Annotated[OutcomeCode, Coded("outcome", OUTCOMES)]


class PlacementCreate(InputModel):
    worker_id: int = Field(ge=1, le=MAX_ID)
    vacancy_id: int = Field(ge=1, le=MAX_ID)
    start_date: IsoDate
    referred_by: int | None = Field(None, ge=1, le=MAX_ID, description="org id of the referring agency or broker")
    free_transport: bool = Field(
        default=False, description="free point-to-point transport was used (no transport subsidy)"
    )
    training_enrolment_id: int | None = Field(
        default=None, ge=1, le=MAX_ID, description="the worker's own completed training enrolment that led to this hire"
    )


FOR_CAUSE_ONLY_DISMISSED = Msg(
    "只有“被辞退”的离岗才填写是否有因（for_cause）", "for_cause is only for an end_reason of dismissed"
)


class PlacementUpdate(InputModel):
    """Record the end of a placement: both the date and the reason."""

    end_date: IsoDate
    end_reason: EndReason
    for_cause: bool | None = Field(
        None,
        description="with end_reason dismissed only: true if for the worker's misconduct; false lets the province "
        "claw back the employer's retention subsidy",
    )

    @model_validator(mode="after")
    def _for_cause_only_on_a_dismissal(self) -> "PlacementUpdate":
        if self.for_cause is not None and self.end_reason != "dismissed":
            raise bilingual(FOR_CAUSE_ONLY_DISMISSED)
        return self


class PlacementRead(ReadModel):
    id: int
    worker_id: int
    vacancy_id: int
    start_date: date
    referred_by: int | None
    end_date: date | None
    end_reason: str | None
    for_cause: bool | None = None
    active: bool = Field(description="not ended: an upcoming placement holds its place in the vacancy already")
    status: PlacementStatus = Field(description="upcoming before the start date, active until it ends, then ended")
    recorded_by_org_id: int
    free_transport: bool
    training_enrolment_id: int | None = None
    created_at: datetime
    updated_at: datetime

    @computed_field  # type: ignore[prop-decorator]
    @property
    def end_reason_label(self) -> str | None:
        return label("end_reason", self.end_reason)


class PlacementEnded(PlacementRead):
    """The answer to recording an end: an end over a dispute, an injury or pay offers a rights case."""

    suggested_case: SuggestedCase | None = Field(
        None, description="open it with POST /cases and `from_placement`; null when the end suggests none"
    )


class FollowUpCreate(InputModel):
    date: IsoDate
    contact: Contact
    outcome: Outcome
    notes: str | None = Field(None, max_length=2000)


class FollowUpRead(ReadModel):
    id: int
    placement_id: int
    date: date
    contact: str
    outcome: str
    notes: str | None
    recorded_by_org_id: int
    created_at: datetime

    @computed_field  # type: ignore[prop-decorator]
    @property
    def contact_label(self) -> str | None:
        return label("contact", self.contact)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def outcome_label(self) -> str | None:
        return label("outcome", self.outcome)
