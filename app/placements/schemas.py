"""Placement and follow-up input and output."""

from datetime import date, datetime
from typing import Literal, get_args

from pydantic import Field

from app.http import MAX_ID
from app.placements.models import PlacementStatus
from app.schemas import InputModel, IsoDate, ReadModel

EndReason = Literal[
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
Contact = Literal["phone", "visit", "message"]
Outcome = Literal["ok", "concern", "left", "unreachable"]
END_REASONS: tuple[str, ...] = get_args(EndReason)
CONTACTS: tuple[str, ...] = get_args(Contact)
OUTCOMES: tuple[str, ...] = get_args(Outcome)


class PlacementCreate(InputModel):
    worker_id: int = Field(ge=1, le=MAX_ID)
    vacancy_id: int = Field(ge=1, le=MAX_ID)
    start_date: IsoDate
    referred_by: int | None = Field(None, ge=1, le=MAX_ID, description="org id of the referring agency or broker")


class PlacementUpdate(InputModel):
    """Record the end of a placement: both the date and the reason."""

    end_date: IsoDate
    end_reason: EndReason


class PlacementRead(ReadModel):
    id: int
    worker_id: int
    vacancy_id: int
    start_date: date
    referred_by: int | None
    end_date: date | None
    end_reason: str | None
    active: bool = Field(description="not ended: an upcoming placement holds its place in the vacancy already")
    status: PlacementStatus = Field(description="upcoming before the start date, active until it ends, then ended")
    recorded_by_org_id: int
    created_at: datetime
    updated_at: datetime


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
