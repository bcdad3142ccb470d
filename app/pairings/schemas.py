"""Pairing input and output: the fields of a pairing plus its life (start, end) and its version."""

from datetime import date, datetime
from typing import Annotated, Any, Literal, get_args

from pydantic import Field, computed_field

from app.labels import Coded, label
from app.schemas import InputModel, IsoDate, ReadModel
from app.workers.schemas import CountyCode

LevelCode = Literal["province", "prefecture", "county"]
LEVELS: tuple[str, ...] = get_args(LevelCode)
Level = Annotated[LevelCode, Coded("pairing_level", LEVELS)]
Target = Annotated[int, Field(ge=0, le=10_000_000, description="placements a year through the pairing")]
Note = Annotated[str, Field(max_length=2000)]


class PairingCreate(InputModel):
    east_code: CountyCode = Field(description="the eastern (receiving) division: province, prefecture or county")
    west_code: CountyCode = Field(description="the western (sending) division, of the same level")
    level: Level
    annual_target: Target
    illustrative: bool = False
    note: Note | None = None
    start_date: IsoDate | None = None
    end_date: IsoDate | None = None
    effective_from: IsoDate | None = Field(None, description="the day version 1 takes effect; default start_date")


class PairingUpdate(InputModel):
    """Only the fields sent change; the change is a new version that takes effect on `effective_from`."""

    east_code: CountyCode | None = None
    west_code: CountyCode | None = None
    level: Level | None = None
    annual_target: Target | None = None
    illustrative: bool | None = None
    note: Note | None = None
    start_date: IsoDate | None = None
    end_date: IsoDate | None = None
    effective_from: IsoDate | None = Field(None, description="the day the new version takes effect; default today")


class PairingVersionRead(ReadModel):
    id: int
    version: int
    effective_from: date
    east_code: str
    west_code: str
    level: str
    annual_target: int
    illustrative: bool
    note: str | None
    start_date: date | None
    end_date: date | None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def level_label(self) -> str | None:
        return label("pairing_level", self.level)


DecisionCode = Literal["accept", "reject"]


class ProposalDecisionCreate(InputModel):
    decision: Annotated[DecisionCode, Coded("proposal_decision", get_args(DecisionCode))]
    effective_from: IsoDate | None = Field(
        None, description="accept: the day the new pairing version takes effect (today or later; default today)"
    )
    reason: Annotated[str, Field(min_length=1, max_length=2000)] | None = Field(
        None, description="reject: why (required); accept: an optional note"
    )


class ProposalDecisionRead(ReadModel):
    id: int
    proposal_id: str
    quarter: str
    kind: str
    decision: str
    reason: str | None
    effective_from: date | None
    pairing_ids: list[int] = Field(description="the pairings the acceptance wrote a new version of, or created")
    org_id: int
    created_at: datetime

    @computed_field  # type: ignore[prop-decorator]
    @property
    def decision_label(self) -> str | None:
        return label("proposal_decision", self.decision)


class ProposalList(ReadModel):
    quarter: str
    model: dict[str, Any] = Field(description="what scored the routes: the active ranker, or the rule baseline")
    expected_lasting_now: float = Field(description="the expected lasting placements today's pairings allow")
    placed_now: int
    items: list[dict[str, Any]] = Field(
        description="each with id, kind, kind_label, pairing_ids, change, evidence, simulated_effect "
        "(expected_lasting_before, expected_lasting_after, placed_before, placed_after) and decision (null or the "
        "decision taken)"
    )
