"""The weekly report over HTTP: JSON/CSV/XLSX under /api/v1, and a page for people at /reports/weekly."""

from typing import Annotated, Literal

import anyio
from fastapi import APIRouter, Cookie, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import escape

from app import authz
from app import errors as e
from app.authz import Action, Resource
from app.clock import today
from app.deps import PrincipalDep, SessionDep
from app.orgs import service as orgs
from app.reports import monthly, service
from app.reports.monthly_render import render as render_pack
from app.reports.render import MEDIA_TYPES, render, to_html
from app.reports.schemas import IsoWeek, Month
from app.security import AuthThrottle

router = APIRouter(prefix="/reports", tags=["reports"])
page_router = APIRouter(prefix="/reports", include_in_schema=False)
WeekQuery = Annotated[str | None, Query(max_length=20, description="ISO week such as 2026-W47; default: last week")]
COOKIE = "lb_report_session"


@router.get(
    "/weekly",
    responses=e.responses(e.Unauthenticated, e.Forbidden, e.ValidationFailed)
    | {200: {"content": {MEDIA_TYPES["csv"]: {}, MEDIA_TYPES["xlsx"]: {}}}},
)
def weekly_report(
    session: SessionDep,
    principal: PrincipalDep,
    week: WeekQuery = None,
    format: Literal["json", "csv", "xlsx"] = "json",
) -> Response:
    """What lasted in a finished ISO week (China Standard Time), scoped by the caller's key."""
    scope = service.scope_for(principal)
    iso = IsoWeek.resolve(week, today())
    report = service.build_report(session, scope, iso)
    headers = {}
    if format != "json":
        headers["Content-Disposition"] = f'attachment; filename="weekly-{iso}-{scope.slug}.{format}"'
    return Response(render(report, format), media_type=MEDIA_TYPES[format], headers=headers)


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
<p><button type="submit" id="sign-in">登录 Sign in</button></p>
</form><p><small>登录状态只保存在本浏览器的会话 Cookie 中，关闭浏览器或退出即失效。You stay signed in through this
browser's session cookie until you sign out or close the browser.</small></p></body></html>"""


def _sign_in_page(
    status: int, message: e.Msg | None = None, week: str = "", headers: dict[str, str] | None = None
) -> HTMLResponse:
    error = f'<p class="error" id="error">{escape(message.text())}</p>' if message else ""
    page = HTMLResponse(SIGN_IN.format(error=error, week=escape(week)), status_code=status, headers=headers)
    if status == 401:
        page.delete_cookie(COOKIE, path="/reports")
    return page


def _throttled(request: Request) -> HTMLResponse | None:
    """The sign-in page with a 429 when this address has sent too many wrong keys or sessions."""
    throttle: AuthThrottle = request.app.state.auth_throttle
    try:
        throttle.check(request.scope)
    except e.TooManyRequests as exc:
        return _sign_in_page(429, exc.msg, headers=exc.headers)
    return None


@page_router.get("/weekly", response_class=HTMLResponse)
async def weekly_page(
    request: Request,
    session: SessionDep,
    week: WeekQuery = None,
    token: Annotated[str | None, Cookie(alias=COOKIE)] = None,
) -> HTMLResponse:
    """The report for people: figures, curves, departures by week, the at-risk list."""
    if not token:
        return _sign_in_page(200, week=week or "")
    refused = _throttled(request)
    if refused is not None:
        return refused
    principal = await anyio.to_thread.run_sync(orgs.report_session_principal, session, token)
    if principal is None:
        request.app.state.auth_throttle.failed(request.scope)
        return _sign_in_page(
            401,
            e.Msg("登录已过期或密钥已停用，请重新登录", "the sign-in expired or the key was revoked; sign in again"),
        )
    try:
        scope = service.scope_for(principal)
        iso = IsoWeek.resolve(week, today())
    except e.AppError as exc:
        detail = exc.detail[0]["message"] if exc.detail else exc.msg.text()
        body = f'<!doctype html><meta charset="utf-8"><p id="error">{escape(detail)}</p>'
        body += '<p><a href="/reports/weekly">返回 back</a></p>'
        return HTMLResponse(body, status_code=exc.status_code)
    report = await anyio.to_thread.run_sync(service.build_report, session, scope, iso)
    nxt = iso.shift(1)
    page = {"previous": str(iso.shift(-1)), "next": str(nxt) if nxt.sunday < today() else None}
    return HTMLResponse(to_html(report, page), headers={"Cache-Control": "no-store"})


@page_router.post("/weekly/sign-in")
async def sign_in(
    request: Request,
    session: SessionDep,
    api_key: Annotated[str, Form(max_length=200)],
    week: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    """Check the key once and open a server-side session; the HttpOnly, same-site cookie carries its id only."""
    refused = _throttled(request)
    if refused is not None:
        return refused
    principal = await anyio.to_thread.run_sync(orgs.authenticate, session, api_key.strip())
    if principal is None:
        request.app.state.auth_throttle.failed(request.scope)
        return _sign_in_page(401, e.Msg("密钥无效，请检查后重试", "that key is not valid; check it and retry"), week)
    if not authz.allows(principal, Resource.report, Action.read):
        return _sign_in_page(403, authz.refusal(principal, Resource.report, Action.read))
    settings = request.app.state.settings
    token = await anyio.to_thread.run_sync(orgs.start_report_session, session, principal, settings.report_session_hours)
    target = "/reports/weekly" + (f"?week={week}" if week and _valid(week) else "")
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


def _valid(week: str) -> bool:
    try:
        IsoWeek.parse(week)
    except e.ValidationFailed:
        return False
    return True


@page_router.post("/weekly/sign-out")
async def sign_out(session: SessionDep, token: Annotated[str | None, Cookie(alias=COOKIE)] = None) -> Response:
    """End the session on the server too, so a copied cookie stops working."""
    if token:
        await anyio.to_thread.run_sync(orgs.end_report_session, session, token)
    response = RedirectResponse("/reports/weekly", status_code=303)
    response.delete_cookie(COOKIE, path="/reports")
    return response
