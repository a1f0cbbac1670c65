"""The window itself: its name and service hours, and how a company reaches its butler — the line every
reminder and message to a company ends with."""

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from butler.service.models import Butler, ServicePeriod
from companies.models import Contact
from reminders.texts import Text, text

# The window's name when BUTLER_WINDOW_NAME is not set, in each reader's language.
WINDOW_DEFAULT_NAME = gettext_noop("Beilun District Transport Service Window")


def window_name() -> str:
    return settings.BUTLER_WINDOW_NAME or str(settings.WINDOW_DEFAULT_NAME)


def service_hours() -> str:
    return settings.BUTLER_SERVICE_HOURS or _("Mon–Fri 8:30–12:00, 13:30–17:00, except public holidays")


def butler_line(company_id: int) -> Text:
    period = ServicePeriod.objects.active().filter(company_id=company_id).select_related("butler").first()
    return butler_line_of(period)


def butler_line_of(period: ServicePeriod | None) -> Text:
    """How the company reaches its butler in service, or the window when it has none: a text each reader
    reads in their language."""
    if period is None:
        window = settings.BUTLER_WINDOW_NAME or text(WINDOW_DEFAULT_NAME)
        return text(gettext_noop("Ask at the %(window)s."), window=window)
    return text(
        gettext_noop("Your butler %(name)s: %(phone)s"),
        name=period.butler.display_name,
        phone=period.butler.office_phone,
    )


def mobile_of(user) -> str:
    """The mobile number a text to this user goes to: a company contact's, else a butler's, else none."""
    contact = Contact.objects.filter(user=user).values_list("mobile", flat=True).first()
    if contact:
        return contact
    return Butler.objects.filter(user=user).values_list("mobile", flat=True).first() or ""
