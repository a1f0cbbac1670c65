"""The manager's dashboard: every figure, the lists behind them and the charts' geometry.

Each figure is counted in the database (conditional aggregation, ``Exists`` and subqueries), so the page
costs the same number of queries for ten companies or ten thousand. A figure and its drill-down list use
the same condition (``_Source``), so the list always has as many rows as the figure says.

Filters: a date range (local days, both ends included), a butler and a business type. What the butler
filter means depends on the record:

- service periods: the period's butler; ratings and suggestions: the butler they concern (kept on them);
  audit cases: the butler of the rating or suggestion;
- licences and message threads: the butler who served the company on the day that counts (issued,
  lapsed, thread started); threads awaiting an answer now: the butler serving the company now;
- reminders: those about companies the butler served at some time in the range.

Without a butler chosen, the licence and reminder figures of the range's past days are read from the daily
figures (``DashboardDay``, kept by ``butler.dashboard_days`` for the whole window and for each business type)
and only today is counted live, so the page stays fast with millions of licences and reminders; with a butler,
only that butler's companies are read. The other tables are small enough to count live.
"""

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

from dateutil.relativedelta import relativedelta
from django.db import connection
from django.db.models import (
    Avg,
    CharField,
    Count,
    Exists,
    F,
    FloatField,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Cast, Concat, TruncDate, TruncMonth, TruncWeek
from django.urls import NoReverseMatch, reverse
from django.utils import formats, timezone
from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from butler.messaging import OFFICE_HOURS
from butler.models import (
    BAD_STARS,
    AuditCase,
    Butler,
    DashboardDay,
    MessageThread,
    Rating,
    ServicePeriod,
    Suggestion,
)
from butler.models.figures import FIGURES as DAY_FIGURES
from companies.models import Company, CompanyLicence, LicenceStatus, Trip
from companies.workdays import add_working_days, local_midnight
from reminders.models import Reminder

RISK_WORKING_DAYS = 2  # an open audit step due within this many working days is at risk
SET_ASIDE = (AuditCase.Finding.MISTAKEN, AuditCase.Finding.MALICIOUS)
GOOD_STARS = (3, 4, 5)
# One working day of the window's office hours, in minutes (8:30–12:00 and 13:30–17:00: 420).
WORKING_DAY_MINUTES = sum(
    (datetime.combine(date.min, closes) - datetime.combine(date.min, opens)).seconds // 60
    for opens, closes in OFFICE_HOURS
)
DEFAULT_DAYS = 90


class UnknownFigure(LookupError):
    """No drill-down list has this name."""


def default_range(today: date | None = None) -> tuple[date, date]:
    """The last 90 days, today included."""
    today = today or timezone.localdate()
    return today - timedelta(days=DEFAULT_DAYS - 1), today


def ratio(part: int | float | None, whole: int | float | None) -> float | None:
    """``part / whole``, or None when there is nothing to divide by (shown as "—")."""
    if not whole or part is None:
        return None
    return part / whole


# --- the filters, as conditions on each kind of record ---------------------------------------------------


@dataclass(frozen=True)
class Scope:
    since: date
    until: date
    butler_id: int | None = None
    business_type_id: int | None = None
    today: date = field(default_factory=timezone.localdate)

    @property
    def start(self) -> datetime:
        return local_midnight(self.since)

    @property
    def end(self) -> datetime:
        """The first moment after the range."""
        return local_midnight(self.until + timedelta(days=1))

    def days(self, name: str) -> Q:
        return Q(**{f"{name}__gte": self.since, f"{name}__lte": self.until})

    def moments(self, name: str) -> Q:
        return Q(**{f"{name}__gte": self.start, f"{name}__lt": self.end})

    def of_business_type(self, company: str = "company") -> Q:
        """Records of companies of the chosen business type (a subquery)."""
        if not self.business_type_id:
            return Q()
        typed = Company.business_types.through.objects.filter(businesstype_id=self.business_type_id)
        return Q(**{f"{company}__in": typed.values("company_id")})

    def served_on(self, company: str, day: str) -> Exists | None:
        """The chosen butler served the record's company on the record's day (a period runs from its start
        to the day before it ended; a transfer day belongs to the new butler). None without a butler."""
        if not self.butler_id:
            return None
        periods = ServicePeriod.objects.filter(
            Q(ended_on__isnull=True) | Q(ended_on__gt=OuterRef(day)),
            company_id=OuterRef(company),
            butler_id=self.butler_id,
            start_date__lte=OuterRef(day),
        )
        return Exists(periods)

    def served_now(self, company: str) -> Exists | None:
        if not self.butler_id:
            return None
        periods = ServicePeriod.objects.active().filter(
            company_id=OuterRef(company), butler_id=self.butler_id
        )
        return Exists(periods)

    def served_some_time(self, company: str = "company_id") -> Q:
        """Records of companies the chosen butler served at some time in the range (a subquery of their
        periods): a record served on a day of the range is one of them, so this narrows the rows read to
        the butler's companies before each row's day is checked."""
        if not self.butler_id:
            return Q()
        periods = ServicePeriod.objects.filter(
            Q(ended_on__isnull=True) | Q(ended_on__gt=self.since),
            butler_id=self.butler_id,
            start_date__lte=self.until,
        )
        return Q(**{f"{company}__in": periods.values("company_id")})

    def served_in_range(self) -> Q:
        """Companies (as the outer row) the chosen butler served at some time in the range."""
        if not self.butler_id:
            return Q()
        periods = ServicePeriod.objects.filter(
            Q(ended_on__isnull=True) | Q(ended_on__gt=self.since),
            company_id=OuterRef("pk"),
            butler_id=self.butler_id,
            start_date__lte=self.until,
        )
        return Q(Exists(periods))

    @property
    def risk_day(self) -> date:
        return add_working_days(self.today, RISK_WORKING_DAYS)


def _flagged(rows: QuerySet, **flags: Exists | None) -> tuple[QuerySet, dict[str, Q]]:
    """Annotate each flag (an ``Exists``) and give the condition that it holds; an absent flag holds for
    every row. Flags are annotations, not filters inside the aggregates, so that an aggregate over an
    annotated queryset (which Django wraps in a subquery) can still read them."""
    conditions = {}
    for name, expression in flags.items():
        if expression is None:
            conditions[name] = Q()
        else:
            rows = rows.annotate(**{name: expression})
            conditions[name] = Q(**{name: True})
    return rows, conditions


@dataclass(frozen=True)
class _Source:
    """One kind of record under the filters: the base queryset and the named conditions on it."""

    rows: QuerySet
    conditions: dict[str, Q]


def _periods(scope: Scope) -> _Source:
    rows = ServicePeriod.objects.filter(scope.of_business_type())
    if scope.butler_id:
        rows = rows.filter(butler_id=scope.butler_id)
    return _Source(
        rows,
        {"in_service": Q(status=ServicePeriod.Status.ACTIVE), "cards": scope.days("start_date")},
    )


def _licences(scope: Scope) -> _Source:
    has_trip = Exists(Trip.objects.filter(licence_id=OuterRef("pk")))
    trips = (
        Trip.objects.filter(licence_id=OuterRef("pk"))
        .order_by()
        .annotate(n=Func(F("pk"), function="COUNT"))
        .values("n")
    )
    # Only licences with one of the figures' dates in the range (indexed), not the whole register.
    dated = scope.days("first_issued_on") | scope.days("issued_on") | scope.days("expires_on")
    rows, served = _flagged(
        CompanyLicence.objects.filter(scope.of_business_type(), scope.served_some_time())
        .filter(dated)
        .annotate(has_trip=has_trip, trip_count=Subquery(trips, output_field=IntegerField())),
        served_first=scope.served_on("company_id", "first_issued_on"),
        served_issued=scope.served_on("company_id", "issued_on"),
        served_expiry=scope.served_on("company_id", "expires_on"),
    )
    obtained = scope.days("first_issued_on") & served["served_first"]
    issued = scope.days("issued_on") & served["served_issued"]
    return _Source(
        rows,
        {
            "obtained": obtained,
            "on_time": obtained & (Q(obtain_by__isnull=True) | Q(first_issued_on__lte=F("obtain_by"))),
            "late": obtained & Q(obtain_by__isnull=False, first_issued_on__gt=F("obtain_by")),
            "lapsed": Q(status=LicenceStatus.EXPIRED) & scope.days("expires_on") & served["served_expiry"],
            "issued": issued,
            "zero_trip": issued & Q(has_trip=False),
        },
    )


def _ratings(scope: Scope) -> _Source:
    # A rating's case (one at most) is joined once, so every condition reads its finding from the row.
    set_aside = Q(case__finding__in=SET_ASIDE)
    in_range = scope.moments("created_at")
    # Every figure is about ratings in the range: only those rows are read (indexed by time).
    rows = Rating.objects.filter(in_range, scope.of_business_type())
    if scope.butler_id:
        rows = rows.filter(butler_id=scope.butler_id)
    kept = in_range & ~set_aside
    conditions = {
        "ratings": kept,
        "ratings_bad": kept & Q(overall__in=BAD_STARS),
        "ratings_good": kept & Q(overall__in=GOOD_STARS),
        "ratings_set_aside": in_range & set_aside,
    }
    for stars in range(1, 6):
        conditions[f"stars_{stars}"] = kept & Q(overall=stars)
    return _Source(rows, conditions)


def _cases(scope: Scope) -> _Source:
    rows = AuditCase.objects.filter(scope.of_business_type()).annotate(
        rectified_day=TruncDate("rectified_at")
    )
    if scope.butler_id:
        rows = rows.filter(Q(rating__butler_id=scope.butler_id) | Q(suggestion__butler_id=scope.butler_id))
    opened = scope.moments("opened_at")
    valid = opened & Q(finding=AuditCase.Finding.VALID)
    rectified = valid & Q(rectified_at__isnull=False)
    bad = opened & Q(rating__isnull=False) & ~Q(finding__in=SET_ASIDE)
    still_open = ~Q(step=AuditCase.Step.CLOSED)
    return _Source(
        rows,
        {
            "cases_opened": opened,
            "cases_valid": valid,
            "cases_rectified": rectified,
            "cases_rectified_on_time": rectified & Q(rectified_day__lte=F("rectify_due")),
            "cases_bad": bad,
            "cases_return_visited": bad & Q(return_visit_at__isnull=False),
            "cases_return_visit_missing": bad & Q(return_visit_at__isnull=True),
            "cases_at_risk": still_open & Q(step_due__gte=scope.today, step_due__lte=scope.risk_day),
            "cases_overdue": still_open & Q(step_due__lt=scope.today),
        },
    )


def _suggestions(scope: Scope) -> _Source:
    rows = Suggestion.objects.filter(scope.of_business_type())
    if scope.butler_id:
        rows = rows.filter(butler_id=scope.butler_id)
    return _Source(rows, {"suggestions": scope.moments("created_at")})


def _threads(scope: Scope) -> _Source:
    rows, served = _flagged(
        MessageThread.objects.filter(scope.of_business_type()).annotate(created_day=TruncDate("created_at")),
        served_then=scope.served_on("company_id", "created_day"),
        served_now=scope.served_now("company_id"),
    )
    started = scope.moments("created_at") & served["served_then"]
    answered = started & Q(first_response_minutes__isnull=False)
    return _Source(
        rows,
        {
            "threads_answered": answered,
            "threads_within_day": answered & Q(first_response_minutes__lte=WORKING_DAY_MINUTES),
            "threads_awaiting": Q(awaiting_window=True) & served["served_now"],
        },
    )


def _reminders(scope: Scope) -> QuerySet:
    """Reminders scheduled in the range, as the delivery page counts them (``delivery_counts``); with a
    butler or business type, only those about the filtered companies (``company:<id>`` scopes). Only sent
    and failed ones: every figure counts one or the other, and the (status, time) index finds just them."""
    rows = Reminder.objects.filter(
        scope.moments("scheduled_at"), status__in=(Reminder.Status.SENT, Reminder.Status.FAILED)
    )
    if scope.butler_id or scope.business_type_id:
        companies = (
            Company.objects.filter(scope.of_business_type("pk"), scope.served_in_range())
            .annotate(scope_key=Concat(Value("company:"), Cast("pk", output_field=CharField())))
            .values("scope_key")
        )
        rows = rows.filter(scope__in=companies)
    return rows


def _counts(source: _Source, **extra) -> dict:
    """The aggregates of one source: how many rows meet each condition (and any extra aggregates)."""
    return {name: Count("pk", filter=condition) for name, condition in source.conditions.items()} | extra


def _aggregate_together(parts: dict[str, tuple[QuerySet, dict]]) -> dict[str, dict]:
    """Several one-row aggregates over different tables in one round trip.

    Each part (rows and their aggregates) is compiled by the ORM as a SELECT of aggregates with no GROUP BY,
    which always yields exactly one row; the parts are then selected side by side
    (``SELECT * FROM (…) AS a, (…) AS b``) and the row split back into a dict per part.
    """
    selects, params, names = [], [], []
    for key, (rows, aggregates) in parts.items():
        named = {f"{key}__{name}": expression for name, expression in aggregates.items()}
        query = rows.order_by().annotate(_one=Value(1)).values("_one").annotate(**named).values(*named)
        sql, part_params = query.query.sql_with_params()
        selects.append(f"({sql}) AS {key}")
        params.extend(part_params)
        names.extend((key, name, aggregates[name]) for name in aggregates)
    with connection.cursor() as cursor:
        # The parts are the ORM's own SQL with their parameters kept apart; the keys are this module's names.
        cursor.execute("SELECT * FROM " + ", ".join(selects), params)  # noqa: S608 - no user text in the SQL
        row = cursor.fetchone()
    results: dict[str, dict] = {key: {} for key in parts}
    for (key, name, expression), value in zip(names, row, strict=True):
        if value is not None and isinstance(expression, Avg):
            value = float(value)  # PostgreSQL's AVG of integers is numeric
        results[key][name] = value
    return results


# --- the figures -----------------------------------------------------------------------------------------


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
                    trips=Sum("trip_count", filter=licence_source.conditions["issued"], default=0),
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
                _counts(rating_source, average=Avg("overall", filter=rating_source.conditions["ratings"])),
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
        }
    )
    periods = counted["in_service"] | counted["cards"]
    licences, reminders = counted["licences"], counted["reminders"]
    if past:
        for name in ("obtained", "on_time", "late", "lapsed"):
            licences[name] += past[f"licences_{name}"]
        licences["issued"] += past["matters"]
        licences["trips"] += past["trips"]
        licences["zero_trip"] += past["zero_trip"]
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
        matters=licences["issued"],
        trips=licences["trips"],
        zero_trip=licences["zero_trip"],
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

    kept = ~Exists(AuditCase.objects.filter(rating_id=OuterRef("pk"), finding__in=SET_ASIDE))
    parts = [
        grouped(
            ServicePeriod.objects.active().filter(scope.of_business_type()), "in_service", F("butler_id")
        ),
        grouped(AuditCase.objects.open().filter(scope.of_business_type()), "open_cases", serving),
        grouped(
            MessageThread.objects.filter(scope.of_business_type(), awaiting_window=True), "awaiting", serving
        ),
        grouped(
            Rating.objects.filter(kept, scope.moments("created_at"), scope.of_business_type()),
            "ratings",
            F("butler_id"),
            Cast(Avg("overall"), output_field=FloatField()),
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


# --- what the page and the export show ---------------------------------------------------------------


@dataclass
class Figure:
    key: str
    label: str | Promise
    value: int | float | None
    definition: str | Promise
    kind: str = "count"  # count, rate (0–1), decimal, minutes
    drill: str = ""
    unit: str | Promise = ""
    tone: str = ""  # "danger", "warning", "success" or ""
    target: str | Promise = ""

    url: str = ""  # the list behind it (set by the view)

    @property
    def display(self) -> str:
        """The value as the page shows it; "—" when a rate has nothing to divide by."""
        if self.value is None:
            return "—"
        if self.kind == "rate":
            return percent(self.value)
        if self.kind == "decimal":
            return formats.number_format(self.value, 2)
        if self.kind == "minutes":
            return formats.number_format(round(self.value), 0, force_grouping=True)
        return formats.number_format(self.value, 0, force_grouping=True)

    @property
    def export_value(self):
        """The value in a spreadsheet: a number (rates in percent, one decimal), "—" for none."""
        if self.value is None:
            return "—"
        if self.kind == "rate":
            return round(self.value * 100, 1)
        if self.kind in ("decimal", "minutes"):
            return round(self.value, 2)
        return self.value

    @property
    def export_label(self) -> str:
        return f"{self.label} (%)" if self.kind == "rate" else str(self.label)


@dataclass
class FigureGroup:
    key: str
    title: str | Promise
    icon: str
    figures: list[Figure]


def figure_groups(board: Dashboard) -> list[FigureGroup]:
    """The dashboard's figures in the order the page shows them, each with its definition."""
    d = board
    return [
        FigureGroup(
            "service",
            _("Butler service"),
            "bi-person-badge",
            [
                Figure(
                    "in_service",
                    _("Companies in service"),
                    d.in_service,
                    _("Service periods in service now (not limited to the date range)."),
                    drill="in_service",
                ),
                Figure(
                    "cards",
                    _("Service cards issued"),
                    d.cards_issued,
                    _("Service periods that started in the range; a transfer issues a new card."),
                    drill="cards",
                ),
            ],
        ),
        FigureGroup(
            "licences",
            _("Licences"),
            "bi-file-earmark-check",
            [
                Figure(
                    "licences_obtained",
                    _("Licences obtained"),
                    d.licences_obtained,
                    _("Licences first issued in the range."),
                    drill="licences_obtained",
                ),
                Figure(
                    "licences_on_time",
                    _("Obtained on time"),
                    d.licences_on_time,
                    _("First issued on or before the deadline to obtain it (or with no deadline)."),
                    drill="licences_on_time",
                    tone="success" if d.licences_on_time else "",
                ),
                Figure(
                    "licences_late",
                    _("Obtained late"),
                    d.licences_late,
                    _("First issued after the deadline to obtain it."),
                    drill="licences_late",
                    tone="warning" if d.licences_late else "",
                ),
                Figure(
                    "on_time_rate",
                    _("On-time rate"),
                    d.on_time_rate,
                    _("Obtained on time ÷ licences obtained."),
                    kind="rate",
                ),
                Figure(
                    "licences_lapsed",
                    _("Licences lapsed"),
                    d.licences_lapsed,
                    _("Licences expired without renewal whose expiry date is in the range."),
                    drill="licences_lapsed",
                    tone="danger" if d.licences_lapsed else "",
                ),
                Figure(
                    "trips_per_matter",
                    _("Trips per matter"),
                    d.trips_per_matter,
                    _("Trips to the window for the licences issued in the range ÷ those licences."),
                    kind="decimal",
                    drill="licences_issued",
                ),
                Figure(
                    "zero_trip_share",
                    _("Zero-trip share"),
                    d.zero_trip_share,
                    _("Share of the licences issued in the range for which the company made no trip."),
                    kind="rate",
                    drill="licences_zero_trip",
                ),
            ],
        ),
        FigureGroup(
            "reminders",
            _("Reminders"),
            "bi-bell",
            [
                Figure(
                    "reminders_sent",
                    _("Reminders sent"),
                    d.reminders_sent,
                    _("Reminders scheduled in the range that were sent (any channel)."),
                    drill="reminders_sent",
                ),
                Figure(
                    "reminders_late",
                    _("Sent late"),
                    d.reminders_late,
                    _("Of those sent, sent after their time (e.g. after downtime)."),
                    drill="reminders_late",
                    tone="warning" if d.reminders_late else "",
                ),
                Figure(
                    "reminders_failed",
                    _("Failed"),
                    d.reminders_failed,
                    _("Reminders scheduled in the range that could not be delivered after every retry."),
                    drill="reminders_failed",
                    tone="danger" if d.reminders_failed else "",
                ),
            ],
        ),
        FigureGroup(
            "ratings",
            _("Ratings"),
            "bi-star-half",
            [
                Figure(
                    "ratings",
                    _("Ratings"),
                    d.ratings,
                    _("Ratings given in the range, except those set aside as mistaken or malicious."),
                    drill="ratings",
                ),
                Figure(
                    "satisfaction_rate",
                    _("Satisfaction rate"),
                    d.satisfaction_rate,
                    _("Ratings of ★3–5 ÷ all ratings."),
                    kind="rate",
                    drill="ratings_good",
                ),
                Figure(
                    "bad_rate",
                    _("Bad-rating rate"),
                    d.bad_rate,
                    _("Ratings of ★1–2 ÷ all ratings."),
                    kind="rate",
                    drill="ratings_bad",
                    tone="danger" if d.ratings_bad else "",
                ),
                Figure(
                    "rating_average",
                    _("Average rating"),
                    d.rating_average,
                    _("Average of the overall stars (1–5)."),
                    kind="decimal",
                    unit="★",
                ),
                Figure(
                    "ratings_set_aside",
                    _("Set aside as mistaken or malicious"),
                    d.ratings_set_aside,
                    _("Ratings in the range that the audit found mistaken or malicious; not counted above."),
                    drill="ratings_set_aside",
                ),
            ],
        ),
        FigureGroup(
            "audit",
            _("Audit of feedback"),
            "bi-clipboard-check",
            [
                Figure(
                    "cases_opened",
                    _("Cases opened"),
                    d.cases_opened,
                    _("Audit cases opened in the range (every bad rating and every suggestion)."),
                    drill="cases_opened",
                ),
                Figure(
                    "rectification_rate",
                    _("Rectification rate"),
                    d.rectification_rate,
                    _("Valid cases rectified ÷ cases found valid (cases opened in the range)."),
                    kind="rate",
                    drill="cases_rectified",
                ),
                Figure(
                    "on_time_rectification_rate",
                    _("Rectified on time"),
                    d.on_time_rectification_rate,
                    _("Rectified on or before the day set for it ÷ cases rectified."),
                    kind="rate",
                    drill="cases_rectified",
                ),
                Figure(
                    "return_visit_rate",
                    _("Return-visit rate"),
                    d.return_visit_rate,
                    _(
                        "Bad ratings visited again ÷ bad ratings opened in the range, except those set "
                        "aside as mistaken or malicious."
                    ),
                    kind="rate",
                    drill="cases_return_visit_missing",
                    target=_("national target 100%"),
                    tone="success"
                    if d.return_visit_rate == 1
                    else ("danger" if d.return_visit_rate is not None else ""),
                ),
                Figure(
                    "cases_at_risk",
                    _("Deadlines at risk"),
                    d.cases_at_risk,
                    _("Open cases whose current step is due within %(days)s working days (from today).")
                    % {"days": RISK_WORKING_DAYS},
                    drill="cases_at_risk",
                    tone="warning" if d.cases_at_risk else "",
                ),
                Figure(
                    "cases_overdue",
                    _("Overdue steps"),
                    d.cases_overdue,
                    _("Open cases whose current step is past its deadline now."),
                    drill="cases_overdue",
                    tone="danger" if d.cases_overdue else "",
                ),
            ],
        ),
        FigureGroup(
            "suggestions",
            _("Suggestions"),
            "bi-lightbulb",
            [
                Figure(
                    "suggestions",
                    _("Suggestions"),
                    d.suggestions_total,
                    _("Suggestions made in the range, on the portal or recorded by a butler."),
                    drill="suggestions",
                ),
            ],
        ),
        FigureGroup(
            "messages",
            _("Messages"),
            "bi-chat-dots",
            [
                Figure(
                    "response_median",
                    _("Median first response"),
                    d.response_median,
                    _("The middle first-response time of threads a company started in the range."),
                    kind="minutes",
                    unit=_("working min"),
                    drill="threads_answered",
                ),
                Figure(
                    "response_average",
                    _("Average first response"),
                    d.response_average,
                    _("Working minutes count office hours on working days only."),
                    kind="minutes",
                    unit=_("working min"),
                ),
                Figure(
                    "within_day_share",
                    _("Answered within one working day"),
                    d.within_day_share,
                    _("Of the threads answered, those answered within %(minutes)s working minutes.")
                    % {"minutes": WORKING_DAY_MINUTES},
                    kind="rate",
                ),
                Figure(
                    "threads_awaiting",
                    _("Awaiting an answer now"),
                    d.threads_awaiting,
                    _("Threads whose last message is the company's, not yet answered (now)."),
                    drill="threads_awaiting",
                    tone="warning" if d.threads_awaiting else "",
                ),
            ],
        ),
    ]


# --- the lists behind the figures ------------------------------------------------------------------------


@dataclass(frozen=True)
class Drill:
    source: Callable[[Scope], _Source]
    condition: str
    title: str | Promise
    kind: str  # periods, licences, ratings, cases, suggestions, threads


DRILLS: dict[str, Drill] = {
    "in_service": Drill(_periods, "in_service", _("Companies in service"), "periods"),
    "cards": Drill(_periods, "cards", _("Service cards issued"), "periods"),
    "licences_obtained": Drill(_licences, "obtained", _("Licences obtained"), "licences"),
    "licences_on_time": Drill(_licences, "on_time", _("Licences obtained on time"), "licences"),
    "licences_late": Drill(_licences, "late", _("Licences obtained late"), "licences"),
    "licences_lapsed": Drill(_licences, "lapsed", _("Licences lapsed"), "licences"),
    "licences_issued": Drill(_licences, "issued", _("Licences issued, with their trips"), "licences"),
    "licences_zero_trip": Drill(_licences, "zero_trip", _("Licences issued with no trip"), "licences"),
    "ratings": Drill(_ratings, "ratings", _("Ratings"), "ratings"),
    "ratings_good": Drill(_ratings, "ratings_good", _("Satisfied ratings (★3–5)"), "ratings"),
    "ratings_bad": Drill(_ratings, "ratings_bad", _("Bad ratings (★1–2)"), "ratings"),
    "ratings_set_aside": Drill(
        _ratings, "ratings_set_aside", _("Ratings set aside as mistaken or malicious"), "ratings"
    ),
    **{
        f"stars_{stars}": Drill(
            _ratings, f"stars_{stars}", format_lazy(_("Ratings of ★{stars}"), stars=stars), "ratings"
        )
        for stars in range(1, 6)
    },
    "cases_opened": Drill(_cases, "cases_opened", _("Audit cases opened"), "cases"),
    "cases_rectified": Drill(_cases, "cases_rectified", _("Cases rectified"), "cases"),
    "cases_return_visited": Drill(_cases, "cases_return_visited", _("Bad ratings visited again"), "cases"),
    "cases_return_visit_missing": Drill(
        _cases, "cases_return_visit_missing", _("Bad ratings not yet visited again"), "cases"
    ),
    "cases_at_risk": Drill(_cases, "cases_at_risk", _("Audit deadlines at risk"), "cases"),
    "cases_overdue": Drill(_cases, "cases_overdue", _("Audit steps overdue"), "cases"),
    "suggestions": Drill(_suggestions, "suggestions", _("Suggestions"), "suggestions"),
    "threads_answered": Drill(_threads, "threads_answered", _("Threads answered"), "threads"),
    "threads_awaiting": Drill(_threads, "threads_awaiting", _("Threads awaiting an answer"), "threads"),
}
# Reminders have their own page (the manager's delivery page), where failed ones can be sent again.
REMINDER_DRILLS = {"reminders_sent": "sent", "reminders_late": "late", "reminders_failed": "failed"}

_RELATED = {
    "periods": (("company", "butler"), ("-start_date", "-pk")),
    "licences": (
        ("company", "licence_type", "vehicle", "person", "vessel"),
        ("-issued_on", "-first_issued_on", "-expires_on", "-pk"),
    ),
    "ratings": (("company", "butler", "case", "licence__licence_type"), ("-created_at", "-pk")),
    "cases": (("company", "concerns", "rating", "suggestion"), ("step_due", "-opened_at", "-pk")),
    "suggestions": (("company", "butler", "case"), ("-created_at", "-pk")),
    "threads": (("company",), ("last_message_at", "pk")),
}


def drill_rows(
    figure: str,
    *,
    since: date,
    until: date,
    butler_id: int | None = None,
    business_type_id: int | None = None,
    today: date | None = None,
    category: str = "",
) -> QuerySet:
    """The records behind a figure, under the same filters; ``UnknownFigure`` for a name we do not know."""
    drill = DRILLS.get(figure)
    if drill is None:
        raise UnknownFigure(figure)
    scope = Scope(since, until, butler_id, business_type_id, today or timezone.localdate())
    source = drill.source(scope)
    rows = source.rows.filter(source.conditions[drill.condition])
    if drill.kind == "suggestions" and category in Suggestion.Category.values:
        rows = rows.filter(category=category)
    related, ordering = _RELATED[drill.kind]
    return rows.select_related(*related).order_by(*ordering)


@dataclass
class Cell:
    text: object
    url: str = ""
    wrap: bool = False  # names and texts may wrap; dates, numbers and stars stay on one line


def _url(name: str, pk: int) -> str:
    """The object's page, or "" if that page does not exist (yet)."""
    try:
        return reverse(name, args=[pk])
    except NoReverseMatch:
        return ""


def _case_url(case_id: int | None, company_id: int) -> str:
    return (_url("audit:case", case_id) if case_id else "") or _url("companies:detail", company_id)


def _company(row) -> Cell:
    return Cell(row.company.name, _url("companies:detail", row.company_id), wrap=True)


def _day(value) -> str:
    return formats.date_format(value, "Y-m-d") if value else "—"


def _moment(value) -> str:
    return formats.date_format(timezone.localtime(value), "Y-m-d H:i") if value else "—"


def _stars(value) -> str:
    return "★" * value + "☆" * (5 - value) if value else "—"


def _trips(row) -> str:
    return str(row.trip_count or 0)


DRILL_COLUMNS: dict[str, list[tuple[Promise, Callable]]] = {
    "periods": [
        (_("Company"), _company),
        (_("Butler"), lambda r: r.butler.display_name),
        (_("Card number"), lambda r: r.card_number),
        (_("Start"), lambda r: _day(r.start_date)),
        (_("End"), lambda r: _day(r.ended_on or r.end_date)),
        (_("Status"), lambda r: r.get_status_display()),
    ],
    "licences": [
        (_("Licence"), lambda r: Cell(str(r), _url("licences:detail", r.pk), wrap=True)),
        (_("Company"), _company),
        (_("Status"), lambda r: r.get_status_display()),
        (_("Obtain by"), lambda r: _day(r.obtain_by)),
        (_("First issued"), lambda r: _day(r.first_issued_on)),
        (_("Expires"), lambda r: _day(r.expires_on)),
        (_("Trips"), _trips),
    ],
    "ratings": [
        (_("Rated at"), lambda r: _moment(r.created_at)),
        (_("Company"), _company),
        (_("What is rated"), lambda r: r.get_kind_display()),
        (_("Butler"), lambda r: r.butler.display_name if r.butler else "—"),
        (_("Overall"), lambda r: _stars(r.overall)),
        (
            _("Audit case"),
            lambda r: (
                Cell(r.case.number, _case_url(r.case.pk, r.company_id)) if getattr(r, "case", None) else "—"
            ),
        ),
        (_("Comment"), lambda r: Cell(r.comment or "—", wrap=True)),
    ],
    "cases": [
        (_("Case"), lambda r: Cell(r.number, _case_url(r.pk, r.company_id))),
        (_("Company"), _company),
        (
            _("About"),
            lambda r: _stars(r.rating.overall) if r.rating_id else r.suggestion.get_category_display(),
        ),
        (_("Opened"), lambda r: _moment(r.opened_at)),
        (_("Next step"), lambda r: r.get_step_display()),
        (_("Step due"), lambda r: _day(r.step_due)),
        (_("Finding"), lambda r: r.get_finding_display() or "—"),
        (_("Rectified"), lambda r: _moment(r.rectified_at)),
        (_("Return visit"), lambda r: _moment(r.return_visit_at)),
    ],
    "suggestions": [
        (_("Submitted at"), lambda r: _moment(r.created_at)),
        (_("Company"), _company),
        (_("Category"), lambda r: r.get_category_display()),
        (_("Source"), lambda r: r.get_source_display()),
        (_("Butler in service"), lambda r: r.butler.display_name if r.butler else "—"),
        (
            _("Suggestion"),
            lambda r: Cell(
                r.text[:120],
                _case_url(r.case.pk, r.company_id) if getattr(r, "case", None) else "",
                wrap=True,
            ),
        ),
    ],
    "threads": [
        (_("Subject"), lambda r: Cell(r.subject, _url("messages:thread", r.pk), wrap=True)),
        (_("Company"), _company),
        (_("Started"), lambda r: _moment(r.created_at)),
        (_("Last message"), lambda r: _moment(r.last_message_at)),
        (
            _("First response (working min)"),
            lambda r: r.first_response_minutes if r.first_response_minutes is not None else "—",
        ),
    ],
}


def drill_table(figure: str, rows) -> tuple[list, list[list[Cell]]]:
    """Headers and cells for the rows of a drill-down page (rows already loaded)."""
    columns = DRILL_COLUMNS[DRILLS[figure].kind]
    cells = []
    for row in rows:
        line = []
        for _header, value in columns:
            cell = value(row)
            line.append(cell if isinstance(cell, Cell) else Cell(cell))
        cells.append(line)
    return [header for header, _value in columns], cells


# --- export ----------------------------------------------------------------------------------------------


def export_rows(board: Dashboard) -> list[list]:
    """The figures as (figure, value) rows, then a blank row and the workload table with its header."""
    from django.utils.translation import gettext

    rows: list[list] = [
        [gettext("Date range"), f"{board.scope.since:%Y-%m-%d} – {board.scope.until:%Y-%m-%d}"],
    ]
    for group in figure_groups(board):
        for figure in group.figures:
            rows.append([f"{group.title} · {figure.export_label}", figure.export_value])
        if group.key == "ratings":
            for stars in range(5, 0, -1):
                rows.append([f"{group.title} · ★{stars}", board.stars[stars]])
        if group.key == "suggestions":
            for row in board.suggestions:
                rows.append([f"{group.title} · {row.label}", row.count])
    rows.append([])
    rows.append(
        [
            gettext("Butler"),
            gettext("Companies in service"),
            gettext("Open audit cases"),
            gettext("Threads awaiting an answer"),
            gettext("Ratings"),
            gettext("Average rating"),
        ]
    )
    for w in board.workload:
        average = round(w.rating_average, 2) if w.rating_average is not None else "—"
        rows.append([w.butler.display_name, w.in_service, w.open_cases, w.awaiting, w.ratings, average])
    return rows


# --- charts (server-drawn SVG; geometry here, drawing in the partials) ------------------------------------


def percent(value: float | None) -> str:
    from butler.templatetags.butler_tags import percent as shown

    return shown(value)


@dataclass
class Bar:
    label: str
    value: int
    share: float | None
    y: float  # top of the bar
    mid: float  # the middle of the row, where the texts sit
    width: float
    value_x: float  # where the value is written: after the bar
    css: str = ""
    url: str = ""

    @property
    def share_display(self) -> str:
        return percent(self.share)


@dataclass
class BarChart:
    """Horizontal bars, one per row, in a viewBox ``width`` × ``height``; labels right-aligned at
    ``label_x``, bars from ``bar_x`` on a track ``track_width`` wide."""

    bars: list[Bar]
    width: int
    height: int
    label_x: int
    bar_x: int
    track_width: int
    bar_height: int
    total: int


def bar_chart(rows: list[tuple[str, int, str, str]], *, label_width: int = 130) -> BarChart:
    """``rows``: (label, value, css class, link). Bars are scaled to the largest value."""
    width, row_height, bar_height, value_room = 560, 34, 20, 92
    top = max((value for _label, value, _css, _url in rows), default=0)
    total = sum(value for _label, value, _css, _url in rows)
    track = width - label_width - value_room
    bars = []
    for n, (label, value, css, url) in enumerate(rows):
        bar_width = round(track * value / top, 1) if top else 0
        y = n * row_height + (row_height - bar_height) / 2
        bars.append(
            Bar(
                label=str(label),
                value=value,
                share=ratio(value, total),
                y=y,
                mid=y + bar_height / 2,
                width=bar_width,
                value_x=label_width + bar_width + 6,
                css=css,
                url=url,
            )
        )
    return BarChart(
        bars, width, row_height * len(rows), label_width - 8, label_width, track, bar_height, total
    )


@dataclass
class Column:
    x: float
    y: float
    height: float
    value: int
    css: str
    mid: float = 0  # the column's centre, where its value is written


@dataclass
class ColumnGroup:
    label: str
    show_label: bool
    center: float
    columns: list[Column]


@dataclass
class ColumnChart:
    """Grouped columns over time, one group per month or week, in a viewBox ``width`` × ``height``."""

    groups: list[ColumnGroup]
    series: list[tuple[str, str]]  # (name, css class)
    ticks: list[tuple[float, int]]  # (y, value) of the horizontal grid lines
    width: int
    height: int
    left: int
    right: int
    bottom: float
    column_width: float
    show_values: bool

    @property
    def label_y(self) -> float:
        return self.bottom + 18


SERIES_CSS = ("col-series-1", "col-series-2")


def column_chart(points: list[SeriesPoint], series: list[str]) -> ColumnChart:
    """Cards issued and ratings per bucket, side by side, over a grid of four steps."""
    width, height, left, right, top, bottom_margin = 760, 250, 44, 752, 16, 30
    bottom = height - bottom_margin
    plot_height = bottom - top
    values = [(p.cards, p.ratings) for p in points]
    top_value = max((max(pair) for pair in values), default=0)
    step = _nice_step(top_value)
    scale_top = step * max(1, -(-top_value // step))
    slot = (right - left) / max(len(points), 1)
    column_width = min(slot * 0.36, 26)
    every = max(1, -(-len(points) // 12))  # at most about twelve labels under the axis
    groups = []
    for n, (point, pair) in enumerate(zip(points, values, strict=True)):
        center = left + slot * (n + 0.5)
        columns = []
        for k, value in enumerate(pair):
            h = plot_height * value / scale_top
            x = center - column_width - 1 + k * (column_width + 2)
            columns.append(
                Column(
                    x=round(x, 1),
                    y=round(bottom - h, 1),
                    height=round(h, 1),
                    value=value,
                    css=SERIES_CSS[k],
                    mid=round(x + column_width / 2, 1),
                )
            )
        groups.append(ColumnGroup(point.label, n % every == 0, round(center, 1), columns))
    ticks = [
        (round(bottom - plot_height * value / scale_top, 1), value) for value in range(0, scale_top + 1, step)
    ]
    return ColumnChart(
        groups,
        list(zip(series, SERIES_CSS, strict=False)),
        ticks,
        width,
        height,
        left,
        right,
        bottom,
        round(column_width, 1),
        show_values=len(points) <= 16,
    )


def _nice_step(top: int) -> int:
    """A round grid step (1, 2 or 5 times a power of ten) so that at most five steps reach ``top``."""
    raw = max(top, 1) / 5
    magnitude = 10 ** (len(str(int(raw))) - 1) if raw >= 1 else 1
    for factor in (1, 2, 5, 10):
        if raw <= factor * magnitude:
            return factor * magnitude
    return 10 * magnitude
