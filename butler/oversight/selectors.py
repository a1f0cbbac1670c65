"""The manager's lists: companies, licences and service periods, and the butlers' workload."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from butler.oversight.filters import CompanyFilter, LicenceFilter, PeriodFilter
from butler.service.models import Butler, ServicePeriod
from butler.service.search import _newest_first, after_row
from companies.models import Company, CompanyLicence


def company_filter(data=None) -> CompanyFilter:
    """What the manager asks of the company list (``request.GET``), bound to it; its form shows the
    fields with what was typed and any error."""
    companies = Company.objects.prefetch_related(
        Prefetch(
            "service_periods",
            queryset=ServicePeriod.objects.active().select_related("butler"),
            to_attr="active_periods",
        ),
        "business_types",
    )
    return CompanyFilter(data or None, queryset=companies)


def companies_for_manager(
    *, chosen: CompanyFilter | None = None, after: tuple[date, int] | None = None
) -> QuerySet:
    """Every company with its current period (if any), as ``chosen`` (:func:`company_filter`) asks — an
    invalid filter is left out, the rest apply — newest registration first (then newest id).
    ``after``: the (registration date, id) of the last company of the previous page — each page reads on
    from there through the (registered_on, id) index and nothing counts the table."""
    chosen = chosen or company_filter()
    companies = chosen.qs
    if after is not None:
        companies = companies.filter(
            after_row("registered_on", "id", values=after, descending=True), registered_on__lte=after[0]
        )
    return companies.order_by(*_newest_first("registered_on", chosen.search))


LICENCE_DATES = ("obtain_by", "renew_by", "expires_on")


def licence_filter(data=None, *, today: date) -> LicenceFilter:
    """What the manager asks of the licence list (``request.GET``); without a month, this month's."""
    if data is not None and "month" not in data:
        data = data.copy()
        data["month"] = today.strftime("%Y-%m")
    return LicenceFilter(data, queryset=CompanyLicence.objects.all(), today=today)


def licences_for_manager(*, chosen: LicenceFilter, after: tuple[date, int] | None = None) -> QuerySet:
    """Every company's licences whose chosen date (obtain by, renew by or expires on) falls in the chosen
    month, narrowed as ``chosen`` (:func:`licence_filter`) asks, by that date then id. ``after``: the (date,
    id) of the last licence of the previous page. With or without a status, each page is a range scan of a
    (status, date, id) or (date, id) index that stops after the page; nothing counts the table."""
    date_field = chosen.date_field
    if date_field not in LICENCE_DATES:
        raise ValueError(f"Not a licence date: {date_field}")
    licences = chosen.qs
    # The month bounds every read: a filter that matches nothing reads one month of the index, not all.
    first = chosen.month_chosen.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    licences = licences.filter(**{f"{date_field}__gte": first, f"{date_field}__lt": following})
    if after is not None:
        licences = licences.filter(
            after_row(date_field, "id", values=after), **{f"{date_field}__gte": after[0]}
        )
    return licences.select_related("company", "licence_type", "vehicle", "person", "vessel").order_by(
        date_field, "pk"
    )


def period_filter(data=None) -> PeriodFilter:
    """What the manager asks of the list of service periods (``request.GET``), bound to it."""
    return PeriodFilter(data or None, queryset=ServicePeriod.objects.all())


def periods_for_manager(*, chosen: PeriodFilter | None = None) -> QuerySet:
    """Every service period, as ``chosen`` (:func:`period_filter`) asks, newest first."""
    chosen = chosen or period_filter()
    # Companies and butlers come by id once the page is chosen: joined before the sort, every period of the
    # table would be joined to sort them (220 ms at 180,000 periods; 40 ms without the joins).
    return chosen.qs.prefetch_related("company", "butler").order_by(
        *_newest_first("start_date", chosen.search)
    )


@dataclass
class Workload:
    butler: Butler
    in_service: int
    ending_soon: int
    cards_issued: int
    completed: int


def butler_workload(*, today: date | None = None, ending_within_days: int = 30) -> list[Workload]:
    today = today or timezone.localdate()
    soon = today + timedelta(days=ending_within_days)
    active = Q(service_periods__status=ServicePeriod.Status.ACTIVE)
    butlers = Butler.objects.annotate(
        in_service=Count("service_periods", filter=active),
        ending_soon=Count("service_periods", filter=active & Q(service_periods__end_date__lte=soon)),
        cards_issued=Count("service_periods"),
        completed=Count("service_periods", filter=Q(service_periods__status=ServicePeriod.Status.COMPLETED)),
    ).order_by("-active", "display_name")
    return [Workload(b, b.in_service, b.ending_soon, b.cards_issued, b.completed) for b in butlers]
