"""The dashboard's daily figures (``DashboardDay``): computed here, read by ``butler.oversight.dashboard``.

Licences and reminders are the tables that grow to millions of rows. For the whole window, or one business
type, the dashboard adds up one row per past day from here and counts only today (and any later day in the
range) live; with a butler chosen (a few hundred companies, counted live quickly), or when a day in the range
has no row yet, it counts everything live. Each figure is counted with the very conditions of the live
dashboard (``butler.oversight.dashboard_scope._licences`` and ``_reminders``), grouped by the day that
decides it, so a day's row equals what the live count gave for that day when the row was computed.

A past day can still change: a licence entered late with an earlier issue date, a trip recorded for an older
matter, a status refreshed after expiry. The hourly refresh therefore recomputes the last
``RECOMPUTE_DAYS`` days each time, and fills every missing day of the last ``HISTORY_DAYS`` days;
``python manage.py refresh_dashboard_days --since …`` recomputes any range by hand.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction
from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from butler.oversight.dashboard_scope import Scope, _licences, _reminders
from butler.oversight.models import FIGURES, DashboardDay
from companies.models import BusinessType
from reminders.models import Reminder

RECOMPUTE_DAYS = 35
HISTORY_DAYS = 2 * 366
CHUNK_DAYS = 31  # one statement per month of days, so that no statement runs long
# Licence figures by the date that decides them, and the dashboard's condition for each.
LICENCE_FIGURES = {
    "first_issued_on": {
        "licences_obtained": "obtained",
        "licences_on_time": "on_time",
        "licences_late": "late",
    },
    "issued_on": {"matters": "matters", "zero_trip": "zero_trip", "by_proxy": "by_proxy"},
    "expires_on": {"licences_lapsed": "lapsed"},
    "decided_on": {"refused": "refused"},
}


@dataclass(frozen=True)
class Refreshed:
    since: date | None
    until: date | None
    days: int


def _count_days(
    since: date, until: date, today: date, business_type_id: int | None
) -> dict[date, dict[str, int]]:
    """Every figure for each day from ``since`` to ``until``, in four grouped queries."""
    scope = Scope(since, until, business_type_id=business_type_id, today=today)
    counts: dict[date, dict[str, int]] = {}

    def add(day, values: dict) -> None:
        row = counts.setdefault(day, dict.fromkeys(FIGURES, 0))
        row.update({name: value or 0 for name, value in values.items()})

    source = _licences(scope)
    for column, figures in LICENCE_FIGURES.items():
        extra = {}
        if column == "issued_on":
            extra["trips"] = Sum("trip_count", filter=source.conditions["matters"], default=0)
        grouped = (
            source.rows.filter(scope.days(column))
            .order_by()
            .values(column)
            .annotate(
                **{figure: Count("pk", filter=source.conditions[name]) for figure, name in figures.items()},
                **extra,
            )
        )
        for row in grouped:
            add(row.pop(column), row)
    reminders = (
        _reminders(scope)
        .annotate(local_day=TruncDate("scheduled_at"))
        .order_by()
        .values("local_day")
        .annotate(
            reminders_sent=Count("pk", filter=Q(status=Reminder.Status.SENT)),
            reminders_late=Count("pk", filter=Q(status=Reminder.Status.SENT, late=True)),
            reminders_failed=Count("pk", filter=Q(status=Reminder.Status.FAILED)),
        )
    )
    for row in reminders:
        add(row.pop("local_day"), row)
    return counts


def dashboard_days_compute(*, since: date, until: date, today: date | None = None) -> int:
    """Recompute the rows of the days from ``since`` to ``until`` (never today or later: a day is counted
    once it is over), for the whole window and for each business type. Returns how many days were written."""
    today = today or timezone.localdate()
    until = min(until, today - timedelta(days=1))
    kinds = [None, *BusinessType.objects.order_by("pk").values_list("pk", flat=True)]
    written = 0
    start = since
    while start <= until:
        end = min(start + timedelta(days=CHUNK_DAYS - 1), until)
        days = [start + timedelta(days=n) for n in range((end - start).days + 1)]
        now = timezone.now()
        rows = []
        for business_type_id in kinds:
            counts = _count_days(start, end, today, business_type_id)
            rows.extend(
                DashboardDay(
                    day=day,
                    business_type_id=business_type_id,
                    computed_at=now,
                    **counts.get(day, dict.fromkeys(FIGURES, 0)),
                )
                for day in days
            )
        with transaction.atomic():
            DashboardDay.objects.filter(day__range=(start, end)).delete()
            DashboardDay.objects.bulk_create(rows)
        written += len(days)
        start = end + timedelta(days=1)
    return written


def dashboard_days_refresh(*, today: date | None = None) -> Refreshed:
    """The hourly refresh: the last ``RECOMPUTE_DAYS`` days again, or the whole ``HISTORY_DAYS`` when any
    day of it has no row (the first run, after a gap, or for a new business type)."""
    today = today or timezone.localdate()
    yesterday = today - timedelta(days=1)
    horizon = today - timedelta(days=HISTORY_DAYS)
    present = DashboardDay.objects.filter(day__range=(horizon, yesterday)).count()
    kinds = 1 + BusinessType.objects.count()
    complete = present == ((yesterday - horizon).days + 1) * kinds
    since = today - timedelta(days=RECOMPUTE_DAYS) if complete else horizon
    days = dashboard_days_compute(since=since, until=yesterday, today=today)
    return Refreshed(since, yesterday, days)
