"""Reads about staff and service periods: whose butler a user is, and a period's summary."""

from dataclasses import dataclass

from butler.models import Butler, ServicePeriod
from butler.service import roles
from companies.models import CompanyLicence


def butler_for_user(user, *, among=()) -> Butler | None:
    """The butler profile of a signed-in butler, read once per request (``among``: butlers the caller has
    loaded already, where it is taken from without a query). The page header's ``user.butler`` reads the
    same answer: no query there either."""
    profile = Butler._meta.get_field("user").remote_field
    if not roles.is_butler(user):
        if user.is_authenticated and not profile.is_cached(user):
            profile.set_cached_value(user, None)
        return None
    cached = getattr(user, "_butler_profile", False)
    if cached is False:
        cached = next((b for b in among if b.user_id == user.pk), None) or (
            Butler.objects.filter(user=user).first()
        )
        user._butler_profile = cached
        profile.set_cached_value(user, cached)
    return cached


@dataclass
class PeriodSummary:
    period: ServicePeriod
    obtained: list
    outstanding: list
    measures: object
    contacts: int
    open_return_visits: list
    awaiting_threads: int


def period_summary(period: ServicePeriod) -> PeriodSummary:
    """What a service period achieved and what it leaves open, for the summary and the handover."""
    from butler.models import ContactRecord, MessageThread
    from companies.lifecycle import PENDING, TO_OBTAIN
    from companies.selectors import licence_measures

    end = period.ended_on or period.end_date
    licences = CompanyLicence.objects.filter(company_id=period.company_id).select_related(
        "licence_type", "vehicle", "person", "vessel"
    )
    in_period = licences.filter(accepted_on__gte=period.start_date, accepted_on__lte=end)
    return PeriodSummary(
        period=period,
        obtained=list(
            licences.filter(issued_on__gte=period.start_date, issued_on__lte=end).order_by("issued_on")
        ),
        outstanding=list(licences.filter(status__in=TO_OBTAIN | PENDING).order_by("obtain_by", "pk")),
        measures=licence_measures(in_period),
        contacts=ContactRecord.objects.filter(company_id=period.company_id, period=period).count(),
        open_return_visits=list(
            ContactRecord.objects.filter(
                company_id=period.company_id,
                return_visit_due__isnull=False,
                return_visit_done_at__isnull=True,
            ).order_by("return_visit_due")
        ),
        awaiting_threads=MessageThread.objects.filter(
            company_id=period.company_id, awaiting_window=True
        ).count(),
    )
