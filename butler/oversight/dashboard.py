"""The manager's dashboard figures: every number the page shows, in a fixed number of queries. Each figure is
counted in the database (conditional aggregation, ``Exists`` and subqueries) over the sources of
``butler.oversight.dashboard_scope``, so the page costs the same number of queries for ten companies or ten
thousand; the butlers' workload and the series of cards and ratings over time come with them. Without a
butler chosen, the licence and reminder figures of the range's past days are read from the daily figures
(``DashboardDay``, kept by ``butler.oversight.days`` for the whole window and for each business type) and
only today is counted live, so the page stays fast with millions of licences and reminders; with a butler,
only that butler's companies are read. The other tables are small enough to count live. How the figures are
labelled, listed and drawn is in ``dashboard_display``, ``dashboard_drills`` and ``dashboard_charts``.
"""

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from dateutil.relativedelta import relativedelta
from django.db.models import Avg, Count, Exists, F, FloatField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Cast, Coalesce, TruncDate, TruncMonth, TruncWeek
from django.utils import formats, timezone

from butler.feedback.models import BAD_STARS, AuditCase, Dispute, Rating, Suggestion
from butler.messaging.models import MessageThread
from butler.oversight.dashboard_scope import (
    GOOD_STARS,
    Scope,
    _aggregate_together,
    _cases,
    _counts,
    _licences,
    _periods,
    _ratings,
    _reminders,
    _Source,
    _suggestions,
    _threads,
)
from butler.oversight.models import FIGURES as DAY_FIGURES
from butler.oversight.models import DashboardDay
from butler.oversight.reform import Reform, ratio, reform_figures, reform_parts
from butler.service.models import Butler, ServicePeriod
from reminders.models import Reminder


@dataclass
class WorkloadRow:
    butler: Butler
    in_service: int
    open_cases: int
    awaiting: int
    ratings: int
    rating_average: float | None


@dataclass
class CategoryCount:
    category: str
    label: str
    count: int


@dataclass
class SeriesPoint:
    start: date
    label: str
    cards: int
    ratings: int


@dataclass
class Dashboard:
    scope: Scope
    in_service: int
    cards_issued: int
    licences_obtained: int
    licences_on_time: int
    licences_late: int
    licences_lapsed: int
    matters: int
    trips: int
    zero_trip: int
    by_proxy: int
    refused: int
    reminders_sent: int
    reminders_late: int
    reminders_failed: int
    ratings: int
    stars: dict[int, int]
    ratings_set_aside: int
    rating_average: float | None
    cases_opened: int
    cases_valid: int
    cases_rectified: int
    cases_rectified_on_time: int
    cases_bad: int
    cases_return_visited: int
    cases_at_risk: int
    cases_overdue: int
    suggestions: list[CategoryCount]
    threads_answered: int
    threads_within_day: int
    threads_awaiting: int
    response_median: float | None
    response_average: float | None
    workload: list[WorkloadRow]
    series: list[SeriesPoint]
    series_unit: str  # "month" or "week"
    reform: Reform

    @property
    def on_time_rate(self) -> float | None:
        return ratio(self.licences_on_time, self.licences_obtained)

    @property
    def trips_per_matter(self) -> float | None:
        return ratio(self.trips, self.matters)

    @property
    def zero_trip_share(self) -> float | None:
        return ratio(self.zero_trip, self.matters)

    @property
    def ratings_good(self) -> int:
        return sum(self.stars[s] for s in GOOD_STARS)

    @property
    def ratings_bad(self) -> int:
        return sum(self.stars[s] for s in BAD_STARS)

    @property
    def satisfaction_rate(self) -> float | None:
        return ratio(self.ratings_good, self.ratings)

    @property
    def bad_rate(self) -> float | None:
        return ratio(self.ratings_bad, self.ratings)

    @property
    def rectification_rate(self) -> float | None:
        return ratio(self.cases_rectified, self.cases_valid)

    @property
    def on_time_rectification_rate(self) -> float | None:
        return ratio(self.cases_rectified_on_time, self.cases_rectified)

    @property
    def return_visit_rate(self) -> float | None:
        return ratio(self.cases_return_visited, self.cases_bad)

    @property
    def within_day_share(self) -> float | None:
        return ratio(self.threads_within_day, self.threads_answered)

    @property
    def suggestions_total(self) -> int:
        return sum(row.count for row in self.suggestions)


def closed_days(scope: Scope) -> tuple[dict[str, int] | None, date | None]:
    """The figures of the range's past days added up from their rows (the whole window's, or the chosen
    business type's), and the last day they cover — or ``(None, None)`` when the range is counted live: a
    butler is chosen, the range has no past day, or a past day has no row."""
    if scope.butler_id:
        return None, None
    last = min(scope.until, scope.today - timedelta(days=1))
    if scope.since > last:
        return None, None
    rows = DashboardDay.objects.filter(day__range=(scope.since, last))
    if scope.business_type_id:
        rows = rows.filter(business_type_id=scope.business_type_id)
    else:
        rows = rows.filter(business_type__isnull=True)
    totals = rows.aggregate(days=Count("pk"), **{figure: Sum(figure, default=0) for figure in DAY_FIGURES})
    if totals.pop("days") != (last - scope.since).days + 1:
        return None, None
    return totals, last


def dashboard_figures(
    *,
    since: date,
    until: date,
    butler_id: int | None = None,
    business_type_id: int | None = None,
    today: date | None = None,
) -> Dashboard:
    """Every figure of the dashboard under the filters, in a fixed number of queries."""
    scope = Scope(since, until, butler_id, business_type_id, today or timezone.localdate())
    # The past days' licence and reminder figures from the daily figures where they cover the range; only the
    # rest of the range (today, and any later day) is counted live.
    past, last_past = closed_days(scope)
    live = replace(scope, since=last_past + timedelta(days=1)) if past else scope
    period_source = _periods(scope)
    licence_source = _licences(live)
    rating_source = _ratings(scope)
    case_source = _cases(scope)
    thread_source = _threads(scope)
    suggestion_source = _suggestions(scope)
    in_range = suggestion_source.conditions["suggestions"]
    counted = _aggregate_together(
        {
            # Each of the two read through its own index (the active periods, the start dates in range).
            "in_service": (
                period_source.rows.filter(period_source.conditions["in_service"]),
                {"in_service": Count("pk")},
            ),
            "cards": (period_source.rows.filter(period_source.conditions["cards"]), {"cards": Count("pk")}),
            "licences": (
                licence_source.rows,
                _counts(
                    licence_source,
                    trips=Sum("trip_count", filter=licence_source.conditions["matters"], default=0),
                ),
            ),
            "reminders": (
                _reminders(live),
                # Counted on scheduled_at: PostgreSQL reads them from its (scheduled_at) INCLUDE (status,
                # late) index alone.
                {
                    "sent": Count("scheduled_at", filter=Q(status=Reminder.Status.SENT)),
                    "late": Count("scheduled_at", filter=Q(status=Reminder.Status.SENT, late=True)),
                    "failed": Count("scheduled_at", filter=Q(status=Reminder.Status.FAILED)),
                },
            ),
            "ratings": (
                rating_source.rows,
                _counts(rating_source, average=Avg("final", filter=rating_source.conditions["ratings"])),
            ),
            "cases": (case_source.rows, _counts(case_source)),
            "threads": (
                thread_source.rows,
                _counts(
                    thread_source,
                    average=Avg(
                        "first_response_minutes", filter=thread_source.conditions["threads_answered"]
                    ),
                ),
            ),
            "suggestions": (
                suggestion_source.rows,
                {
                    category: Count("pk", filter=in_range & Q(category=category))
                    for category in Suggestion.Category.values
                },
            ),
            **reform_parts(scope),
        }
    )
    periods = counted["in_service"] | counted["cards"]
    licences, reminders = counted["licences"], counted["reminders"]
    if past:
        for name in ("obtained", "on_time", "late", "lapsed"):
            licences[name] += past[f"licences_{name}"]
        licences["matters"] += past["matters"]
        licences["trips"] += past["trips"]
        licences["zero_trip"] += past["zero_trip"]
        licences["by_proxy"] += past["by_proxy"]
        licences["refused"] += past["refused"]
        for name in ("sent", "late", "failed"):
            reminders[name] += past[f"reminders_{name}"]
    ratings, cases, threads = counted["ratings"], counted["cases"], counted["threads"]
    series, unit = _series(scope)
    return Dashboard(
        scope=scope,
        in_service=periods["in_service"],
        cards_issued=periods["cards"],
        licences_obtained=licences["obtained"],
        licences_on_time=licences["on_time"],
        licences_late=licences["late"],
        licences_lapsed=licences["lapsed"],
        matters=licences["matters"],
        trips=licences["trips"],
        zero_trip=licences["zero_trip"],
        by_proxy=licences["by_proxy"],
        refused=licences["refused"],
        reminders_sent=reminders["sent"],
        reminders_late=reminders["late"],
        reminders_failed=reminders["failed"],
        ratings=ratings["ratings"],
        stars={stars: ratings[f"stars_{stars}"] for stars in range(1, 6)},
        ratings_set_aside=ratings["ratings_set_aside"],
        rating_average=ratings["average"],
        cases_opened=cases["cases_opened"],
        cases_valid=cases["cases_valid"],
        cases_rectified=cases["cases_rectified"],
        cases_rectified_on_time=cases["cases_rectified_on_time"],
        cases_bad=cases["cases_bad"],
        cases_return_visited=cases["cases_return_visited"],
        cases_at_risk=cases["cases_at_risk"],
        cases_overdue=cases["cases_overdue"],
        suggestions=[
            CategoryCount(category, label, counted["suggestions"][category])
            for category, label in Suggestion.Category.choices
        ],
        threads_answered=threads["threads_answered"],
        threads_within_day=threads["threads_within_day"],
        threads_awaiting=threads["threads_awaiting"],
        response_median=_median_response(thread_source, threads["threads_answered"]),
        response_average=threads["average"],
        workload=butler_workload(scope),
        series=series,
        series_unit=unit,
        reform=reform_figures(scope, counted, until=scope.until),
    )


def _median_response(source: _Source, answered: int) -> float | None:
    """The median first response: the middle row (or the two middle rows) read with OFFSET, not every row.
    Always one query, whatever the count, so the page's query count does not depend on the data."""
    middle = max(answered - 1, 0) // 2
    take = 2 if answered % 2 == 0 else 1
    values = list(
        source.rows.filter(source.conditions["threads_answered"])
        .order_by("first_response_minutes", "pk")
        .values_list("first_response_minutes", flat=True)[middle : middle + take]
    )
    return sum(values) / len(values) if values else None


def workload_first(rows: list[WorkloadRow], limit: int) -> list[WorkloadRow]:
    """The ``limit`` butlers who most need a look: threads awaiting an answer, then open audit cases, then
    companies in service (a province has hundreds of butlers; the export lists every one)."""
    ranked = sorted(rows, key=lambda w: (-w.awaiting, -w.open_cases, -w.in_service, w.butler.display_name))
    return ranked[:limit]


def butler_workload(scope: Scope) -> list[WorkloadRow]:
    """Per active butler: companies in service, open audit cases about those companies, threads of those
    companies awaiting an answer, and ratings of the butler in the range (count and average).

    Two queries whatever the number of butlers: the butlers, and the four counts grouped by butler, stacked
    (``UNION ALL``) and told apart by a tag. Each count is grouped over its own rows once (a case or a thread
    finds the butler serving its company through the one active period), not recounted per butler.
    """
    butlers = Butler.objects.filter(active=True)
    if scope.butler_id:
        butlers = butlers.filter(pk=scope.butler_id)
    serving = Subquery(
        ServicePeriod.objects.active().filter(company_id=OuterRef("company_id")).values("butler_id")[:1]
    )
    none = Cast(Value(None), output_field=FloatField())

    def grouped(rows: QuerySet, tag: str, butler, average=none) -> QuerySet:
        return (
            rows.annotate(tally=Value(tag), tallied_butler=butler)
            .order_by()
            .values("tally", "tallied_butler")
            .annotate(n=Count("pk"), average=average)
            .values_list("tally", "tallied_butler", "n", "average")
        )

    kept = Q(follows__isnull=True) & ~Exists(
        Dispute.objects.filter(case__rating_id=OuterRef("pk"), upheld=True)
    )
    parts = [
        grouped(
            ServicePeriod.objects.active().filter(scope.of_business_type()), "in_service", F("butler_id")
        ),
        grouped(AuditCase.objects.open().filter(scope.of_business_type()), "open_cases", serving),
        grouped(
            MessageThread.objects.filter(scope.of_business_type(), awaiting_window=True), "awaiting", serving
        ),
        grouped(
            Rating.objects.filter(kept, scope.moments("created_at"), scope.of_business_type()).annotate(
                final=Coalesce("follow_up__overall", "overall")
            ),
            "ratings",
            F("butler_id"),
            Cast(Avg("final"), output_field=FloatField()),
        ),
    ]
    counts: dict[str, dict[int, tuple[int, float | None]]] = {
        "in_service": {},
        "open_cases": {},
        "awaiting": {},
        "ratings": {},
    }
    for tally, butler_id, n, average in parts[0].union(*parts[1:], all=True):
        if butler_id is not None:
            counts[tally][butler_id] = (n, average)

    def count(tally: str, butler_id: int) -> int:
        return counts[tally].get(butler_id, (0, None))[0]

    rows = []
    for butler in butlers.order_by("display_name", "pk"):
        ratings, average = counts["ratings"].get(butler.pk, (0, None))
        rows.append(
            WorkloadRow(
                butler,
                count("in_service", butler.pk),
                count("open_cases", butler.pk),
                count("awaiting", butler.pk),
                ratings,
                float(average) if average is not None else None,
            )
        )
    return rows


def series_unit(since: date, until: date) -> str:
    """Weeks for a range shorter than three months, months otherwise."""
    return "week" if since + relativedelta(months=3) > until else "month"


def _buckets(since: date, until: date, unit: str) -> list[date]:
    if unit == "week":
        start, step = since - timedelta(days=since.weekday()), relativedelta(weeks=1)
    else:
        start, step = since.replace(day=1), relativedelta(months=1)
    buckets = []
    while start <= until:
        buckets.append(start)
        start += step
    return buckets


def _series(scope: Scope) -> tuple[list[SeriesPoint], str]:
    """Cards issued and ratings (kept) per month, or per week for a short range: one query, the two grouped
    counts stacked (``UNION ALL``) and told apart by a tag."""
    unit = series_unit(scope.since, scope.until)
    trunc = TruncWeek if unit == "week" else TruncMonth
    periods = _periods(scope)
    ratings_source = _ratings(scope)
    cards = (
        periods.rows.filter(periods.conditions["cards"])
        .annotate(series=Value("cards"), bucket=trunc("start_date"))
        .order_by()
        .values_list("series", "bucket")
        .annotate(n=Count("pk"))
    )
    rated = (
        ratings_source.rows.filter(ratings_source.conditions["ratings"])
        .annotate(series=Value("ratings"), bucket=trunc(TruncDate("created_at")))
        .order_by()
        .values_list("series", "bucket")
        .annotate(n=Count("pk"))
    )
    counts: dict[str, dict] = {"cards": {}, "ratings": {}}
    for kind, bucket, n in cards.union(rated, all=True):
        counts[kind][bucket] = n

    def day(value) -> date:
        return value.date() if isinstance(value, datetime) else value

    cards = {day(k): v for k, v in counts["cards"].items()}
    ratings = {day(k): v for k, v in counts["ratings"].items()}
    points = [
        SeriesPoint(
            start,
            formats.date_format(start, "m-d") if unit == "week" else formats.date_format(start, "Y-m"),
            cards.get(start, 0),
            ratings.get(start, 0),
        )
        for start in _buckets(scope.since, scope.until, unit)
    ]
    return points, unit
