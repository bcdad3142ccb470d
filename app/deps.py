"""FastAPI dependencies: the unit of work, the caller, the personal-data vault."""

import contextlib
from collections.abc import AsyncIterator
from typing import Annotated

import anyio
from fastapi import Depends, Header, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from app.config import Settings
from app.db import Database
from app.errors import Unauthenticated
from app.matching.cache import Matcher
from app.orgs.service import Principal, PrincipalCache, authenticate
from app.pii import PiiVault, vault_for
from app.security import AuthThrottle

# Commits and rollbacks get threads of their own: if they queued behind requests that wait for a lock
# the committing request holds, nobody would ever finish (the classic threadpool deadlock).
_FINISH_LIMITER = anyio.CapacityLimiter(64)


async def _session(request: Request) -> AsyncIterator[Session]:
    """One unit of work per request, committed before the response leaves (scope="function")."""
    db: Database = request.app.state.db
    # An audited read (reveal=pii) writes its audit row, so it is a writer too.
    write = request.method not in ("GET", "HEAD", "OPTIONS") or "reveal" in request.query_params
    # SQLite has one writer at a time: writers of this process queue here, without holding a thread.
    gate = request.app.state.sqlite_write_gate if (write and db.is_sqlite) else contextlib.nullcontext()
    async with gate:
        session = db.session(write)
        ok = False
        try:
            yield session
            ok = True
        finally:
            # Shielded: a client that disconnects must not leave the transaction (and a connection) open.
            with anyio.CancelScope(shield=True):
                await anyio.to_thread.run_sync(_finish, session, ok, limiter=_FINISH_LIMITER)


def _finish(session: Session, ok: bool) -> None:
    """Commit (or roll back) and close in one thread hop: hops cost more than the work on a read."""
    try:
        if ok:
            session.commit()
        else:
            session.rollback()
    finally:
        session.close()


SessionDep = Annotated[Session, Depends(_session, scope="function")]


# Declared as the OpenAPI security scheme, so /docs has an Authorize button; auto_error=False keeps our 401 body.
_BEARER = HTTPBearer(auto_error=False, description="an API key: `Authorization: Bearer lb_…`")


async def _principal(
    request: Request,
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_BEARER)],
) -> Principal:
    """The caller, from the cache when it was seen in the last few seconds, else from the database."""
    throttle: AuthThrottle = request.app.state.auth_throttle
    throttle.check(request.scope)  # an address that kept sending wrong keys is refused before any lookup
    raw_key = credentials.credentials.strip() if credentials else ""
    if not raw_key:
        raise Unauthenticated()
    cache: PrincipalCache = request.app.state.principal_cache
    principal = cache.get(raw_key)
    if principal is None:
        principal = await anyio.to_thread.run_sync(authenticate, session, raw_key)
        if principal is None:
            throttle.failed(request.scope)
            raise Unauthenticated()
        cache.put(raw_key, principal)
    return principal


PrincipalDep = Annotated[Principal, Depends(_principal)]


# Async on purpose: they do no I/O, and a sync dependency would cost a thread hop per request.
async def _settings(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


async def _vault(request: Request) -> PiiVault:
    return vault_for(request.app.state.settings.pii_key)


SettingsDep = Annotated[Settings, Depends(_settings)]
VaultDep = Annotated[PiiVault, Depends(_vault)]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        description="required for clients that retry: a retry with the same key gets the first answer, "
        "and nothing is recorded twice",
    ),
]
IfMatch = Annotated[
    str | None,
    Header(alias="If-Match", description="the ETag you read; required (428 without it), 412 if it changed since"),
]


async def _matcher(request: Request) -> Matcher:
    return request.app.state.matcher  # type: ignore[no-any-return]


# The process's models and cached vacancy board (created in the app's lifespan), for any router that ranks.
MatcherDep = Annotated[Matcher, Depends(_matcher)]
