"""Every query on consultation actions and their history."""

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.consultation.models import OPEN_STATUSES, ConsultationAction, ConsultationActionEvent


def action(session: Session, pairing_id: int, action_id: int, *, for_update: bool = False) -> ConsultationAction | None:
    stmt = select(ConsultationAction).where(
        ConsultationAction.id == action_id, ConsultationAction.pairing_id == pairing_id
    )
    if for_update:
        stmt = stmt.with_for_update()
    return session.scalars(stmt).one_or_none()


def page(
    session: Session,
    pairing_id: int,
    after_id: int,
    limit: int,
    *,
    today: date,
    status: str | None = None,
    overdue: bool | None = None,
) -> list[ConsultationAction]:
    stmt = select(ConsultationAction).where(
        ConsultationAction.pairing_id == pairing_id, ConsultationAction.id > after_id
    )
    if status is not None:
        stmt = stmt.where(ConsultationAction.status == status)
    if overdue is not None:
        late = ConsultationAction.status.in_(OPEN_STATUSES) & (ConsultationAction.due_date < today)
        stmt = stmt.where(late if overdue else ~late)
    return list(session.scalars(stmt.order_by(ConsultationAction.id).limit(limit)))


def events_of(session: Session, action_id: int) -> list[ConsultationActionEvent]:
    stmt = select(ConsultationActionEvent).where(ConsultationActionEvent.action_id == action_id)
    return list(session.scalars(stmt.order_by(ConsultationActionEvent.id)))


def report_events(session: Session, until: datetime) -> list[tuple[int, ConsultationActionEvent]]:
    """Every event written before `until` with its action's pairing, in order: what a month's pack replays."""
    stmt = (
        select(ConsultationAction.pairing_id, ConsultationActionEvent)
        .join(ConsultationAction, ConsultationAction.id == ConsultationActionEvent.action_id)
        .where(ConsultationActionEvent.at < until)
        .order_by(ConsultationActionEvent.action_id, ConsultationActionEvent.id)
    )
    return [(pairing_id, event) for pairing_id, event in session.execute(stmt)]


def add(session: Session, row: ConsultationAction | ConsultationActionEvent) -> None:
    session.add(row)
    session.flush()
