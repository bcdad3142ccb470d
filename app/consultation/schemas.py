"""Consultation actions in and out; a status a person reads comes with its "中文 / English" label."""

from datetime import date, datetime
from typing import Annotated, Literal, get_args

from pydantic import Field, computed_field

from app.labels import Coded, label
from app.schemas import InputModel, IsoDate, ReadModel

StatusCode = Literal["open", "in_progress", "done", "dropped"]
ActionStatus = Annotated[StatusCode, Coded("consultation_action_status", get_args(StatusCode))]
Issue = Annotated[str, Field(min_length=1, max_length=2000, description="what the consultation agreed to do")]
Text = Annotated[str, Field(min_length=1, max_length=2000)]


class ActionCreate(InputModel):
    issue: Issue
    owner_org_id: int = Field(
        gt=0, description="who answers for it: a county office of the west side, a station of the east side or a "
        "provincial office"
    )  # fmt: skip
    due_date: IsoDate = Field(description="the day it is to be done by (China Standard Time), today or later")
    status: ActionStatus = "open"
    note: Text | None = None


class ActionUpdate(InputModel):
    """Only the fields sent change. The owner reports `status` and `closing_note`; the province may change all."""

    issue: Issue | None = None
    owner_org_id: int | None = Field(None, gt=0)
    due_date: IsoDate | None = None
    status: ActionStatus | None = None
    closing_note: Text | None = Field(None, description="what was done, or why it was dropped: needed to close")
    note: Text | None = Field(None, description="a remark kept in the history")


class ActionEventRead(ReadModel):
    id: int
    at: datetime
    org_id: int
    from_status: str | None
    status: str
    issue: str
    owner_org_id: int
    due_date: date
    closing_note: str | None
    note: str | None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def status_label(self) -> str | None:
        return label("consultation_action_status", self.status)


class ActionRead(ReadModel):
    id: int
    pairing_id: int
    issue: str
    owner_org_id: int
    owner_name: str
    due_date: date
    status: str
    closing_note: str | None
    raised_by_org_id: int
    raised_on: date
    closed_on: date | None
    overdue: bool = Field(description="still open and its due date has passed (China Standard Time)")
    version: int

    @computed_field  # type: ignore[prop-decorator]
    @property
    def status_label(self) -> str | None:
        return label("consultation_action_status", self.status)


class ActionDetail(ActionRead):
    events: list[ActionEventRead] = Field(description="the action's history, oldest first; never edited")
