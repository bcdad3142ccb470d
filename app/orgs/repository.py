"""Queries on organisations and API keys."""

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from app.orgs.models import ApiKey, Org, ReportSession


def get_org(session: Session, org_id: int) -> Org | None:
    return session.get(Org, org_id)


def names_of(session: Session, org_ids: Iterable[int]) -> dict[int, str]:
    """Organisation names by id, one query for a page of rows."""
    wanted = set(org_ids)
    if not wanted:
        return {}
    return {org_id: name for org_id, name in session.execute(select(Org.id, Org.name).where(Org.id.in_(wanted)))}


def add_org(session: Session, org: Org) -> Org:
    session.add(org)
    session.flush()
    return org


def add_key(session: Session, key: ApiKey) -> ApiKey:
    session.add(key)
    session.flush()
    return key


def active_key_with_org(session: Session, key_hash: str) -> tuple[ApiKey, Org] | None:
    row = session.execute(
        select(ApiKey, Org)
        .join(Org, Org.id == ApiKey.org_id)
        .where(ApiKey.key_hash == key_hash, ApiKey.revoked_at.is_(None))
    ).first()
    return (row[0], row[1]) if row else None


def revoke_keys(
    session: Session,
    *,
    key_hash: str | None = None,
    prefix: str | None = None,
    org_id: int | None = None,
    when: datetime,
) -> int:
    stmt = update(ApiKey).where(ApiKey.revoked_at.is_(None))
    if key_hash is not None:
        stmt = stmt.where(ApiKey.key_hash == key_hash)
    if prefix is not None:
        stmt = stmt.where(ApiKey.prefix == prefix)
    if org_id is not None:
        stmt = stmt.where(ApiKey.org_id == org_id)
    return session.execute(stmt.values(revoked_at=when)).rowcount  # type: ignore[attr-defined]


def add_report_session(session: Session, row: ReportSession) -> None:
    session.add(row)
    session.flush()


def report_session_key_with_org(session: Session, id_hash: str, now: datetime) -> tuple[ApiKey, Org] | None:
    """The key behind an unexpired report session, if the key is still active."""
    row = session.execute(
        select(ApiKey, Org)
        .join(ReportSession, ReportSession.key_id == ApiKey.id)
        .join(Org, Org.id == ApiKey.org_id)
        .where(ReportSession.id_hash == id_hash, ReportSession.expires_at > now, ApiKey.revoked_at.is_(None))
    ).first()
    return (row[0], row[1]) if row else None


def delete_report_sessions(session: Session, *, id_hash: str | None = None, expired_by: datetime | None = None) -> None:
    stmt = delete(ReportSession)
    if id_hash is not None:
        stmt = stmt.where(ReportSession.id_hash == id_hash)
    if expired_by is not None:
        stmt = stmt.where(ReportSession.expires_at <= expired_by)
    session.execute(stmt)
