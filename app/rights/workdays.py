"""Chinese working days: weekends, public holidays and the make-up working days (调休) the State Council sets.

`chinese-calendar` carries the published tables; the State Council announces a year's holidays each autumn, so
a date beyond the library's last year counts weekends only and the due date it gives is marked provisional.
"""

from datetime import date, timedelta

import chinese_calendar


def is_workday(day: date) -> tuple[bool, bool]:
    """(a working day?, only a guess because the year's holidays are not published yet?)."""
    try:
        return bool(chinese_calendar.is_workday(day)), False
    except NotImplementedError:
        return day.weekday() < 5, True


def add_working_days(start: date, days: int) -> tuple[date, bool]:
    """The date `days` working days after `start` (the start day itself does not count); provisional or not."""
    day, counted, provisional = start, 0, False
    while counted < days:
        day += timedelta(days=1)
        working, guessed = is_workday(day)
        provisional = provisional or guessed
        counted += working
    return day, provisional


def add_calendar_days(start: date, days: int) -> tuple[date, bool]:
    """Calendar-day limits (an arbitration award's 45 days) need no holiday table."""
    return start + timedelta(days=days), False
