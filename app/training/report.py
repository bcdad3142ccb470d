"""The weekly report's `training` section: classes and enrolments in the week, graduates placed, promises kept.

Read as the rows stood at the week's end: enrolments made before it, a completion dated by its class's last day,
a drop by the day it was recorded, placements started by the Sunday. Whether graduates stayed (Kaplan–Meier
against untrained workers in the same occupations) is the reports' own survival code, added by the caller.
"""

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from app.clock import CST
from app.training import repository

PLACED_WITHIN_DAYS = 30  # a graduate placed this soon after the class's last day counts as placed by it
PLACED_COHORT_DAYS = 91  # classes that ended in the 13 weeks before the last full 30-day window closed


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _days(column: pd.Series) -> pd.Series:
    """Aware timestamps as their China-time calendar day."""
    return pd.to_datetime(column, utc=True).dt.tz_convert(CST).dt.date


def _week_counts(frame: pd.DataFrame, monday: date, sunday: date) -> dict[str, int]:
    running = frame[
        (frame["class_start"] <= sunday) & (frame["class_end"] >= sunday) & (frame["class_status"] != "cancelled")
    ]
    return {
        "classes_running_at_week_end": int(running["class_id"].nunique()),
        "enrolled": int(frame["enrolled_on"].between(monday, sunday).sum()),
        "completed": int(((frame["status"] == "completed") & frame["class_end"].between(monday, sunday)).sum()),
        "dropped": int(((frame["status"] == "dropped") & frame["changed_on"].between(monday, sunday)).sum()),
    }


def _placed(frame: pd.DataFrame, starts: pd.DataFrame, sunday: date) -> dict[str, Any]:
    last = sunday - timedelta(days=PLACED_WITHIN_DAYS)
    first = last - timedelta(days=PLACED_COHORT_DAYS - 1)
    graduates = frame[(frame["status"] == "completed") & frame["class_end"].between(first, last)]
    earliest = starts.groupby("enrolment_id")["start_date"].min()
    waited = pd.to_datetime(graduates["enrolment_id"].map(earliest)) - pd.to_datetime(graduates["class_end"])
    placed = int((waited <= pd.Timedelta(days=PLACED_WITHIN_DAYS)).sum())
    return {
        "classes_ended_from": first.isoformat(),
        "classes_ended_to": last.isoformat(),
        "graduates": len(graduates),
        "placed": placed,
        "share": _share(placed, len(graduates)),
    }


def _commitments(
    frame: pd.DataFrame, starts: pd.DataFrame, sunday: date, employers: Mapping[int, str]
) -> dict[str, Any]:
    """Per demand with a completed order class: its hire commitment, and its graduates who started on its vacancy."""
    done = frame[
        (frame["class_status"] == "completed") & (frame["class_end"] <= sunday) & frame["demand_vacancy_id"].notna()
    ]
    demands = done.drop_duplicates("demand_id")[["demand_id", "employer_id", "hire_commitment"]]
    graduates = done[done["status"] == "completed"][["enrolment_id", "demand_id", "demand_vacancy_id", "worker_id"]]
    hired = graduates.merge(starts, on="enrolment_id")
    hired = hired[hired["vacancy_id"] == hired["demand_vacancy_id"]].drop_duplicates(["demand_id", "worker_id"])
    per_demand = demands.assign(hired=demands["demand_id"].map(hired.groupby("demand_id").size()).fillna(0))
    by_employer = []
    for employer, group in per_demand.groupby("employer_id"):
        committed, got = int(group["hire_commitment"].sum()), int(group["hired"].sum())
        by_employer.append(
            {
                "employer_id": int(employer),
                "name": employers.get(int(employer), str(int(employer))),
                "committed": committed,
                "graduates_hired": got,
                "fulfilled_share": _share(got, committed),
            }
        )
    committed, got = int(per_demand["hire_commitment"].sum()), int(per_demand["hired"].sum())
    return {
        "committed": committed,
        "graduates_hired": got,
        "fulfilled_share": _share(got, committed),
        "by_employer": by_employer,
    }


def training_section(
    session: Session,
    monday: date,
    until: datetime,
    filters: Mapping[str, Any],
    names: Mapping[str, Mapping[int, str]],
) -> dict[str, Any]:
    """The section for one scope (`filters` as `repository.report_enrolments` takes them) and one week."""
    sunday = monday + timedelta(days=6)
    rows = repository.report_enrolments(session, until, **filters)
    frame = pd.DataFrame.from_records(rows, columns=repository.REPORT_COLUMNS)
    frame["enrolled_on"] = _days(frame["created_at"]) if len(frame) else pd.Series(dtype=object)
    frame["changed_on"] = _days(frame["updated_at"]) if len(frame) else pd.Series(dtype=object)
    starts = pd.DataFrame.from_records(
        repository.graduate_starts(session, sunday, **filters), columns=["enrolment_id", "start_date", "vacancy_id"]
    )
    by_school = []
    for school, group in frame.groupby("school_id"):
        counts = _week_counts(group, monday, sunday)
        if any(counts.values()):
            by_school.append({"school_id": int(school), "name": names["schools"].get(int(school), ""), **counts})
    return {
        **_week_counts(frame, monday, sunday),
        "by_school": by_school,
        "graduates_placed_within_30_days": _placed(frame, starts, sunday),
        "commitments": _commitments(frame, starts, sunday, names["employers"]),
    }


def trained_mask(started: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(graduates, untrained workers in the graduates' occupations) among started placements with `trained`."""
    trained = started["trained"].astype(bool).to_numpy()
    occupations = set(started.loc[trained, "occupation_code"])
    return trained, ~trained & started["occupation_code"].isin(occupations).to_numpy()
