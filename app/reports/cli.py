"""`laborbridge report weekly | run-weekly`: one report to a file, or every scope's files for last week."""

import argparse
import json
import sys
import time
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from app.clock import CST, today
from app.config import get_settings
from app.reports.schemas import FORMATS, IsoWeek

if TYPE_CHECKING:
    from app.db import Database

RUN_HOUR = 6  # Monday 06:00 China Standard Time


def add_parser(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    report = sub.add_parser("report", help="weekly retention reports (ISO weeks, China Standard Time)")
    report_sub = report.add_subparsers(dest="action", required=True)
    weekly = report_sub.add_parser("weekly", help="one report: the province, a county, an employer or a pairing")
    weekly.add_argument("--week", help="ISO week such as 2026-W47 (default: last week)")
    scope = weekly.add_mutually_exclusive_group()
    scope.add_argument("--county", help="division code of the sending county (or prefecture)")
    scope.add_argument("--employer", type=int, help="org id of the employer")
    scope.add_argument("--pairing", type=int, help="pairing id")
    weekly.add_argument("--format", choices=FORMATS, default="json")
    weekly.add_argument("--output", help="file to write (default: standard output)")
    monthly = report_sub.add_parser("monthly", help="the monthly consultation pack: every pairing, a county's, or one")
    monthly.add_argument("--month", help="a month such as 2026-11 (default: last month)")
    which = monthly.add_mutually_exclusive_group()
    which.add_argument("--county", help="division code of a sending county: the pairings it sends through")
    which.add_argument("--pairing", type=int, help="pairing id")
    monthly.add_argument("--format", choices=("json", "csv", "xlsx"), default="json")
    monthly.add_argument("--output", help="file to write (default: standard output)")
    quarterly = report_sub.add_parser(
        "quarterly", help="draft (or recompute the drafts of) a finished quarter's evaluations, and write them"
    )
    quarterly.add_argument("--quarter", help="a quarter such as 2026-Q3 (default: last quarter)")
    quarterly.add_argument("--format", choices=("json", "xlsx"), default="json")
    quarterly.add_argument("--output", help="file to write (default: standard output)")
    run = report_sub.add_parser("run-weekly", help="last week's files for every scope (idempotent)")
    run.add_argument("--week", help="ISO week (default: last week)")
    run.add_argument("--output-dir", help="default: LB_DATA_DIR/reports")
    run.add_argument("--format", action="append", choices=FORMATS, help="repeatable (default: all four)")
    run.add_argument("--schedule", action="store_true", help="run now, then every Monday 06:00 CST, forever")
    report.set_defaults(func=cmd_report)


def next_run(now: datetime) -> datetime:
    """The next Monday 06:00 CST strictly after `now`."""
    local = now.astimezone(CST)
    candidate = (local - timedelta(days=local.weekday())).replace(hour=RUN_HOUR, minute=0, second=0, microsecond=0)
    return candidate if candidate > local else candidate + timedelta(days=7)


def _score_departure_risk(db: "Database", week: IsoWeek) -> None:
    """The departure batch, then last week's at-risk inputs frozen so its files stay reproducible."""
    from app.departure.service import model_holder, score_active_placements
    from app.errors import NotEnoughHistory
    from app.reports.facts import snapshot_week

    try:
        with db.session() as session, session.begin():
            summary = score_active_placements(session, model_holder())
    except NotEnoughHistory as exc:  # the reports are still written, with the at-risk section's note
        print(json.dumps({"departure_score": {"skipped": True, "reason": str(exc)}}), flush=True)
        return
    print(json.dumps({"departure_score": summary}, ensure_ascii=False, default=str), flush=True)
    with db.session() as session, session.begin():
        print(json.dumps({"risk_snapshot": snapshot_week(session, week)}), flush=True)


def _run_weekly(args: argparse.Namespace) -> int:
    from app.db import Database
    from app.reports.schedule import exclusive_run

    settings = get_settings()
    output = Path(args.output_dir) if args.output_dir else settings.data_dir / "reports"
    week = IsoWeek.resolve(args.week or None, today())
    db = Database(settings.database_url)
    try:
        with exclusive_run(db.engine, settings.data_dir / "run-weekly.lock"):
            return _run_weekly_locked(args, db, output, week)
    finally:
        db.dispose()


def _run_weekly_locked(args: argparse.Namespace, db: "Database", output: Path, week: IsoWeek) -> int:
    from app.reports.schedule import run_weekly

    started = time.perf_counter()
    # Last week's run scores departure risk first and freezes the week's scores (once: a rerun keeps them);
    # re-running an older week reads its snapshot, or the live scores if it has none.
    before = partial(_score_departure_risk, db, week) if week == IsoWeek.last_complete(today()) else None
    files = run_weekly(lambda: db.session(False), week, output, args.format or FORMATS, before, db.session)
    # The daily escalation of overdue rights cases runs with the weekly job too (idempotent: once per case).
    from app.rights.cli import run_escalation

    print(json.dumps({"cases_escalate": run_escalation()}, ensure_ascii=False), flush=True)
    from app.reports.monthly import is_first_monday, run_monthly
    from app.reports.schemas import Month

    if is_first_monday(today()):  # the monthly consultation's packs, for the month that just ended
        month = Month.of(today()).shift(-1)
        formats = [f for f in args.format or FORMATS if f != "html"]
        packs = run_monthly(lambda: db.session(False), month, output, formats)
        print(json.dumps({"monthly": str(month), "files": len(packs)}), flush=True)
    from app.evaluations.service import is_first_monday_of_quarter, run_quarterly
    from app.reports.schemas import Quarter

    if is_first_monday_of_quarter(today()):  # the quarterly evaluation's drafts, for the quarter just ended
        quarter = Quarter.of(today()).shift(-1)
        run, written = run_quarterly(db.session, quarter, output, ("json", "xlsx"))
        counts = {"created": run.created, "refreshed": run.refreshed, "kept": run.kept, "files": len(written)}
        print(json.dumps({"quarterly": str(quarter)} | counts), flush=True)
    summary = {"week": str(week), "files": len(files), "folder": str(output / str(week))}
    print(json.dumps(summary | {"seconds": round(time.perf_counter() - started, 1)}), flush=True)
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from app.errors import AppError

    try:
        if args.action == "run-weekly":
            _run_weekly(args)
            while args.schedule:
                when = next_run(datetime.now(CST))
                print(f"next weekly run: {when.isoformat()}", flush=True)
                time.sleep(max(0.0, (when - datetime.now(CST)).total_seconds()))
                args.week = None  # each Monday: the week that just ended
                _run_weekly(args)
            return 0
        if args.action == "monthly":
            return _monthly(args)
        if args.action == "quarterly":
            return _quarterly(args)
        return _weekly(args)
    except AppError as exc:
        print(json.dumps(exc.body(), ensure_ascii=False), file=sys.stderr)
        return 2


def _weekly(args: argparse.Namespace) -> int:
    from app.db import Database
    from app.reports.render import render
    from app.reports.scope import resolve_scope
    from app.reports.service import build_report

    week = IsoWeek.resolve(args.week or None, today())
    db = Database(get_settings().database_url)
    try:
        with db.session(False) as session:
            scope = resolve_scope(session, args.county, args.employer, args.pairing)
            data = render(build_report(session, scope, week), args.format)
    finally:
        db.dispose()
    return _write(data, args.output)


def _monthly(args: argparse.Namespace) -> int:
    from app.db import Database
    from app.reports.monthly import build_pack
    from app.reports.monthly_render import render
    from app.reports.schemas import Month
    from app.reports.scope import resolve_scope

    month = Month.resolve(args.month or None, today())
    db = Database(get_settings().database_url)
    try:
        with db.session(False) as session:
            if args.county is not None:
                resolve_scope(session, args.county)  # an unknown county is a clear error, not an empty pack
            data = render(build_pack(session, month, args.county, args.pairing), args.format)
    finally:
        db.dispose()
    return _write(data, args.output)


def _quarterly(args: argparse.Namespace) -> int:
    from app.db import Database
    from app.evaluations.render import render
    from app.evaluations.service import evaluate_quarter, export
    from app.reports.schemas import Quarter

    quarter = Quarter.resolve(args.quarter or None, today())
    db = Database(get_settings().database_url)
    try:
        with db.session() as session, session.begin():
            run = evaluate_quarter(session, None, quarter)
            data = render(export(session, quarter, run.evaluations, None), args.format)
    finally:
        db.dispose()
    counts = {"quarter": str(quarter), "created": run.created, "refreshed": run.refreshed, "kept": run.kept}
    print(json.dumps(counts), file=sys.stderr)
    return _write(data, args.output)


def _write(data: bytes, output: str | None) -> int:
    if output:
        Path(output).parent.mkdir(parents=True, exist_ok=True)
        Path(output).write_bytes(data)
    else:
        sys.stdout.buffer.write(data)
    return 0
