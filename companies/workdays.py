"""Chinese working days for statutory and committed time limits (法定时限, 承诺时限).

A working day is Monday to Friday unless it is a statutory holiday, plus the make-up working days (调休)
that the State Council schedules on weekends. Counting follows the Administrative Licensing Law: the start
day is not counted, and a limit of *n* working days ends on the *n*-th working day after the start, so a
deadline never lands on a holiday or an ordinary weekend.

Sources, in order of precedence:

1. ``CalendarDay`` rows: the administrator's corrections. ``holiday`` makes a day non-working, ``workday``
   makes it working, whatever the package says.
2. The PyPI package ``holidays`` (``holidays.China``): holidays and weekend make-up days.

For a year whose official schedule the package does not carry yet, it silently computes the fixed and lunar
holidays without any make-up days. Such a year is *unconfirmed* unless the administrator has entered its
schedule and saved a ``CalendarYear`` row with ``confirmed=True``; computations that reach it report it so
the page can warn.

A :class:`Calendar` loads everything for a range of years up front (one query) and answers from memory;
it loads further years by itself, one more query each time, when a computation runs past its range. The
module-level functions build a fresh calendar per call, sized for the call.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from datetime import date, timedelta

import holidays
from django.db.models import DateField, IntegerField, Value
from django.db.models.functions import Cast
from django.utils import timezone

from companies.models import CalendarDay, CalendarYear

__all__ = [
    "Calendar",
    "DueDate",
    "add_working_days",
    "add_working_days_checked",
    "is_working_day",
    "local_midnight",
    "unconfirmed_years",
    "working_days_between",
]

ONE_DAY = timedelta(days=1)
SATURDAY = 5  # date.weekday(): Monday is 0


def _years_to_reach(start: date, days: int) -> tuple[int, int]:
    """A generous guess of the years ``days`` working days from ``start`` may touch.

    Five working days a week, plus three weeks of slack for a long holiday (Spring Festival, National Day),
    so that a calendar sized by this guess rarely needs to load more later.
    """
    return start.year, (start + timedelta(days=max(days, 0) * 7 // 5 + 21)).year


class Calendar:
    """Working days for a range of years, loaded once and answered from memory.

    ``Calendar(2025)`` covers one year, ``Calendar(2025, 2026)`` two. Computations outside the range extend
    it (the range stays contiguous), so results never depend on the range chosen, only the query count does.
    """

    def __init__(self, first_year: int, last_year: int | None = None) -> None:
        last_year = first_year if last_year is None else last_year
        if last_year < first_year:
            raise ValueError(f"last_year {last_year} is before first_year {first_year}")
        self._first_year = first_year
        self._last_year = last_year
        self._holidays: set[date] = set()
        self._makeup_days: set[date] = set()
        self._overrides: dict[date, str] = {}
        self._confirmed: set[int] = set()
        self._load(first_year, last_year)

    @classmethod
    def for_dates(cls, start: date, end: date) -> Calendar:
        """A calendar covering the years from ``start`` to ``end`` (in either order)."""
        return cls(min(start.year, end.year), max(start.year, end.year))

    @property
    def years(self) -> range:
        """The years loaded so far."""
        return range(self._first_year, self._last_year + 1)

    def _load(self, first_year: int, last_year: int) -> None:
        """Add the years ``first_year``..``last_year`` (not yet loaded) from the package and the database."""
        # A holiday's make-up day can fall in the year before (2018-12-29 for 2018-12-31) and the package
        # files it under the holiday's year, so read one year either side and keep only our years.
        package = holidays.China(years=range(first_year - 1, last_year + 2))

        def in_range(day: date) -> bool:
            return first_year <= day.year <= last_year

        self._holidays.update(day for day in package if in_range(day))
        self._makeup_days.update(day for day in package.weekend_workdays if in_range(day))
        self._confirmed.update(
            year for year in range(first_year, last_year + 1) if year in package.special_public_holidays
        )
        # The corrections and the confirmed years in one query: the two lists stacked (UNION ALL), each row
        # tagged by the list it comes from.
        corrections = (
            CalendarDay.objects.filter(date__range=(date(first_year, 1, 1), date(last_year, 12, 31)))
            .values_list("date", "kind", Cast(Value(None), IntegerField()))
            .order_by()
        )
        confirmed = (
            CalendarYear.objects.filter(year__range=(first_year, last_year), confirmed=True)
            .values_list(Cast(Value(None), DateField()), Value(""), "year")
            .order_by()
        )
        for day, kind, year in corrections.union(confirmed, all=True):
            if year is None:
                self._overrides[day] = kind
            else:
                self._confirmed.add(year)

    def _cover(self, first_year: int, last_year: int) -> None:
        """Make sure the years ``first_year``..``last_year`` are loaded, extending the range if needed."""
        if first_year < self._first_year:
            self._load(first_year, self._first_year - 1)
            self._first_year = first_year
        if last_year > self._last_year:
            self._load(self._last_year + 1, last_year)
            self._last_year = last_year

    def is_working_day(self, day: date) -> bool:
        """Whether ``day`` is a working day: Monday–Friday not a holiday, or a make-up working day."""
        if not self._first_year <= day.year <= self._last_year:
            self._cover(day.year, day.year)
        kind = self._overrides.get(day)
        if kind is not None:
            return kind == CalendarDay.Kind.WORKDAY
        if day in self._makeup_days:
            return True
        return day.weekday() < SATURDAY and day not in self._holidays

    def add(self, start: date, days: int) -> date:
        """The ``days``-th working day after ``start`` (the start day itself is not counted).

        ``days=0`` gives ``start`` itself if it is a working day, otherwise the next working day.
        """
        if days < 0:
            raise ValueError(f"days must not be negative, got {days}")
        day = start
        if days == 0:
            while not self.is_working_day(day):
                day += ONE_DAY
            return day
        remaining = days
        while remaining:
            day += ONE_DAY
            if self.is_working_day(day):
                remaining -= 1
        return day

    def count(self, start: date, end: date) -> int:
        """Working days after ``start`` up to and including ``end``; 0 if ``end`` is not after ``start``."""
        if end <= start:
            return 0
        self._cover(start.year, end.year)
        total = 0
        day = start + ONE_DAY
        while day <= end:
            total += self.is_working_day(day)
            day += ONE_DAY
        return total

    def is_confirmed(self, year: int) -> bool:
        """Whether ``year``'s official schedule is known: carried by the package or confirmed by a row."""
        self._cover(year, year)
        return year in self._confirmed

    def unconfirmed_years(self) -> list[int]:
        """The loaded years whose official schedule is not confirmed, in order."""
        return [year for year in self.years if year not in self._confirmed]


@dataclass
class DueDate:
    """A deadline and the years on the way to it whose holiday schedule is not confirmed."""

    date: datetime.date
    unconfirmed_years: list[int]


def is_working_day(day: date) -> bool:
    """Whether ``day`` is a working day (see :meth:`Calendar.is_working_day`)."""
    return Calendar(day.year).is_working_day(day)


def add_working_days(start: date, days: int) -> date:
    """The ``days``-th working day after ``start`` (see :meth:`Calendar.add`)."""
    return Calendar(*_years_to_reach(start, days)).add(start, days)


def add_working_days_checked(start: date, days: int) -> DueDate:
    """Like :func:`add_working_days`, also naming unconfirmed years from ``start``'s year to the result's."""
    calendar = Calendar(*_years_to_reach(start, days))
    due = calendar.add(start, days)
    return DueDate(
        date=due,
        unconfirmed_years=[
            year for year in range(start.year, due.year + 1) if not calendar.is_confirmed(year)
        ],
    )


def working_days_between(start: date, end: date) -> int:
    """Working days after ``start`` up to and including ``end`` (see :meth:`Calendar.count`)."""
    return Calendar.for_dates(start, end).count(start, end)


def unconfirmed_years(start: date, end: date) -> list[int]:
    """The years from ``start``'s to ``end``'s (inclusive, either order) whose schedule is not confirmed."""
    return Calendar.for_dates(start, end).unconfirmed_years()


def local_midnight(day: date) -> datetime.datetime:
    """The moment ``day`` begins in the window's time zone (``TIME_ZONE``), bounding a range of local days."""
    return timezone.make_aware(
        datetime.datetime.combine(day, datetime.time(0)), timezone.get_default_timezone()
    )
