"""The window itself: its name and service hours, and how a company reaches its butler — the line every
reminder and message to a company ends with."""

from django.conf import settings
from django.utils.translation import gettext as _

from butler.service.models import Butler, ServicePeriod
from companies.models import Contact


def window_name() -> str:
    return settings.BUTLER_WINDOW_NAME or str(settings.WINDOW_DEFAULT_NAME)


def service_hours() -> str:
    return settings.BUTLER_SERVICE_HOURS or _("Mon–Fri 8:30–12:00, 13:30–17:00, except public holidays")


def butler_line(company_id: int) -> str:
    period = ServicePeriod.objects.active().filter(company_id=company_id).select_related("butler").first()
    return butler_line_of(period)


def butler_line_of(period: ServicePeriod | None) -> str:
    """How the company reaches its butler in service, or the window when it has none."""
    if period is None:
        return _("Ask at the %(window)s.") % {"window": window_name()}
    return _("Your butler %(name)s: %(phone)s") % {
        "name": period.butler.display_name,
        "phone": period.butler.office_phone,
    }


def mobile_of(user) -> str:
    """The mobile number a text to this user goes to: a company contact's, else a butler's, else none."""
    contact = Contact.objects.filter(user=user).values_list("mobile", flat=True).first()
    if contact:
        return contact
    return Butler.objects.filter(user=user).values_list("mobile", flat=True).first() or ""
