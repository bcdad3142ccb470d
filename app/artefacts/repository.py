"""Queries on stored model artefacts."""

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.artefacts.models import ModelArtefact


def active(session: Session, kind: str) -> ModelArtefact | None:
    return session.scalars(select(ModelArtefact).where(ModelArtefact.kind == kind, ModelArtefact.active)).first()


def active_version(session: Session, kind: str) -> str | None:
    """The active version only: how a process notices a new model without reading its payload."""
    stmt = select(ModelArtefact.version).where(ModelArtefact.kind == kind, ModelArtefact.active)
    return session.scalars(stmt).first()


def history(session: Session, kind: str) -> list[ModelArtefact]:
    """Newest first, without loading the payloads' bytes into anything but the rows."""
    stmt = select(ModelArtefact).where(ModelArtefact.kind == kind).order_by(ModelArtefact.id.desc())
    return list(session.scalars(stmt))


def deactivate(session: Session, kind: str) -> None:
    session.execute(update(ModelArtefact).where(ModelArtefact.kind == kind, ModelArtefact.active).values(active=False))


def add(session: Session, artefact: ModelArtefact) -> ModelArtefact:
    session.add(artefact)
    session.flush()
    return artefact
