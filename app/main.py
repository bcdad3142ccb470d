"""create_app(): routers, error handlers and the database, wired once."""

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi_offline import FastAPIOffline
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

from app.allocations.router import router as allocations_router
from app.config import Settings, get_settings
from app.consultation.router import router as consultation_router
from app.contract import framework_error, openapi_document
from app.db import Database
from app.departure.router import router as departure_router
from app.departure.service import model_holder
from app.errors import (
    AppError,
    BadRequest,
    Conflict,
    Msg,
    PreconditionFailed,
    ValidationFailed,
    field_error,
)
from app.evaluations.router import router as evaluations_router
from app.incentives.router import router as incentives_router
from app.logging import install_redaction
from app.matching.cache import Matcher
from app.matching.router import router as matching_router
from app.onestop.router import router as onestop_router
from app.orgs.service import PrincipalCache
from app.pairings.router import router as pairings_router
from app.placements.router import router as placements_router
from app.reference.router import router as reference_router
from app.reports.router import page_router as reports_page_router
from app.reports.router import router as reports_router
from app.rights.router import router as rights_router
from app.schemas import NUL_CHARACTER
from app.security import install_security
from app.training.router import router as training_router
from app.vacancies.router import router as vacancies_router
from app.validation import translate
from app.workers.router import router as workers_router

log = logging.getLogger("laborbridge")


class DoorChecks:
    """Checks that must run before a body is read or a query reaches SQL (pure ASGI: no per-request task)."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            refusal = self._refusal(scope)
            if refusal is not None:
                await JSONResponse(refusal.body(), status_code=refusal.status_code)(scope, receive, send)
                return
        await self.app(scope, receive, send)

    def _refusal(self, scope: Scope) -> AppError | None:
        # PostgreSQL rejects NUL in text: a query filter carrying one is bad input, not a database error.
        query = scope.get("query_string", b"")
        if b"%00" in query or b"\x00" in query:
            return ValidationFailed([field_error("query", NUL_CHARACTER)])
        return None


def tune_garbage_collector() -> None:
    """Move start-up objects out of the collector's sight and collect young objects less often.

    Measured with `make bench`: full collections over the framework's objects were the p99 of
    GET /workers/{id} (105-145 ms at 32 connections; 50-60 ms with this).
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 50, 100)


def _load_models(app: FastAPI) -> None:
    """Load the active ranker and normaliser once at start-up; a database without them still serves."""
    try:
        with app.state.db.session(write=False) as session:
            app.state.matcher.refresh_models(session, force=True)
    except Exception:  # e.g. a database not migrated yet: requests will retry and say what is missing
        log.warning("matcher models not loaded at start-up", exc_info=True)


def create_app(settings: Settings | None = None, db: Database | None = None) -> FastAPI:
    settings = settings or get_settings()
    install_redaction()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.sqlite_write_gate = anyio.Lock()  # bound to the serving event loop
        tune_garbage_collector()
        _load_models(app)
        if settings.request_threads:
            anyio.to_thread.current_default_thread_limiter().total_tokens = settings.request_threads
        yield
        if db is None:
            app.state.db.dispose()

    # The docs' scripts and styles come from the installed fastapi-offline package, never from a CDN:
    # a county office's network may not reach one.
    app = FastAPIOffline(
        title="Laborbridge API",
        version="1.0",
        description="东西部劳务协作 · east-west labour cooperation: workers, vacancies, placements and "
        "follow-ups, measured by who stays. Authenticate with `Authorization: Bearer <key>` "
        "(the Authorize button). Retrying clients send `Idempotency-Key`; updates send `If-Match`.",
        lifespan=lifespan,
        # No spec validator badge: it would send the document to a server on the internet.
        swagger_ui_parameters={"validatorUrl": None, "persistAuthorization": True},
    )
    app.openapi = lambda: openapi_document(app)  # type: ignore[method-assign]
    app.state.settings = settings
    app.state.db = db or Database(settings.database_url, settings.sql_echo)
    app.state.principal_cache = PrincipalCache(settings.auth_cache_seconds)
    app.state.matcher = Matcher(settings, db=app.state.db)
    app.state.departure_model = model_holder()

    api = APIRouter(prefix="/api/v1")
    # The departure router goes first: its /placements/at-risk must win over /placements/{placement_id}.
    routers = (departure_router, workers_router, vacancies_router, placements_router, reference_router, matching_router)
    for router in routers:
        api.include_router(router)
    api.include_router(reports_router)
    api.include_router(allocations_router)
    api.include_router(incentives_router)
    api.include_router(pairings_router)
    api.include_router(consultation_router)  # consultation actions on a pairing
    api.include_router(evaluations_router)  # the quarterly evaluation of pairings
    api.include_router(training_router)  # training: demands, classes, enrolments
    api.include_router(rights_router)  # rights cases
    api.include_router(onestop_router)  # one-stop services: checklists, tasks, templates
    app.include_router(api)
    app.include_router(reports_page_router)  # the weekly report page, for people (outside /api/v1)

    app.add_middleware(DoorChecks, settings=settings)
    install_security(app, settings)  # body limits, security headers, the failed-authentication throttle

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.exception_handler(AppError)
    async def app_error(_: Request, exc: AppError) -> JSONResponse:
        return JSONResponse(exc.body(), status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def request_invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        if any(e["type"] == "json_invalid" for e in errors):  # not JSON at all: nothing to say per field
            return JSONResponse(BadRequest().body(), status_code=400)
        err = ValidationFailed(translate(errors))
        return JSONResponse(err.body(), status_code=422)

    @app.exception_handler(HTTPException)
    async def framework_refusal(request: Request, exc: HTTPException) -> JSONResponse:
        err = framework_error(request, exc)
        return JSONResponse(err.body(), status_code=err.status_code, headers=err.headers)

    @app.exception_handler(StaleDataError)
    async def stale(_: Request, exc: StaleDataError) -> JSONResponse:
        return JSONResponse(PreconditionFailed().body(), status_code=412)

    @app.exception_handler(IntegrityError)
    async def integrity(request: Request, exc: IntegrityError) -> JSONResponse:
        # Services check first; this is the race that slipped between a check and the write.
        log.warning("integrity conflict on %s %s: %s", request.method, request.url.path, exc.orig)
        err = Conflict(Msg("数据与已有记录冲突，请刷新后重试", "this conflicts with a record saved meanwhile; retry"))
        return JSONResponse(err.body(), status_code=409)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        # A bug, not the client's fault: log it (redacted) and answer in the same shape as every error.
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        err = AppError(Msg("系统内部错误，请稍后重试或联系管理员", "internal error; retry later or contact support"))
        return JSONResponse(err.body(), status_code=500)

    return app
