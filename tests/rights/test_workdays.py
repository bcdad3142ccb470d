"""Case clocks in Chinese working days: Spring Festival 2026, its 调休 Saturdays, and years nobody has published."""

from datetime import date

from app.rights.clocks import ARBITRATION, INSPECTION, clock
from app.rights.workdays import PUBLISHED, WorkCalendar


def test_a_make_up_saturday_counts_and_the_spring_festival_does_not():
    # Thu 12 Feb 2026: Fri 13 is day 1, Sat 14 (调休, a working day) is day 2; a weekday count would say Mon 16.
    assert PUBLISHED.add_working_days(date(2026, 2, 12), 2) == (date(2026, 2, 14), False)
    # Acceptance, 5 working days: 13, 14, then the holiday 15-23, then 24, 25, 26.
    assert PUBLISHED.add_working_days(date(2026, 2, 12), 5) == (date(2026, 2, 26), False)
    # Sat 28 Feb is the second make-up day: counted like a weekday.
    assert PUBLISHED.add_working_days(date(2026, 2, 26), 2) == (date(2026, 2, 28), False)


def test_the_inspection_clock_runs_60_working_days_over_the_festival():
    due, provisional = INSPECTION.due(date(2026, 2, 2), PUBLISHED)
    # 60 weekdays after 2 Feb would be 27 Apr: the festival, Qingming and Labour Day (less their make-up days)
    # push it to Thursday 7 May.
    assert (due, provisional) == (date(2026, 5, 7), False)
    assert PUBLISHED.is_workday(due) == (True, False)


def test_arbitration_counts_calendar_days():
    assert ARBITRATION.due(date(2026, 2, 10), PUBLISHED) == (date(2026, 3, 27), False)


def test_beyond_the_published_years_weekends_only_and_provisional():
    due, provisional = PUBLISHED.add_working_days(date(2026, 12, 30), 2)
    assert (due, provisional) == (date(2027, 1, 1), True)  # New Year's Day 2027 counted: nobody published it yet


def test_a_loaded_year_wins_and_is_not_provisional():
    loaded = WorkCalendar({2027: {date(2027, 1, 1): False, date(2027, 1, 2): True}})
    # 31 Dec (day 1), 1 Jan a holiday, Sat 2 Jan a make-up working day (day 2)
    assert loaded.add_working_days(date(2026, 12, 30), 2) == (date(2027, 1, 2), False)
    assert loaded.is_workday(date(2027, 1, 4)) == (True, False)  # any other weekday of a loaded year works


def test_a_clock_takes_its_days_from_the_settings_for_its_kind_only():
    overrides = {"wage_arrears": {"refer": 40, "contact": 1}}
    assert clock("wage_arrears", "refer", overrides).days == 40
    assert clock("wage_arrears", "refer", overrides).unit == "working"
    assert clock("contract", "refer", overrides) == ARBITRATION
    assert clock("wage_arrears", "contact", overrides).days == 1
    assert clock("other", "accept", overrides).days == 5
