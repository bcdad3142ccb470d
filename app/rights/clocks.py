"""The case clocks, their defaults and where each default comes from (docs/rights.md says the same for people)."""

from dataclasses import dataclass
from datetime import date
from typing import Literal

from app.rights.workdays import add_calendar_days, add_working_days


@dataclass(frozen=True)
class Clock:
    days: int
    unit: Literal["working", "calendar"]
    source: str

    def due(self, start: date) -> tuple[date, bool]:
        add = add_working_days if self.unit == "working" else add_calendar_days
        return add(start, self.days)


CONTACT = Clock(2, "working", "the product's own service level: first contact with the worker")
ACCEPT = Clock(5, "working", "deciding to accept a complaint (关于实施《劳动保障监察条例》若干规定: 5 working days)")
INSPECTION = Clock(60, "working", "labour-inspection investigation (劳动保障监察条例 art. 17: 60 working days)")
ARBITRATION = Clock(45, "calendar", "arbitration award (劳动争议调解仲裁法 art. 43: 45 days)")
INJURY_DECISION = Clock(60, "calendar", "work-injury decision (工伤保险条例 art. 20: 60 days)")

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
# Which events stop which clocks.
STOPS: dict[str, tuple[str, ...]] = {
    "contact": ("contact",),
    "accept": ("accept",),
    "resolve": ("contact", "accept", "refer"),
    "reject": ("contact", "accept", "refer"),
    "withdraw": ("contact", "accept", "refer"),
}
ESCALATE_AFTER_WORKING_DAYS = 10  # an overdue case goes to the province this long after its due date, once
