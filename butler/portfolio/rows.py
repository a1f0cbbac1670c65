"""The rows of the butler's portfolio, ready to print: everything a row shows is computed here once.

A portfolio holds some 300 companies. Rendered through per-row ``{% include %}``s, ``{% url %}`` reverses,
inclusion tags and filter chains, those rows cost several times the page's queries; here each row gets its
links from a prefix reversed once per page plus the id, its dates as text, its contact's ``tel:`` link, and
its days-left meter, risk badge and business-type badges as HTML rendered once per distinct value from the
partials the other pages use, so the template only prints.
"""

from dataclasses import dataclass
from datetime import date

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import SafeString
from django.utils.translation import ngettext

from butler.service.days_left import days_left
from butler.service.models import ServicePeriod
from companies.models import Contact
from companies.phones import tel_uri

_SENTINEL = 987654321


class _Link:
    """``reverse(name, args=[id])`` for many ids, reversed once: the id is the URL's only variable part."""

    def __init__(self, name: str):
        self.prefix, self.suffix = reverse(name, args=[_SENTINEL]).split(str(_SENTINEL))

    def __call__(self, pk: int) -> str:
        return f"{self.prefix}{pk}{self.suffix}"


@dataclass
class PortfolioRow:
    """What one row prints; the period it comes from is kept for whoever needs more."""

    period: ServicePeriod
    company_id: int
    company_name: str
    credit_code: str
    company_url: str
    quick_contact_url: str
    card_number: str
    card_url: str
    checklist_url: str
    business_types: SafeString
    contact: Contact | None  # the primary one
    contact_tel: str
    period_text: str
    days_left: SafeString
    risk: SafeString
    overdue: str


class _Rendered(dict):
    """A partial rendered once per distinct context and kept for the page's other rows."""

    def __init__(self, template: str):
        super().__init__()
        self.template = template

    def __missing__(self, key: tuple) -> SafeString:
        html = self[key] = render_to_string(self.template, dict(key))
        return html


def portfolio_rows(periods: list[ServicePeriod], *, today: date) -> list[PortfolioRow]:
    """One row per period (loaded by :func:`butler.portfolio.selectors.portfolio_for`), in the same order."""
    company_url, quick_url = _Link("company:detail"), _Link("contactlog:quick")
    card_url, checklist_url = _Link("service:card"), _Link("licences:checklist")
    meters, badges = _Rendered("partials/_days_left.html"), _Rendered("partials/_risk.html")
    types = _Rendered("company/partials/_business_types.html")
    rows = []
    for period in periods:
        company = period.company
        contact = company.primary_contacts[0] if company.primary_contacts else None
        overdue = period.risk_overdue
        rows.append(
            PortfolioRow(
                period=period,
                company_id=company.pk,
                company_name=company.name,
                credit_code=company.credit_code,
                company_url=company_url(company.pk),
                quick_contact_url=quick_url(company.pk),
                card_number=period.card_number,
                card_url=card_url(period.pk),
                checklist_url=checklist_url(company.pk),
                business_types=types[(("names", tuple(t.name for t in company.business_type_list)),)],
                contact=contact,
                contact_tel=tel_uri(contact.mobile) if contact else "",
                period_text=f"{period.start_date.isoformat()} – {period.last_day.isoformat()}",
                days_left=meters[tuple(vars(days_left(period, today)).items())],
                risk=badges[(("risk", period.risk_level),)],
                overdue=ngettext("%(n)s overdue", "%(n)s overdue", overdue) % {"n": overdue}
                if overdue
                else "",
            )
        )
    return rows
