"""Every query on pairings and their versions."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.pairings.models import PairingVersion, ProposalDecision
from app.reference.models import Pairing


def all_versions(session: Session) -> list[PairingVersion]:
    return list(session.scalars(select(PairingVersion).order_by(PairingVersion.pairing_id, PairingVersion.version)))


def unversioned(session: Session) -> list[Pairing]:
    """Pairing rows written straight to the table (no version row): each stands as its own only version."""
    has_version = select(PairingVersion.id).where(PairingVersion.pairing_id == Pairing.id).exists()
    return list(session.scalars(select(Pairing).where(~has_version).order_by(Pairing.id)))


def versions_of(session: Session, pairing_id: int) -> list[PairingVersion]:
    stmt = select(PairingVersion).where(PairingVersion.pairing_id == pairing_id).order_by(PairingVersion.version)
    return list(session.scalars(stmt))


def pairing_for_update(session: Session, pairing_id: int) -> Pairing | None:
    """The pairing row, locked: two changes at once must not both become version n+1."""
    return session.scalars(select(Pairing).where(Pairing.id == pairing_id).with_for_update()).one_or_none()


def same_regions(session: Session, east_code: str, west_code: str) -> list[Pairing]:
    stmt = select(Pairing).where(Pairing.east_code == east_code, Pairing.west_code == west_code)
    return list(session.scalars(stmt))


def decisions_of(session: Session, quarter: str) -> dict[str, ProposalDecision]:
    stmt = select(ProposalDecision).where(ProposalDecision.quarter == quarter)
    return {d.proposal_id: d for d in session.scalars(stmt)}


def decision(session: Session, proposal_id: str) -> ProposalDecision | None:
    return session.scalars(select(ProposalDecision).where(ProposalDecision.proposal_id == proposal_id)).one_or_none()


def add(session: Session, row: Pairing | PairingVersion | ProposalDecision) -> None:
    session.add(row)
    session.flush()
