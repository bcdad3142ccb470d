"""The case clocks, their defaults and where each default comes from (docs/rights.md says the same for people)."""

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import Literal

from app.rights.workdays import WorkCalendar


@dataclass(frozen=True)
class Clock:
    days: int
    unit: Literal["working", "calendar"]
    source: str

    def due(self, start: date, calendar: WorkCalendar) -> tuple[date, bool]:
        """The due date counted from `start`, and whether it is provisional (a year without a published table)."""
        if self.unit == "working":
            return calendar.add_working_days(start, self.days)
        return calendar.add_calendar_days(start, self.days)


CONTACT = Clock(2, "working", "the product's own service level: first contact with the worker")
ACCEPT = Clock(5, "working", "deciding to accept a complaint (关于实施《劳动保障监察条例》若干规定: 5 working days)")
INSPECTION = Clock(60, "working", "labour-inspection investigation (劳动保障监察条例 art. 17: 60 working days)")
ARBITRATION = Clock(45, "calendar", "arbitration award (劳动争议调解仲裁法 art. 43: 45 days)")
INJURY_DECISION = Clock(60, "calendar", "work-injury decision (工伤保险条例 art. 20: 60 days)")

CLOCK_NAMES = ("contact", "accept", "refer")
# Which clock `refer` starts, per case kind: the external body the case goes to.
REFER_CLOCK: dict[str, Clock] = {
    "wage_arrears": INSPECTION,
    "insurance_unpaid": INSPECTION,
    "agency_misconduct": INSPECTION,
    "contract": ARBITRATION,
    "work_injury": INJURY_DECISION,
    "occupational_disease": INJURY_DECISION,
    "other": INSPECTION,
}
# Which events stop which clocks (closing a case stops them all).
STOPS: dict[str, tuple[str, ...]] = {
    "contact": ("contact",),
    "accept": ("accept",),
    "resolve": CLOCK_NAMES,
    "reject": CLOCK_NAMES,
    "withdraw": CLOCK_NAMES,
}


def clock(kind: str, name: str, overrides: Mapping[str, Mapping[str, int]]) -> Clock:
    """The clock `name` of a case of `kind`, with the days the settings give for that kind (the unit stays)."""
    base = {"contact": CONTACT, "accept": ACCEPT}.get(name) or REFER_CLOCK[kind]
    days = overrides.get(kind, {}).get(name)
    return base if days is None else replace(base, days=days, source=f"{base.source}; set to {days} by settings")


class DueDates:
    """Due dates memoised by (kind, clock, start) for one calendar: replaying many cases meets few distinct days."""

    def __init__(self, calendar: WorkCalendar, overrides: Mapping[str, Mapping[str, int]]) -> None:
        self.calendar, self.overrides = calendar, overrides
        self.seen: dict[tuple[str, str, date], date] = {}

    def __call__(self, kind: str, name: str, start: date) -> date:
        key = (kind, name, start)
        if key not in self.seen:
            self.seen[key] = clock(kind, name, self.overrides).due(start, self.calendar)[0]
        return self.seen[key]
