"""The weekly report's `cases` section: what was opened, resolved and left overdue, as it stood at the week's end.

Every figure is replayed from the append-only events dated before the week ended, with the same clocks the
service runs, so the section for a finished week reads the same whenever it is asked for.
"""

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from statistics import median
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from app.clock import CST
from app.config import Settings
from app.labels import label
from app.reference.service import within
from app.rights import repository
from app.rights.clocks import STOPS, DueDates
from app.rights.models import ACTIVE_STATUSES
from app.rights.service import calendar as work_calendar
from app.rights.workdays import WorkCalendar

ARREARS_EMPLOYER_MIN = 2  # an employer with this many open wage-arrears cases is listed by name


@dataclass
class CaseAtWeekEnd:
    """One case as its events up to the week's end left it."""

    id: int
    kind: str
    placement_id: int | None
    employer_id: int | None
    home_county: str | None
    opened_on: date
    claimed_fen: int
    status: str = "open"
    resolved_on: date | None = None
    recovered_fen: int | None = None
    due: dict[str, date] = field(default_factory=dict)


def _cst_day(at: datetime) -> date:
    return at.astimezone(CST).date()


def replay(
    cases: list[tuple[Any, ...]], events: list[tuple[Any, ...]], calendar: WorkCalendar, settings: Settings
) -> list[CaseAtWeekEnd]:
    """Each case's status, clocks and resolution from its events, in the order they were written."""
    due = DueDates(calendar, settings.case_clock_days)
    states = {}
    for case_id, kind, placement_id, employer_id, home_county, opened_on, claimed in cases:
        state = CaseAtWeekEnd(case_id, kind, placement_id, employer_id, home_county, opened_on, claimed)
        for name in ("contact", "accept"):
            state.due[name] = due(kind, name, opened_on)
        states[case_id] = state
    for case_id, action, to_status, at, recovered in events:
        state = states[case_id]
        state.status = to_status
        for name in STOPS.get(action, ()):
            state.due.pop(name, None)
        if action == "refer":
            state.due["refer"] = due(state.kind, "refer", _cst_day(at))
        if action == "resolve":
            state.resolved_on, state.recovered_fen = _cst_day(at), recovered
    return list(states.values())


def _working_days(calendar: WorkCalendar, start: date, end: date) -> int:
    """Working days after `start` up to and including `end`, as the clocks count them."""
    days, day = 0, start
    while day < end:
        day = date.fromordinal(day.toordinal() + 1)
        days += calendar.is_workday(day)[0]
    return days


def _counts(group: list[CaseAtWeekEnd], monday: date, sunday: date) -> dict[str, int]:
    running = [c for c in group if c.status in ACTIVE_STATUSES]
    return {
        "opened": sum(monday <= c.opened_on <= sunday for c in group),
        "resolved": sum(c.resolved_on is not None and monday <= c.resolved_on <= sunday for c in group),
        "open_at_week_end": len(running),
        "overdue_at_week_end": sum(bool(c.due) and min(c.due.values()) < sunday for c in running),
    }


def _groups(states: list[CaseAtWeekEnd], key: str) -> dict[Any, list[CaseAtWeekEnd]]:
    groups: dict[Any, list[CaseAtWeekEnd]] = {}
    for state in states:
        value = getattr(state, key)
        if value is not None:
            groups.setdefault(value, []).append(state)
    return groups


def _by(
    states: list[CaseAtWeekEnd], key: str, monday: date, sunday: date, names: Mapping[Any, str]
) -> list[dict[str, Any]]:
    groups = _groups(states, key)
    return [
        {key: value, "name": names.get(value, str(value)), **_counts(groups[value], monday, sunday)}
        for value in sorted(groups)
    ]


def cases_section(
    session: Session,
    monday: date,
    until: datetime,
    filters: Mapping[str, Any],
    departed_placements: list[int],
    names: Mapping[str, Mapping[Any, str]],
    settings: Settings,
) -> dict[str, Any]:
    """The section for one scope (`filters` as `repository.report_cases` takes them) and one week."""
    sunday = date.fromordinal(monday.toordinal() + 6)
    calendar = work_calendar(session)
    cases, events = repository.report_cases(session, until, **filters)
    states = replay(cases, events, calendar, settings)
    resolved = [c for c in states if c.resolved_on is not None and monday <= c.resolved_on <= sunday]
    by_kind = [
        {"kind": kind, "kind_label": label("case_kind", kind), **_counts(group, monday, sunday)}
        for kind, group in sorted(_groups(states, "kind").items())
    ]
    arrears = Counter(
        c.employer_id
        for c in states
        if c.kind == "wage_arrears" and c.status in ACTIVE_STATUSES and c.employer_id is not None
    )
    with_case = {c.placement_id for c in states if c.placement_id is not None}
    days_to_resolve = [_working_days(calendar, c.opened_on, c.resolved_on) for c in resolved if c.resolved_on]
    return {
        **_counts(states, monday, sunday),
        "by_kind": by_kind,
        "by_county": _by(states, "home_county", monday, sunday, names["divisions"]),
        "by_employer": _by(states, "employer_id", monday, sunday, names["employers"]),
        "median_working_days_to_resolution": median(days_to_resolve) if days_to_resolve else None,
        "claimed_fen_resolved": sum(c.claimed_fen for c in resolved),
        "recovered_fen_resolved": sum(c.recovered_fen or 0 for c in resolved),
        "employers_with_open_arrears": [
            {"employer_id": org, "name": names["employers"].get(org, str(org)), "open_cases": n}
            for org, n in sorted(arrears.items())
            if n >= ARREARS_EMPLOYER_MIN
        ],
        "departures": len(departed_placements),
        "departures_with_case_share": (
            round(sum(p in with_case for p in departed_placements) / len(departed_placements), 4)
            if departed_placements
            else None
        ),
    }


@dataclass
class RouteCases:
    """Every case as its events before a month's end left it, replayed once and split by route on demand."""

    states: list[CaseAtWeekEnd]
    workplace: dict[int, str]
    first: date
    last: date
    _sides: tuple[Any, Any] | None = None

    @classmethod
    def load(cls, session: Session, first: date, last: date, until: datetime, settings: Settings) -> "RouteCases":
        cases, events = repository.report_cases(session, until)
        states = replay(cases, events, work_calendar(session), settings)
        return cls(states, repository.case_workplaces(session, until), first, last)

    def counts(self, west: str, east: str) -> dict[str, int]:
        """Opened and resolved in the month, open and overdue at its end, for cases of a west-to-east route."""
        if self._sides is None:
            homes = pd.factorize(pd.Series([c.home_county or "" for c in self.states], dtype=object))
            works = pd.factorize(pd.Series([self.workplace.get(c.id, "") for c in self.states], dtype=object))
            self._sides = (homes, works)
        (home_codes, home_values), (work_codes, work_values) = self._sides
        home_in = np.array([bool(v) and within(str(v), west) for v in home_values], dtype=bool)
        work_in = np.array([bool(v) and within(str(v), east) for v in work_values], dtype=bool)
        inside = (home_in[home_codes] & work_in[work_codes]) if len(self.states) else np.zeros(0, dtype=bool)
        counts = _counts([c for c, keep in zip(self.states, inside, strict=True) if keep], self.first, self.last)
        return {
            "opened": counts["opened"],
            "resolved": counts["resolved"],
            "open_at_month_end": counts["open_at_week_end"],
            "overdue_at_month_end": counts["overdue_at_week_end"],
        }
