"""Organisations (tenants) and their API keys."""

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.authz import ORG_KINDS, OrgKind
from app.db import Base, Timestamped, UtcDateTime

__all__ = ["ORG_KINDS", "ApiKey", "Org", "OrgKind"]


class Org(Base, Timestamped):
    """A tenant of one `OrgKind`: a county office, an employer, an agency, a provincial office …"""

    __tablename__ = "orgs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    name: Mapped[str] = mapped_column(String(200))
    region_code: Mapped[str] = mapped_column(ForeignKey("divisions.code"))


class ApiKey(Base, Timestamped):
    """Only a SHA-256 of the key is kept; the key itself is shown once."""

    __tablename__ = "api_keys"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id"), index=True)
    prefix: Mapped[str] = mapped_column(String(16), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[str] = mapped_column(String(200), default="")
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
