"""Working days: the package's Chinese holidays and make-up days, the administrator's corrections on top,
statutory counting, and the warning for years whose official schedule is not confirmed."""

from datetime import date, timedelta
from itertools import count

import holidays
import pytest

from companies.models import CalendarDay, CalendarYear
from companies.workdays import (
    Calendar,
    DueDate,
    add_working_days,
    add_working_days_checked,
    is_working_day,
    unconfirmed_years,
    working_days_between,
)

pytestmark = pytest.mark.django_db

ACCEPTED = date(2025, 9, 26)  # a Friday, just before National Day week 2025


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def _first_year_the_package_does_not_carry() -> int:
    """The first year from 2026 on without an official schedule in the installed ``holidays`` package."""
    return next(
        year for year in count(2026) if year not in holidays.China(years=year).special_public_holidays
    )


def test_twenty_working_days_from_26_september_2025_end_on_30_october():
    # The make-up Sunday 2025-09-28 and Saturday 2025-10-11 count; 2025-10-01..08 do not.
    assert add_working_days(ACCEPTED, 20) == date(2025, 10, 30)
    assert Calendar(2025).add(ACCEPTED, 20) == date(2025, 10, 30)


def test_make_up_days_of_2025_autumn_are_working_days():
    assert is_working_day(date(2025, 9, 28))  # Sunday
    assert is_working_day(date(2025, 10, 11))  # Saturday
    assert not any(is_working_day(day) for day in _days(date(2025, 10, 1), date(2025, 10, 8)))
    assert is_working_day(date(2025, 10, 9))


@pytest.mark.parametrize(
    "day",
    [
        date(2026, 1, 4),
        date(2026, 2, 14),
        date(2026, 2, 28),
        date(2026, 5, 9),
        date(2026, 9, 20),
        date(2026, 10, 10),
    ],
)
def test_2026_make_up_days_on_weekends_are_working_days(day):
    assert day.weekday() >= 5
    assert is_working_day(day)


def test_2026_national_day_week_is_off_and_the_day_after_is_not():
    # The package lists 10-01, 02, 03, 05, 06, 07; 10-04 is a Sunday anyway.
    package = holidays.China(years=2026)
    assert {day for day in package if day.month == 10} == {date(2026, 10, n) for n in (1, 2, 3, 5, 6, 7)}
    calendar = Calendar(2026)
    assert not any(calendar.is_working_day(day) for day in _days(date(2026, 10, 1), date(2026, 10, 7)))
    assert calendar.is_working_day(date(2026, 10, 8))


def test_2026_spring_festival_is_off_from_15_to_23_february():
    calendar = Calendar(2026)
    assert not any(calendar.is_working_day(day) for day in _days(date(2026, 2, 15), date(2026, 2, 23)))
    assert calendar.is_working_day(date(2026, 2, 24))


def test_ordinary_weekend_and_weekday():
    calendar = Calendar(2026)
    assert not calendar.is_working_day(date(2026, 3, 7))  # Saturday
    assert not calendar.is_working_day(date(2026, 3, 8))  # Sunday
    assert calendar.is_working_day(date(2026, 3, 9))  # Monday


def test_weekday_made_a_holiday_pushes_the_deadline_one_day_later():
    CalendarDay.objects.create(date=date(2025, 10, 15), kind=CalendarDay.Kind.HOLIDAY, note="typhoon")
    assert not is_working_day(date(2025, 10, 15))
    assert add_working_days(ACCEPTED, 20) == date(2025, 10, 31)


def test_package_make_up_day_overridden_as_holiday_pushes_the_deadline():
    CalendarDay.objects.create(date=date(2025, 9, 28), kind=CalendarDay.Kind.HOLIDAY)
    assert add_working_days(ACCEPTED, 20) == date(2025, 10, 31)


def test_saturday_made_a_workday_pulls_the_deadline_one_day_earlier():
    CalendarDay.objects.create(date=date(2025, 10, 18), kind=CalendarDay.Kind.WORKDAY)
    assert is_working_day(date(2025, 10, 18))
    assert add_working_days(ACCEPTED, 20) == date(2025, 10, 29)


def test_deadline_landing_on_a_holiday_moves_to_the_next_working_day():
    # Three working days after 2025-09-26 is Tuesday 09-30; the fourth would be 10-01, a holiday, and the
    # whole week through 10-08 is off, so the deadline is Thursday 10-09.
    assert add_working_days(ACCEPTED, 3) == date(2025, 9, 30)
    assert add_working_days(ACCEPTED, 4) == date(2025, 10, 9)


def test_zero_days_moves_a_non_working_start_forward_only():
    assert add_working_days(date(2025, 10, 1), 0) == date(2025, 10, 9)
    assert add_working_days(date(2025, 9, 28), 0) == date(2025, 9, 28)  # make-up Sunday
    assert add_working_days(ACCEPTED, 0) == ACCEPTED


def test_negative_days_are_refused():
    with pytest.raises(ValueError):
        add_working_days(ACCEPTED, -1)


def test_count_is_working_days_after_start_up_to_and_including_end():
    assert working_days_between(ACCEPTED, date(2025, 10, 30)) == 20
    assert working_days_between(ACCEPTED, date(2025, 10, 29)) == 19
    assert Calendar(2025).count(ACCEPTED, date(2025, 10, 30)) == 20


def test_count_is_zero_when_end_is_not_after_start():
    assert working_days_between(ACCEPTED, ACCEPTED) == 0
    assert working_days_between(ACCEPTED, date(2025, 9, 1)) == 0


def test_calendar_extends_itself_past_its_years():
    calendar = Calendar(2025)
    due = calendar.add(ACCEPTED, 200)
    assert due == date(2026, 7, 22)
    assert list(calendar.years) == [2025, 2026]
    assert calendar.count(ACCEPTED, due) == 200
    assert add_working_days(ACCEPTED, 200) == due


def test_package_confirms_2025_and_2026():
    assert unconfirmed_years(date(2025, 1, 1), date(2026, 12, 31)) == []
    assert Calendar(2025, 2026).unconfirmed_years() == []


def test_reaching_a_year_the_package_does_not_carry_is_reported():
    unknown = _first_year_the_package_does_not_carry()
    start = date(unknown - 1, 12, 1)  # a confirmed year; 60 working days reach into the next one

    checked = add_working_days_checked(start, 60)

    assert isinstance(checked, DueDate)
    assert checked.date == add_working_days(start, 60)
    assert checked.date.year == unknown
    assert checked.unconfirmed_years == [unknown]
    assert unconfirmed_years(start, checked.date) == [unknown]
    assert Calendar(unknown - 1, unknown + 1).unconfirmed_years() == [unknown, unknown + 1]


def test_confirmed_calendar_year_removes_the_warning():
    unknown = _first_year_the_package_does_not_carry()
    start = date(unknown - 1, 12, 1)
    CalendarYear.objects.create(year=unknown, confirmed=True, note="State Council notice entered")

    assert add_working_days_checked(start, 60).unconfirmed_years == []
    assert unconfirmed_years(start, date(unknown, 12, 31)) == []


def test_unconfirmed_calendar_year_row_keeps_the_warning():
    unknown = _first_year_the_package_does_not_carry()
    CalendarYear.objects.create(year=unknown, confirmed=False)

    assert unconfirmed_years(date(unknown, 1, 1), date(unknown, 12, 31)) == [unknown]


def test_checked_result_only_names_years_up_to_the_deadline():
    unknown = _first_year_the_package_does_not_carry()
    # Starts in the confirmed year and ends there: the calendar may load the next year, but it is not touched.
    checked = add_working_days_checked(date(unknown - 1, 12, 10), 5)
    assert checked.date.year == unknown - 1
    assert checked.unconfirmed_years == []


def test_two_year_calendar_and_a_60_day_deadline_take_one_query(django_assert_max_num_queries):
    CalendarDay.objects.create(date=date(2025, 12, 1), kind=CalendarDay.Kind.HOLIDAY)
    CalendarYear.objects.create(year=2026, confirmed=True)

    with django_assert_max_num_queries(1):
        calendar = Calendar(2025, 2026)
        due = calendar.add(date(2025, 11, 3), 60)

    # 2026-01-27 without the correction; the extra holiday costs one working day.
    assert due == date(2026, 1, 28)


def test_module_functions_do_not_query_per_day(django_assert_max_num_queries):
    with django_assert_max_num_queries(1):
        add_working_days(date(2025, 11, 3), 60)
    with django_assert_max_num_queries(1):
        add_working_days_checked(date(2025, 11, 3), 60)
    with django_assert_max_num_queries(1):
        working_days_between(date(2025, 1, 1), date(2026, 12, 31))
