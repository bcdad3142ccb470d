"""Every version of every pairing, each with the day it takes effect, and the decisions on proposals to change them."""

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, Mapper, mapped_column

from app.db import Base, UtcDateTime, utcnow


class PairingVersion(Base):
    """One version of a pairing: append-only, so a report of a past period can always be rebuilt."""

    __tablename__ = "pairing_versions"
    __table_args__ = (UniqueConstraint("pairing_id", "version"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pairing_id: Mapped[int] = mapped_column(ForeignKey("pairings.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    effective_from: Mapped[dt.date] = mapped_column(Date)
    east_code: Mapped[str] = mapped_column(String(6))
    west_code: Mapped[str] = mapped_column(String(6))
    level: Mapped[str] = mapped_column(String(16))
    annual_target: Mapped[int] = mapped_column(Integer)
    illustrative: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str | None] = mapped_column(Text)
    start_date: Mapped[dt.date | None] = mapped_column(Date)
    end_date: Mapped[dt.date | None] = mapped_column(Date)
    org_id: Mapped[int | None] = mapped_column(ForeignKey("orgs.id"))  # who wrote it; None for the seed's
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)


class ProposalDecision(Base):
    """A provincial office's answer to a computed proposal, with the proposal as it stood: written once, never
    changed (a proposal is decided once; its id is derived from the quarter, the kind and the regions)."""

    __tablename__ = "pairing_proposal_decisions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    proposal_id: Mapped[str] = mapped_column(String(64), unique=True)
    quarter: Mapped[str] = mapped_column(String(7), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    decision: Mapped[str] = mapped_column(String(8))  # accept / reject
    reason: Mapped[str | None] = mapped_column(Text)
    effective_from: Mapped[dt.date | None] = mapped_column(Date)
    proposal: Mapped[dict[str, Any]] = mapped_column(JSON)
    pairing_ids: Mapped[list[int]] = mapped_column(JSON)  # the pairings the acceptance wrote a version of
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)


@event.listens_for(ProposalDecision, "before_update")
@event.listens_for(ProposalDecision, "before_delete")
def _refuse_change(mapper: Mapper[ProposalDecision], connection: object, target: ProposalDecision) -> None:
    raise ValueError(f"proposal decision {target.id} is append-only")
