"""Queries on organisations and API keys."""

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.orgs.models import ApiKey, Org


def get_org(session: Session, org_id: int) -> Org | None:
    return session.get(Org, org_id)


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
