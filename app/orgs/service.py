"""Tenants and keys: who is calling, and what their organisation may see."""

import hashlib
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from app.authz import OrgKind
from app.db import utcnow
from app.errors import Msg, ValidationFailed, field_error
from app.orgs import repository
from app.orgs.models import ORG_KINDS, ApiKey, Org
from app.reference import service as reference

KNOWN_SCOPES = ("pii:read",)


@dataclass(frozen=True)
class Principal:
    """The caller: one key of one organisation."""

    org_id: int
    kind: OrgKind
    region_code: str
    key_id: int
    scopes: frozenset[str]

    def can(self, scope: str) -> bool:
        return scope in self.scopes


def hash_key(raw: str) -> str:
    # Keys carry 256 random bits, so a fast hash is as safe as a slow one and keeps auth cheap.
    return hashlib.sha256(raw.encode()).hexdigest()


def create_org(
    session: Session, kind: str, region_code: str, name: str, scopes: list[str] | None = None
) -> tuple[Org, str]:
    """Create an organisation with its first key; the raw key is returned once and never stored."""
    errors = []
    if kind not in ORG_KINDS:
        errors.append(("kind", Msg(f"机构类型应为 {', '.join(ORG_KINDS)} 之一", f"kind must be one of {ORG_KINDS}")))
    if reference.get_division(session, region_code) is None:
        errors.append(("region", Msg("行政区划代码不存在", f"division code {region_code} does not exist")))
    if not name.strip():
        errors.append(("name", Msg("名称不能为空", "name must not be empty")))
    if errors:
        raise ValidationFailed([field_error(f, m) for f, m in errors])
    org = repository.add_org(session, Org(kind=kind, region_code=region_code, name=name.strip()))
    return org, issue_key(session, org.id, scopes or [])


def issue_key(session: Session, org_id: int, scopes: list[str]) -> str:
    unknown = sorted(set(scopes) - set(KNOWN_SCOPES))
    if unknown:
        raise ValidationFailed.one("scope", Msg(f"未知权限范围 {unknown}", f"unknown scope(s) {unknown}"))
    prefix = secrets.token_hex(4)
    raw = f"lb_{prefix}_{secrets.token_urlsafe(32)}"
    repository.add_key(
        session, ApiKey(org_id=org_id, prefix=prefix, key_hash=hash_key(raw), scopes=",".join(sorted(set(scopes))))
    )
    return raw


def revoke(
    session: Session, *, api_key: str | None = None, prefix: str | None = None, org_id: int | None = None
) -> int:
    """Revoke by the key itself, its public prefix, or every key of an organisation."""
    return repository.revoke_keys(
        session, key_hash=hash_key(api_key) if api_key else None, prefix=prefix, org_id=org_id, when=utcnow()
    )


def authenticate(session: Session, raw_key: str) -> Principal | None:
    found = repository.active_key_with_org(session, hash_key(raw_key))
    if found is None:
        return None
    key, org = found
    return Principal(
        org_id=org.id,
        kind=OrgKind(org.kind),
        region_code=org.region_code,
        key_id=key.id,
        scopes=frozenset(s for s in key.scopes.split(",") if s),
    )


class PrincipalCache:
    """Recently authenticated keys, so a request needs no key query and no thread hop to know its caller.

    A revoked key keeps working for at most `ttl_seconds` in a server that saw it (0 turns the cache off).
    """

    def __init__(
        self, ttl_seconds: float, max_entries: int = 10_000, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.ttl = ttl_seconds
        self.max_entries = max_entries
        self.clock = clock
        self._entries: dict[str, tuple[float, Principal]] = {}

    def get(self, raw_key: str) -> Principal | None:
        if self.ttl <= 0:
            return None
        entry = self._entries.get(hash_key(raw_key))
        if entry is None or entry[0] < self.clock():
            return None
        return entry[1]

    def put(self, raw_key: str, principal: Principal) -> None:
        if self.ttl <= 0:
            return
        if len(self._entries) >= self.max_entries:
            self._entries.clear()
        self._entries[hash_key(raw_key)] = (self.clock() + self.ttl, principal)
