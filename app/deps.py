"""FastAPI dependencies: the unit of work, the caller, the personal-data vault."""

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Header, Request
from sqlalchemy.orm import Session

from app.config import Settings
from app.db import Database
from app.errors import Unauthenticated
from app.orgs.service import Principal, authenticate
from app.pii import PiiVault, vault_for


def _session(request: Request) -> Iterator[Session]:
    """One unit of work per request, committed before the response leaves (scope="function")."""
    db: Database = request.app.state.db
    yield from db.unit_of_work(write=request.method not in ("GET", "HEAD", "OPTIONS"))


SessionDep = Annotated[Session, Depends(_session, scope="function")]


def _principal(session: SessionDep, authorization: Annotated[str | None, Header()] = None) -> Principal:
    if not authorization or not authorization.lower().startswith("bearer "):
        raise Unauthenticated()
    principal = authenticate(session, authorization[7:].strip())
    if principal is None:
        raise Unauthenticated()
    return principal


PrincipalDep = Annotated[Principal, Depends(_principal)]


def _settings(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


def _vault(request: Request) -> PiiVault:
    return vault_for(request.app.state.settings.pii_key)


SettingsDep = Annotated[Settings, Depends(_settings)]
VaultDep = Annotated[PiiVault, Depends(_vault)]
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key")]
IfMatch = Annotated[str | None, Header(alias="If-Match")]
