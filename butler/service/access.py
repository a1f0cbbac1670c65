"""Object-level access, in one place: every view loads what it shows through these querysets.

A manager sees everything; a butler sees the companies whose current or past service period they hold
(and may change only those they serve now); a company contact sees only their own company.
"""

from django.db.models import Exists, OuterRef
from django.http import Http404

from butler.security.roles import is_butler, is_company, is_manager
from butler.service.models import ServicePeriod
from companies.models import Company, Contact


def companies_visible_to(user):
    if is_manager(user):
        return Company.objects.all()
    if is_butler(user):
        held = ServicePeriod.objects.filter(company=OuterRef("pk"), butler__user=user)
        return Company.objects.filter(Exists(held))
    if is_company(user):
        return Company.objects.filter(contacts__user=user)
    return Company.objects.none()


def periods_visible_to(user):
    return ServicePeriod.objects.filter(company__in=companies_visible_to(user))


def company_for(user, pk) -> Company:
    """The company with this id if the user may see it, else 404 — never 'exists but forbidden'."""
    company = companies_visible_to(user).filter(pk=pk).first()
    if company is None:
        raise Http404
    return company


def period_for(user, pk) -> ServicePeriod:
    period = periods_visible_to(user).select_related("company", "butler").filter(pk=pk).first()
    if period is None:
        raise Http404
    return period


def contact_for(user, pk) -> Contact:
    contact = (
        Contact.objects.filter(company__in=companies_visible_to(user), pk=pk)
        .select_related("company")
        .first()
    )
    if contact is None:
        raise Http404
    return contact


def can_serve(user, company: Company, *, periods: list[ServicePeriod] | None = None) -> bool:
    """May this user change the company's records? Its manager or its butler in service.
    ``periods``: all the company's service periods with their butlers, when the caller has loaded them."""
    if is_manager(user):
        return True
    if not is_butler(user):
        return False
    if periods is not None:
        return any(p.is_active and p.butler.user_id == user.pk and p.butler.active for p in periods)
    return company.service_periods.active().filter(butler__user=user, butler__active=True).exists()


def own_contacts_only(user, company: Company, *, serves: bool | None = None) -> bool:
    """A butler who served the company before reads only the contacts they recorded (no messages).
    ``serves``: :func:`can_serve` when the caller already knows it."""
    return not (can_serve(user, company) if serves is None else serves)


def licence_for(user, pk):
    """A licence of a company the user may see, else 404."""
    from companies.models import CompanyLicence

    licence = (
        CompanyLicence.objects.filter(company__in=companies_visible_to(user), pk=pk)
        .select_related("company", "licence_type", "vehicle", "person", "vessel")
        .first()
    )
    if licence is None:
        raise Http404
    return licence
