"""The dashboard's filters and the records they select: ``Scope`` (a date range, a butler, a business type)
and, for each kind of record, a source (``_periods``, ``_licences``, ``_ratings``, ``_cases``,
``_suggestions``, ``_threads``, ``_reminders``) that gives the filtered rows with one named condition per
figure. The figures (``butler.oversight.dashboard``), their drill-down lists (``dashboard_drills``) and the
daily figures (``butler.oversight.days``) all count through these conditions, so a figure and the list
behind it always agree; ``_aggregate_together`` counts several sources in one round trip.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db import connection
from django.db.models import (
    Avg,
    CharField,
    Count,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Cast, Coalesce, Concat, TruncDate
from django.utils import timezone

from butler.feedback.models import BAD_STARS, AuditCase, Rating, Suggestion
from butler.messaging.models import MessageThread
from butler.messaging.selectors import OFFICE_HOURS
from butler.service.models import ServicePeriod
from companies.models import Company, CompanyLicence, LicenceStatus, Trip
from companies.workdays import add_working_days, local_midnight
from reminders.models import Reminder

RISK_WORKING_DAYS = 2  # an open audit step due within this many working days is at risk
GOOD_STARS = (3, 4, 5)
# One working day of the window's office hours, in minutes (8:30–12:00 and 13:30–17:00: 420).
WORKING_DAY_MINUTES = sum(
    (datetime.combine(date.min, closes) - datetime.combine(date.min, opens)).seconds // 60
    for opens, closes in OFFICE_HOURS
)
DEFAULT_DAYS = 90


def default_range(today: date | None = None) -> tuple[date, date]:
    """The last 90 days, today included."""
    today = today or timezone.localdate()
    return today - timedelta(days=DEFAULT_DAYS - 1), today


# --- the filters, as conditions on each kind of record ---------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """The dashboard's filters: a date range (local days, both ends included), a butler and a business
    type, and the day taken as today. What the butler filter means depends on the record:

    - service periods: the period's butler; ratings and suggestions: the butler they concern (kept on
      them); audit cases: the butler of the rating or suggestion;
    - licences and message threads: the butler who served the company on the day that counts (issued,
      lapsed, thread started); threads awaiting an answer now: the butler serving the company now;
    - reminders: those about companies the butler served at some time in the range.
    """

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
    # A matter (一件事) is an application, counted once through its first licence, with the trips of the
    # whole application; a licence issued without one is a matter of its own.
    of_matter = Q(application_id=OuterRef("application_id")) | Q(
        application__isnull=True, licence_id=OuterRef("pk")
    )
    has_trip = Exists(Trip.objects.filter(of_matter))
    trips = Trip.objects.filter(of_matter).order_by().annotate(n=Func(F("pk"), function="COUNT")).values("n")
    lead = ~Exists(
        CompanyLicence.objects.filter(application_id=OuterRef("application_id"), pk__lt=OuterRef("pk"))
    )
    # Only licences with one of the figures' dates in the range (indexed), not the whole register.
    dated = (
        scope.days("first_issued_on")
        | scope.days("issued_on")
        | scope.days("expires_on")
        | scope.days("decided_on")
    )
    rows, served = _flagged(
        CompanyLicence.objects.filter(scope.of_business_type(), scope.served_some_time())
        .filter(dated)
        .annotate(
            has_trip=has_trip, trip_count=Subquery(trips, output_field=IntegerField()), matter_lead=lead
        ),
        served_first=scope.served_on("company_id", "first_issued_on"),
        served_issued=scope.served_on("company_id", "issued_on"),
        served_expiry=scope.served_on("company_id", "expires_on"),
        served_decided=scope.served_on("company_id", "decided_on"),
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
            "matters": issued & Q(matter_lead=True),
            "zero_trip": issued & Q(matter_lead=True, has_trip=False),
            # Counted apart: matters the butler filed for the company (帮办代办), refusals (不予许可).
            "by_proxy": issued & Q(matter_lead=True, application__by_proxy=True),
            "refused": Q(status=LicenceStatus.REFUSED) & scope.days("decided_on") & served["served_decided"],
        },
    )


def _ratings(scope: Scope) -> _Source:
    """Each matter once, as first rated in the range, with its final word: the rater's re-rating (追评)
    where there is one. A rating leaves the figures only when the reviewer upheld the window's dispute."""
    # A rating's case and its dispute (one at most) are joined once: every condition reads them from the row.
    set_aside = Q(case__dispute__upheld=True)
    in_range = scope.moments("created_at")
    # Every figure is about ratings in the range: only those rows are read (indexed by time).
    rows = Rating.objects.filter(in_range, scope.of_business_type(), follows__isnull=True).annotate(
        final=Coalesce("follow_up__overall", "overall")
    )
    if scope.butler_id:
        rows = rows.filter(butler_id=scope.butler_id)
    kept = in_range & ~set_aside
    conditions = {
        "ratings": kept,
        "ratings_bad": kept & Q(final__in=BAD_STARS),
        "ratings_good": kept & Q(final__in=GOOD_STARS),
        "ratings_set_aside": in_range & set_aside,
    }
    for stars in range(1, 6):
        conditions[f"stars_{stars}"] = kept & Q(final=stars)
    return _Source(rows, conditions)


def _cases(scope: Scope) -> _Source:
    rows = AuditCase.objects.filter(scope.of_business_type()).annotate(
        rectified_day=TruncDate("rectified_at")
    )
    if scope.butler_id:
        rows = rows.filter(Q(rating__butler_id=scope.butler_id) | Q(suggestion__butler_id=scope.butler_id))
    opened = scope.moments("opened_at")
    # Rates count what is due: a case whose limit (rectify and report back) has passed, or that was done.
    limit_passed = Q(rectify_due__lt=scope.today) & ~Q(step=AuditCase.Step.REVIEW)
    valid = opened & Q(finding=AuditCase.Finding.VALID)
    rectified = valid & Q(rectified_at__isnull=False)
    bad = opened & Q(rating__isnull=False) & ~Q(dispute__upheld=True)
    reported = bad & Q(return_visit_at__isnull=False)
    still_open = ~Q(step=AuditCase.Step.CLOSED)
    return _Source(
        rows,
        {
            "cases_opened": opened,
            "cases_valid": valid & (Q(rectified_at__isnull=False) | limit_passed),
            "cases_rectified": rectified,
            "cases_rectified_on_time": rectified & Q(rectified_day__lte=F("rectify_due")),
            "cases_bad": reported | (bad & limit_passed),
            "cases_return_visited": reported,
            "cases_return_visit_missing": bad & Q(return_visit_at__isnull=True) & limit_passed,
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
