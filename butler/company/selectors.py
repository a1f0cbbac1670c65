"""The company page: the company as its viewer may see it, its figures and its recent feedback."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet
from django.http import Http404

from butler.company.history import company_history
from butler.contactlog.models import ContactRecord
from butler.contactlog.selectors import contact_log
from butler.feedback.models import Rating, Suggestion
from butler.messaging.models import MessageThread
from butler.service.access import companies_visible_to
from butler.service.models import ServicePeriod
from companies.lifecycle import PENDING, TO_OBTAIN
from companies.models import Company, CompanyLicence
from companies.selectors import (
    business_types_from_text,
    business_types_text,
    licence_figures,
    licence_measures,
    with_licence_figures,
)
from reminders.selectors import reminders_for_scope, unread_count_expression


def _with_page_figures(companies: QuerySet) -> QuerySet:
    """The company page's figures and business types, read with the company: no query of their own."""
    links = Company.business_types.through.objects.all()
    return with_licence_figures(companies).annotate(
        business_types_text=business_types_text(links, owner="company")
    )


def company_for_page(user, pk: int) -> Company:
    """The company of the company page if the user may see it (else 404), read together with its licence
    figures, its business types and the user's unread notices (the bell): one query where there were six."""
    company = (
        _with_page_figures(companies_visible_to(user).filter(pk=pk))
        .annotate(viewer_unread_notices=unread_count_expression(user))
        .first()
    )
    if company is None:
        raise Http404
    return company


def company_page(company: Company) -> dict:
    """Everything the company page shows, loaded in a fixed number of queries (one more for a company not read
    by :func:`company_for_page`: its figures)."""
    if not hasattr(company, "figure_matters"):
        company = _with_page_figures(Company.objects.filter(pk=company.pk)).get()
    contacts = list(company.contacts.select_related("user"))
    periods = list(company.service_periods.select_related("butler"))
    current = next((p for p in periods if p.is_active), None)
    measures, risk = licence_figures(company)
    return {
        "log": contact_log(company),
        "reminders": reminders_for_scope(f"company:{company.pk}", limit=8),
        "company": company,
        "measures": measures,
        "risk": risk,
        "business_types": business_types_from_text(company.business_types_text),
        "contacts": contacts,
        "periods": periods,
        "current_period": current,
        "history": company_history(
            company, butler_names={p.butler_id: p.butler.display_name for p in periods}
        ),
        "feedback": company_feedback(company),
    }


@dataclass
class FeedbackEntry:
    """A rating or a suggestion on the company page, with its audit case if it has one."""

    when: datetime
    rating: object = None
    suggestion: object = None

    @property
    def case(self):
        return getattr(self.rating or self.suggestion, "case", None)


def company_feedback(company: Company, *, limit: int = 5) -> list[FeedbackEntry]:
    """The company's latest ratings and suggestions, newest first: two queries."""
    ratings = Rating.objects.filter(company=company).select_related(
        "contact", "licence__licence_type", "case"
    )
    suggestions = Suggestion.objects.filter(company=company).select_related(
        "contact", "submitted_by__butler", "licence_type", "case"
    )
    entries = [FeedbackEntry(r.created_at, rating=r) for r in ratings[:limit]]
    entries += [FeedbackEntry(s.created_at, suggestion=s) for s in suggestions[:limit]]
    return sorted(entries, key=lambda entry: entry.when, reverse=True)


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
