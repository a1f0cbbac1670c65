"""A butler's portfolio, past periods and the Today page."""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Count, Max, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone

from butler.contactlog.models import ContactRecord
from butler.messaging.models import MessageThread
from butler.service.models import Butler, ReminderRule, ServicePeriod
from companies.models import Company, Contact, Obligation, Trip
from companies.selectors import Risk, with_lapse_risk

PORTFOLIO_SORTS = {
    "risk": ("-risk_level", "-risk_overdue", "end_date", "company__name"),
    "days_left": ("end_date", "company__name"),
    "-days_left": ("-end_date", "company__name"),
    "name": ("company__name",),
    "start": ("-start_date", "company__name"),
}


def _with_company(periods: QuerySet) -> QuerySet:
    # Not the butler: these are one butler's periods, and 300 copies of them cost more than they tell.
    return periods.select_related("company").prefetch_related(
        Prefetch("company__business_types", to_attr="business_type_list"),
        Prefetch(
            "company__contacts", queryset=Contact.objects.filter(is_primary=True), to_attr="primary_contacts"
        ),
    )


def portfolio_for(
    butler: Butler, *, search: str = "", sort: str = "risk", today: date | None = None
) -> QuerySet:
    """The butler's companies in service with their lapse risk; the most at risk first by default."""
    periods = ServicePeriod.objects.active().filter(butler=butler)
    if search.strip():
        periods = periods.filter(company__in=Company.objects.search(search))
    periods = with_lapse_risk(periods, today=today, prefix="company__licences__")
    return _with_company(periods.order_by(*PORTFOLIO_SORTS.get(sort, PORTFOLIO_SORTS["risk"])))


def count_ending_within(periods, *, days: int, today: date) -> int:
    return sum(1 for period in periods if period.is_active and period.days_left(today) <= days)


def past_periods_for(butler: Butler) -> QuerySet:
    """The butler's ended periods with their company (the list shows its name only)."""
    return (
        ServicePeriod.objects.filter(butler=butler)
        .exclude(status=ServicePeriod.Status.ACTIVE)
        .select_related("company")
    )


@dataclass
class Today:
    """What a butler has to act on today across the portfolio, each item one click from its action."""

    at_risk: list
    return_visits: list
    unanswered: list
    not_contacted: list
    ending: list
    no_contact_days: int
    fleet: list = field(default_factory=list)  # companies whose vehicles or people have obligations due

    @property
    def count(self) -> int:
        return sum(
            len(items)
            for items in (
                self.at_risk,
                self.return_visits,
                self.unanswered,
                self.not_contacted,
                self.ending,
                self.fleet,
            )
        )


def today_for(butler: Butler, *, today: date | None = None, ending_within: int = 14) -> Today:
    """The butler's day, in a fixed number of queries whatever the portfolio's size."""
    today = today or timezone.localdate()
    rule = ReminderRule.objects.filter(
        kind=ReminderRule.Kind.NO_CONTACT, licence_type=None, active=True
    ).first()
    no_contact_days = min((-offset for offset in rule.offsets), default=30) if rule else 30
    last_trip = (
        Trip.objects.filter(licence__company=OuterRef("company"))
        .values("licence__company")
        .annotate(last=Max("date"))
        .values("last")
    )
    last_record = (
        ContactRecord.objects.filter(company=OuterRef("company"))
        .values("company")
        .annotate(last=Max("occurred_at"))
        .values("last")
    )
    periods = list(
        with_lapse_risk(
            ServicePeriod.objects.active().filter(butler=butler), today=today, prefix="company__licences__"
        )
        .annotate(last_trip=Subquery(last_trip), last_record=Subquery(last_record))
        .select_related("company")
        .order_by("end_date", "pk")
    )
    not_contacted = []
    for period in periods:
        record = timezone.localtime(period.last_record).date() if period.last_record else None
        period.last_contact = max(filter(None, [period.start_date, period.last_trip, record]))
        period.silent_days = (today - period.last_contact).days
        if period.silent_days >= no_contact_days:
            not_contacted.append(period)
    companies = [period.company_id for period in periods]
    return Today(
        at_risk=sorted(
            (p for p in periods if p.risk_level >= Risk.MEDIUM), key=lambda p: (-p.risk_level, p.end_date)
        ),
        return_visits=list(
            ContactRecord.objects.filter(
                company_id__in=companies,
                return_visit_due__lte=today,
                return_visit_due__isnull=False,
                return_visit_done_at__isnull=True,
            )
            .select_related("company")
            .order_by("return_visit_due", "pk")
        ),
        unanswered=list(
            MessageThread.objects.filter(company_id__in=companies, awaiting_window=True)
            .select_related("company")
            .order_by("last_message_at", "pk")
        ),
        not_contacted=sorted(not_contacted, key=lambda p: -p.silent_days),
        ending=[p for p in periods if (p.end_date - today).days <= ending_within],
        no_contact_days=no_contact_days,
        fleet=_fleet_due(periods, today),
    )


FLEET_WEEK = 7


def _fleet_due(periods: list, today: date) -> list:
    """The portfolio's companies with vehicle or people obligations overdue or due within a week (one
    grouped query), most overdue first."""
    week = today + timedelta(days=FLEET_WEEK)
    counts = (
        Obligation.objects.filter(
            company_id__in=[period.company_id for period in periods], ended_on__isnull=True, due_on__lte=week
        )
        .values("company_id")
        .annotate(
            overdue=Count("pk", filter=Q(due_on__lt=today)), soon=Count("pk", filter=Q(due_on__gte=today))
        )
    )
    by_company = {row["company_id"]: row for row in counts}
    due = []
    for period in periods:
        row = by_company.get(period.company_id)
        if row:
            period.fleet_overdue, period.fleet_soon = row["overdue"], row["soon"]
            due.append(period)
    return sorted(due, key=lambda p: (-p.fleet_overdue, -p.fleet_soon))
