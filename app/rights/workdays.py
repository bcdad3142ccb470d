"""Chinese working days: weekends, public holidays and the make-up working days (调休) the State Council sets.

`chinese-calendar` carries the published tables; a province may load a year's table itself (it then wins over the
library for that year). The State Council announces a year's holidays each autumn, so a date in a year nobody has
published counts weekends only and the due date it gives is marked provisional.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

import chinese_calendar


@dataclass(frozen=True)
class WorkCalendar:
    """Working days from the loaded tables ({year: {day: is a working day}}), else the library, else weekends."""

    loaded: Mapping[int, Mapping[date, bool]] = field(default_factory=dict)
    # Answers already given: a report replays thousands of clocks over the same few years of days.
    _seen: dict[date, tuple[bool, bool]] = field(default_factory=dict, compare=False, repr=False)

    def is_workday(self, day: date) -> tuple[bool, bool]:
        """(a working day?, only a guess because the year's holidays are not published yet?)."""
        known = self._seen.get(day)
        if known is None:
            known = self._seen[day] = self._lookup(day)
        return known

    def _lookup(self, day: date) -> tuple[bool, bool]:
        table = self.loaded.get(day.year)
        if table is not None:  # a loaded year lists its holidays and make-up days; other days follow the week
            return table.get(day, day.weekday() < 5), False
        try:
            return bool(chinese_calendar.is_workday(day)), False
        except NotImplementedError:
            return day.weekday() < 5, True

    def add_working_days(self, start: date, days: int) -> tuple[date, bool]:
        """The date `days` working days after `start` (the start day itself does not count); provisional or not."""
        day, counted, provisional = start, 0, False
        while counted < days:
            day += timedelta(days=1)
            working, guessed = self.is_workday(day)
            provisional = provisional or guessed
            counted += working
        return day, provisional

    def add_calendar_days(self, start: date, days: int) -> tuple[date, bool]:
        """Calendar-day limits (an arbitration award's 45 days) need no holiday table."""
        return start + timedelta(days=days), False


PUBLISHED = WorkCalendar()  # the library's tables only


def is_workday(day: date) -> tuple[bool, bool]:
    return PUBLISHED.is_workday(day)


def add_working_days(start: date, days: int) -> tuple[date, bool]:
    return PUBLISHED.add_working_days(start, days)
