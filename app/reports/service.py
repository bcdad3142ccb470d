"""The weekly retention report: what lasted, for a scope and an ISO week (China Standard Time).

Only facts dated up to the week's Sunday count, so the report for a week reads the same whenever it is run.
"""

import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from app.config import get_settings
from app.labels import label
from app.reports import cache
from app.reports.facts import load_facts
from app.reports.schemas import CHANNELS, IsoWeek, Scope
from app.reports.scope import Reference, with_pairing_codes
from app.reports.sections import (
    DEFINITIONS,
    at_risk,
    case_filters,
    cohorts,
    curves,
    follow_ups,
    graduate_retention,
    grouped,
    km,
    pairing_rows,
    rows,
    scope_block,
    training_filters,
    trend,
    week_figures,
)
from app.rights.report import cases_section
from app.training.report import training_section
from matching.departure_features import HORIZONS

log = logging.getLogger(__name__)


def build_report(session: Session, scope: Scope, week: IsoWeek, ref: Reference | None = None) -> dict[str, Any]:
    """The report for one scope and one finished week, as plain JSON-ready data (no timestamps)."""
    ref = ref or Reference.load(session, week.sunday)
    scope = with_pairing_codes(scope, ref)
    facts = load_facts(session, scope, week)
    figures = week_figures(facts)
    this, last = figures["this_week"], figures["last_week"]
    deps_now = facts.departures[(facts.departures["end_day"] >= 0) & (facts.departures["end_day"] < 7)]
    reasons = deps_now["end_reason"].fillna("unknown").value_counts().sort_index()
    channels = grouped(facts, "channel").reindex(list(CHANNELS), fill_value=0)
    by_channel = []
    for ch in CHANNELS:
        part = facts.started[facts.started["channel"] == ch] if len(facts.started) else facts.started
        by_channel.append(
            {
                "channel": ch,
                "channel_label": label("channel", ch),
                **{k: int(v) for k, v in channels.loc[ch].items()},
                "retention_90": km(part, (90,))["90"],
            }
        )
    return {
        "week": str(week),
        "week_start": week.monday.isoformat(),
        "week_end": week.sunday.isoformat(),
        "timezone": "China Standard Time (UTC+8)",
        "scope": scope_block(scope, ref),
        "totals": {**this, "end_reasons": {str(k): int(v) for k, v in reasons.items()}},
        "week_on_week": {
            k: {"this_week": this[k], "last_week": last[k], "change": this[k] - last[k]} for k in sorted(this)
        },
        "by_county": rows(grouped(facts, "hukou_county"), "county", ref.divisions),
        "by_employer": rows(grouped(facts, "employer_id"), "employer_id", ref.employers),
        "by_pairing": pairing_rows(session, facts, ref, scope, week),
        "by_channel": by_channel,
        "retention": {
            "horizons": list(HORIZONS),
            "cohorts": cohorts(facts, week),
            "curves": curves(facts, ref, scope),
        },
        "departures_by_week": trend(facts, week),
        "follow_ups": follow_ups(facts),
        "at_risk": at_risk(facts, ref, week, scope),
        "cases": cases_section(
            session,
            week.monday,
            week.end_instant,
            case_filters(scope),
            [int(p) for p in deps_now["placement_id"]] if len(deps_now) else [],
            {"divisions": ref.divisions, "employers": ref.employers},
            get_settings(),
        ),
        "training": {
            **training_section(
                session,
                week.monday,
                week.end_instant,
                training_filters(scope),
                {"schools": ref.schools, "employers": ref.employers},
            ),
            "retention": graduate_retention(facts),
        },
        "definitions": DEFINITIONS,
    }


def report_for(session: Session, scope: Scope, week: IsoWeek) -> tuple[dict[str, Any], cache.Built | None]:
    """The cached report while its facts are unchanged; else a fresh build, with what the cache keeps of it."""
    kept = cache.lookup(session, scope, week)
    if kept is not None:
        return kept, None
    seen = cache.mark(session)  # before the facts: a change committed while building makes this build stale
    report = build_report(session, scope, week)
    return report, cache.Built(scope.slug, str(week), seen, report)


def remember(session_factory: Callable[[], Session], built: cache.Built) -> None:
    """Keep a request's build for the next reader; a failure costs only a rebuild, so it is logged, not raised."""
    try:
        with session_factory() as session, session.begin():
            cache.store(session, [built])
    except SQLAlchemyError:
        log.warning("report cache: could not keep %s %s", built.scope, built.week, exc_info=True)
