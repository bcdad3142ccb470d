"""The reports over HTTP: JSON/CSV/XLSX under /api/v1, and pages for people at /reports/weekly, /reports/monthly and
/reports/quarterly, behind one sign-in."""

import contextlib
from collections.abc import Callable
from typing import Annotated, Any, Literal

import anyio
from fastapi import APIRouter, BackgroundTasks, Cookie, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import escape

from app import authz
from app import errors as e
from app.authz import Action, Resource
from app.clock import today
from app.db import Database
from app.deps import PrincipalDep, SessionDep
from app.evaluations import service as evaluations
from app.evaluations.render import to_html as quarterly_html
from app.orgs import service as orgs
from app.orgs.service import Principal
from app.reports import monthly, service
from app.reports import scope as report_scope
from app.reports.cache import Built
from app.reports.monthly_render import render as render_pack
from app.reports.monthly_render import to_html as monthly_html
from app.reports.page import to_html
from app.reports.render import MEDIA_TYPES, render
from app.reports.schemas import IsoWeek, Month, Quarter
from app.reports.weekly_schema import WeeklyReport
from app.security import AuthThrottle

router = APIRouter(prefix="/reports", tags=["reports"])
page_router = APIRouter(prefix="/reports", include_in_schema=False)
WeekQuery = Annotated[str | None, Query(max_length=20, description="ISO week such as 2026-W47; default: last week")]
QuarterQuery = Annotated[str | None, Query(max_length=20, description="a quarter such as 2026-Q3; default: the last")]
COOKIE = "lb_report_session"


@router.get(
    "/weekly",
    response_model=WeeklyReport,
    responses=e.responses(e.Unauthenticated, e.Forbidden, e.ValidationFailed)
    | {200: {"content": {MEDIA_TYPES["csv"]: {}, MEDIA_TYPES["xlsx"]: {}}}},
)
def weekly_report(
    request: Request,
    tasks: BackgroundTasks,
    session: SessionDep,
    principal: PrincipalDep,
    week: WeekQuery = None,
    format: Literal["json", "csv", "xlsx"] = "json",
) -> Response:
    """What lasted in a finished ISO week (China Standard Time), scoped by the caller's key."""
    scope = report_scope.scope_for(principal)
    iso = IsoWeek.resolve(week, today())
    report, built = service.report_for(session, scope, iso)
    if built is not None:
        tasks.add_task(_remember, request, built)
    headers = {}
    if format != "json":
        headers["Content-Disposition"] = f'attachment; filename="weekly-{iso}-{scope.slug}.{format}"'
    return Response(render(report, format), media_type=MEDIA_TYPES[format], headers=headers)


async def _remember(request: Request, built: Built) -> None:
    """After the response: keep the build, as a writer (SQLite's writers queue at the process's gate)."""
    db: Database = request.app.state.db
    gate = request.app.state.sqlite_write_gate if db.is_sqlite else contextlib.nullcontext()
    async with gate:
        await anyio.to_thread.run_sync(service.remember, db.session, built)


MonthQuery = Annotated[str | None, Query(max_length=20, description="a month such as 2026-11; default: last month")]


@router.get(
    "/monthly",
    responses=e.responses(e.Unauthenticated, e.Forbidden, e.NotFound, e.ValidationFailed)
    | {200: {"content": {MEDIA_TYPES["csv"]: {}, MEDIA_TYPES["xlsx"]: {}}}},
)
def monthly_pack(
    session: SessionDep,
    principal: PrincipalDep,
    month: MonthQuery = None,
    pairing_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    format: Literal["json", "csv", "xlsx"] = "json",
) -> Response:
    """The monthly consultation pack of the pairings the caller reaches, for a finished month (China time)."""
    region = monthly.reach_region(principal)
    period = Month.resolve(month, today())
    pack = monthly.build_pack(session, period, region, pairing_id)
    headers = {}
    if format != "json":
        name = f"monthly-{period}-{monthly.slug(region, pairing_id)}.{format}"
        headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return Response(render_pack(pack, format), media_type=MEDIA_TYPES[format], headers=headers)


# --- the page: the key is posted once; the cookie carries a server-side session id, never the key -------------

SIGN_IN = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>登录 Sign in · 就业留存周报</title>
<style>body{{font-family:sans-serif;max-width:480px;margin:60px auto}}input{{width:100%;padding:6px}}
.error{{color:#b00020}}</style></head><body>
<h1>就业留存周报 <small>Weekly retention report</small></h1>
{error}
<form method="post" action="/reports/weekly/sign-in" autocomplete="off">
<label for="api_key">API 密钥 <small>API key</small></label>
<input type="password" id="api_key" name="api_key" required maxlength="200">
<input type="hidden" name="week" value="{week}">
<input type="hidden" name="page" value="{page}">
<p><button type="submit" id="sign-in">登录 Sign in</button></p>
</form><p><small>登录状态只保存在本浏览器的会话 Cookie 中，关闭浏览器或退出即失效。You stay signed in through this
browser's session cookie until you sign out or close the browser.</small></p></body></html>"""


def _sign_in_page(
    status: int,
    message: e.Msg | None = None,
    week: str = "",
    headers: dict[str, str] | None = None,
    page_name: str = "weekly",
) -> HTMLResponse:
    """The sign-in form; `week` carries the period asked for (a week, month or quarter) and `page_name` its page."""
    error = f'<p class="error" id="error">{escape(message.text())}</p>' if message else ""
    form = SIGN_IN.format(error=error, week=escape(week), page=escape(page_name))
    page = HTMLResponse(form, status_code=status, headers=headers)
    if status == 401:
        page.delete_cookie(COOKIE, path="/reports")
    return page


def _throttled(request: Request, page_name: str = "weekly", period: str = "") -> HTMLResponse | None:
    """The sign-in page with a 429 when this address has sent too many wrong keys or sessions."""
    throttle: AuthThrottle = request.app.state.auth_throttle
    try:
        throttle.check(request.scope)
    except e.TooManyRequests as exc:
        return _sign_in_page(429, exc.msg, period, headers=exc.headers, page_name=page_name)
    return None


Token = Annotated[str | None, Cookie(alias=COOKIE)]
# page -> (its period's query field, the parser that checks it)
PAGES: dict[str, tuple[str, Callable[[str], object]]] = {
    "weekly": ("week", IsoWeek.parse),
    "monthly": ("month", Month.parse),
    "quarterly": ("quarter", Quarter.parse),
}


async def _signed_in(
    request: Request, session: SessionDep, token: str | None, page_name: str, period: str | None
) -> Principal | HTMLResponse:
    """The principal of the page's session, or the page to show instead (sign in, expired, throttled)."""
    if not token:
        return _sign_in_page(200, week=period or "", page_name=page_name)
    refused = _throttled(request, page_name, period or "")
    if refused is not None:
        return refused
    principal = await anyio.to_thread.run_sync(orgs.report_session_principal, session, token)
    if principal is None:
        request.app.state.auth_throttle.failed(request.scope)
        return _sign_in_page(
            401,
            e.Msg("登录已过期或密钥已停用，请重新登录", "the sign-in expired or the key was revoked; sign in again"),
            page_name=page_name,
        )
    return principal


def _error_page(exc: e.AppError, page_name: str) -> HTMLResponse:
    detail = exc.detail[0]["message"] if exc.detail else exc.msg.text()
    body = f'<!doctype html><meta charset="utf-8"><p id="error">{escape(detail)}</p>'
    body += f'<p><a href="/reports/{page_name}">返回 back</a></p>'
    return HTMLResponse(body, status_code=exc.status_code)


NO_STORE = {"Cache-Control": "no-store"}


@page_router.get("/weekly", response_class=HTMLResponse)
async def weekly_page(
    request: Request, session: SessionDep, week: WeekQuery = None, token: Token = None
) -> HTMLResponse:
    """The report for people: figures, curves, departures by week, the at-risk list."""
    principal = await _signed_in(request, session, token, "weekly", week)
    if isinstance(principal, HTMLResponse):
        return principal
    try:
        scope = report_scope.scope_for(principal)
        iso = IsoWeek.resolve(week, today())
    except e.AppError as exc:
        return _error_page(exc, "weekly")
    report, built = await anyio.to_thread.run_sync(service.report_for, session, scope, iso)
    nxt = iso.shift(1)
    page = {"previous": str(iso.shift(-1)), "next": str(nxt) if nxt.sunday < today() else None}
    tasks = BackgroundTasks()
    if built is not None:
        tasks.add_task(_remember, request, built)
    return HTMLResponse(to_html(report, page), headers=NO_STORE, background=tasks)


def _nav(
    page_name: str, label: str, pattern: str, current: object, previous: object, nxt: object | None
) -> dict[str, Any]:
    field = PAGES[page_name][0]
    return {"page": page_name, "field": field, "label": label, "pattern": pattern, "current": str(current),
            "previous": str(previous), "next": None if nxt is None else str(nxt)}  # fmt: skip


@page_router.get("/monthly", response_class=HTMLResponse)
async def monthly_page(
    request: Request, session: SessionDep, month: MonthQuery = None, token: Token = None
) -> HTMLResponse:
    """The monthly consultation pack for people: each pairing's figures, the gaps and the meeting's actions."""
    principal = await _signed_in(request, session, token, "monthly", month)
    if isinstance(principal, HTMLResponse):
        return principal
    try:
        region = monthly.reach_region(principal)
        period = Month.resolve(month, today())
    except e.AppError as exc:
        return _error_page(exc, "monthly")
    pack = await anyio.to_thread.run_sync(monthly.build_pack, session, period, region)
    latest = Month.of(today()).shift(-1)
    nav = _nav("monthly", "月份 month", r"\d{4}-\d{2}", period, period.shift(-1),
               period.shift(1) if period < latest else None)  # fmt: skip
    return HTMLResponse(monthly_html(pack, nav), headers=NO_STORE)


@page_router.get("/quarterly", response_class=HTMLResponse)
async def quarterly_page(
    request: Request, session: SessionDep, quarter: QuarterQuery = None, token: Token = None
) -> HTMLResponse:
    """The quarter's evaluations for people: score, grade, indicators and alerts of each pairing (read only)."""
    principal = await _signed_in(request, session, token, "quarterly", quarter)
    if isinstance(principal, HTMLResponse):
        return principal
    try:
        region = evaluations.reach_region(principal)
        period = Quarter.resolve(quarter, today())
    except e.AppError as exc:
        return _error_page(exc, "quarterly")
    rows = await anyio.to_thread.run_sync(evaluations.list_evaluations, session, principal, period)
    data = await anyio.to_thread.run_sync(evaluations.export, session, period, rows, region)
    latest = Quarter.of(today()).shift(-1)
    nav = _nav("quarterly", "季度 quarter", r"\d{4}-Q[1-4]", period, period.shift(-1),
               period.shift(1) if period < latest else None)  # fmt: skip
    return HTMLResponse(quarterly_html(data, nav), headers=NO_STORE)


@page_router.post("/weekly/sign-in")
async def sign_in(
    request: Request,
    session: SessionDep,
    api_key: Annotated[str, Form(max_length=200)],
    week: Annotated[str, Form(max_length=20)] = "",
    page: Annotated[str, Form(max_length=20)] = "weekly",
) -> Response:
    """Check the key once and open a server-side session; the HttpOnly, same-site cookie carries its id only."""
    refused = _throttled(request, page, week)
    if refused is not None:
        return refused
    principal = await anyio.to_thread.run_sync(orgs.authenticate, session, api_key.strip())
    if principal is None:
        request.app.state.auth_throttle.failed(request.scope)
        return _sign_in_page(
            401, e.Msg("密钥无效，请检查后重试", "that key is not valid; check it and retry"), week, page_name=page
        )
    if not authz.allows(principal, Resource.report, Action.read):
        return _sign_in_page(403, authz.refusal(principal, Resource.report, Action.read), week, page_name=page)
    settings = request.app.state.settings
    token = await anyio.to_thread.run_sync(orgs.start_report_session, session, principal, settings.report_session_hours)
    target = _target(page, week)
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        COOKIE,
        token,
        httponly=True,
        samesite="strict",
        path="/reports",
        # Secure everywhere but development: behind a TLS-terminating proxy the app itself only sees http.
        secure=settings.environment != "development" or request.url.scheme == "https",
    )
    return response


def _target(page: str, period: str) -> str:
    """Where a sign-in lands: one of the report pages, with its period only when it parses (nothing else passes)."""
    name = page if page in PAGES else "weekly"
    field, parse = PAGES[name]
    try:
        parse(period)
    except e.ValidationFailed:
        return f"/reports/{name}"
    return f"/reports/{name}?{field}={period.strip()}"


@page_router.post("/weekly/sign-out")
async def sign_out(session: SessionDep, token: Annotated[str | None, Cookie(alias=COOKIE)] = None) -> Response:
    """End the session on the server too, so a copied cookie stops working."""
    if token:
        await anyio.to_thread.run_sync(orgs.end_report_session, session, token)
    response = RedirectResponse("/reports/weekly", status_code=303)
    response.delete_cookie(COOKIE, path="/reports")
    return response
