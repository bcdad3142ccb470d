"""Everything a weekly report reads from the database for one scope and week, and the week's frozen scores.

Only facts dated up to the week's Sunday count, so the report for a week reads the same whenever it is built.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from app.reports import repository
from app.reports.schemas import IsoWeek, Scope
from matching.departure_features import EARLY_DAYS, NOT_A_DEPARTURE
from matching.features import channel_of

TREND_WEEKS = 13
COHORT_MONTHS = 12
FOLLOW_UP_SLACK = 3  # a call within 3 days either side of its due day counts
CONCERN_DAYS = 7  # a `concern` outcome makes another follow-up due within a week


def days_from(frame: pd.DataFrame, column: str, origin: date) -> np.ndarray:
    """Days from `origin` as floats (NaN where the date is missing)."""
    values = pd.to_datetime(frame[column]).to_numpy(dtype="datetime64[D]")
    days = (values - np.datetime64(origin, "D")).astype("timedelta64[D]")
    return np.where(np.isnat(days), np.nan, days.astype(np.int64).astype(float))


# --- the report ---------------------------------------------------------------------------------------------


@dataclass
class Facts:
    """Everything a report reads from the database, for one scope and week."""

    monday: date
    counts: pd.DataFrame  # per (hukou county, employer, vacancy county): new_i, active_i for weeks i = 0 (last), 1
    departures: pd.DataFrame  # one row per placement ended in the last 13 weeks
    started: pd.DataFrame  # one row per placement started in the cohort window: duration, ended, event
    follow_ups: pd.DataFrame
    risks: pd.DataFrame
    reviews: pd.DataFrame
    risk_source: str = "live"  # "snapshot": the scores the week's Monday run froze


def window_start(week: IsoWeek) -> date:
    """The oldest start a report reads: its first cohort's month or the year's first day."""
    first = cohort_months(week)[0].start_time.date()
    return min(first, date(week.sunday.year, 1, 1))


def load_facts(session: Session, scope: Scope, week: IsoWeek) -> Facts:
    monday, sunday = week.monday, week.sunday
    prev = week.shift(-1)
    counts = repository.week_counts(session, scope, [(prev.monday, prev.sunday), (monday, sunday)])
    trend_from = week.shift(-(TREND_WEEKS - 1)).monday
    departures = repository.departures(session, scope, trend_from, sunday)
    started = repository.started(session, scope, window_start(week), sunday)
    fu_since = monday - timedelta(days=CONCERN_DAYS + FOLLOW_UP_SLACK + 7)
    follow_ups = repository.follow_ups(session, scope, fu_since, sunday)
    # The week's run froze its scores (placement_risks keeps only the latest per placement); a week without a
    # snapshot reads the live scores written by the end of the following week.
    source = "snapshot" if repository.has_snapshot(session, str(week)) else "live"
    if source == "snapshot":
        risks = repository.snapshot_risks(session, scope, str(week))
    else:
        risks = repository.risks(session, scope, sunday, scored_by(week))
    reviews = repository.reviews(session, scope, week.start_instant, week.end_instant)
    for frame in (counts, departures, started, risks):
        frame["channel"] = (
            channel_of(frame["hukou_county"], frame["vacancy_county"]) if len(frame) else pd.Series(dtype=object)
        )
    if len(departures):
        departures["duration"] = days_from(departures, "end_date", monday) - days_from(departures, "start_date", monday)
        departures["end_day"] = days_from(departures, "end_date", monday)  # 0..6 this week, negative before
        departures["early"] = (departures["duration"] < EARLY_DAYS) & ~completed(departures)
    else:
        departures = departures.assign(duration=[], end_day=[], early=pd.Series(dtype=bool))
    start_day = days_from(started, "start_date", sunday) if len(started) else np.array([])
    end_day = days_from(started, "end_date", sunday) if len(started) else np.array([])
    started["start_day"] = start_day  # days before Sunday, <= 0
    started["ended"] = ~np.isnan(end_day)
    # A finished contract is censored, not a failure: the placement lasted as long as it was meant to.
    started["event"] = started["ended"] & ~completed(started)
    started["duration"] = np.where(started["ended"], end_day, 0.0) - start_day
    return Facts(monday, counts, departures, started, follow_ups, risks, reviews, source)


def scored_by(week: IsoWeek) -> datetime:
    """Scores written during the following week (the Monday run's, or a late run's) count for a week."""
    return week.end_instant + timedelta(days=7)


def snapshot_week(session: Session, week: IsoWeek) -> dict[str, Any]:
    """Freeze the week's at-risk inputs once (every scope reads its share); an existing snapshot is kept as is."""
    if repository.has_snapshot(session, str(week)):
        return {"week": str(week), "snapshot": "kept"}
    risks = repository.risks(session, Scope("province"), week.sunday, scored_by(week))
    rows = risks[["placement_id", *repository.RISK_COLUMNS]].to_dict("records")
    for row in rows:
        row["placement_id"] = int(row["placement_id"])
        row["scored_at"] = pd.Timestamp(row["scored_at"]).to_pydatetime()
        for key in ("risk_30", "risk_90", "risk_180"):
            row[key] = None if row[key] is None or row[key] != row[key] else float(row[key])
    repository.add_snapshot(session, str(week), rows)
    # Nothing scored (no model yet): nothing to freeze, and the next run may still write the snapshot.
    return {"week": str(week), "snapshot": "written" if rows else "nothing scored", "placements": len(rows)}


def completed(frame: pd.DataFrame) -> np.ndarray:
    """Ends that are not departures (the contract ran its course), as the departure model reads them."""
    return frame["end_reason"].isin(NOT_A_DEPARTURE).to_numpy(bool)


def cohort_months(week: IsoWeek) -> pd.PeriodIndex:
    return pd.period_range(end=pd.Period(week.sunday, "M"), periods=COHORT_MONTHS, freq="M")
