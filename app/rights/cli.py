"""`laborbridge cases escalate | holidays load | holidays list`: the daily escalation and the holiday tables."""

import argparse
import json
import sys
from datetime import date
from pathlib import Path

from app.clock import today
from app.config import get_settings


def add_parser(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    cases = sub.add_parser("cases", help="rights cases: overdue escalation (daily) and the holiday tables")
    cases_sub = cases.add_subparsers(dest="action", required=True)
    escalate = cases_sub.add_parser(
        "escalate", help="hand overdue cases to their province's office, once each (idempotent); one JSON line"
    )
    escalate.add_argument("--on", type=date.fromisoformat, help="the day to judge on, YYYY-MM-DD (default: today)")
    holidays = cases_sub.add_parser("holidays", help="the year's holidays and make-up working days (调休)")
    holidays_sub = holidays.add_subparsers(dest="holidays_action", required=True)
    load = holidays_sub.add_parser("load", help="replace a year's table from a CSV: date,type[,name]")
    load.add_argument("file", help="CSV with columns date,type[,name]; type holiday/workday (or 休/班)")
    load.add_argument("--source", required=True, help="the notice it comes from, e.g. 国办发明电〔2026〕X号")
    load.add_argument("--year", type=int, help="refuse the file unless every date is in this year")
    holidays_sub.add_parser("list", help="the loaded tables: year, source, days")
    cases.set_defaults(func=cmd_cases)


def run_escalation(on: date | None = None) -> dict[str, object]:
    """One escalation run in its own transaction (the weekly job calls it too)."""
    from app.db import Database
    from app.rights.service import escalate_overdue

    settings = get_settings()
    db = Database(settings.database_url)
    try:
        with db.session() as session, session.begin():
            return escalate_overdue(session, on or today(), settings)
    finally:
        db.dispose()


def cmd_cases(args: argparse.Namespace) -> int:
    from app.db import Database
    from app.errors import AppError
    from app.rights import service

    if args.action == "escalate":
        print(json.dumps({"cases_escalate": run_escalation(args.on)}, ensure_ascii=False), flush=True)
        return 0
    db = Database(get_settings().database_url)
    try:
        with db.session() as session, session.begin():
            if args.holidays_action == "load":
                text = Path(args.file).read_text(encoding="utf-8")
                result = service.load_holidays(session, None, text, args.source, args.year)
            else:
                result = {"tables": service.calendar_tables(session)}
        print(json.dumps(result, ensure_ascii=False), flush=True)
    except AppError as exc:
        print(json.dumps(exc.body(), ensure_ascii=False), file=sys.stderr)
        return 2
    finally:
        db.dispose()
    return 0
