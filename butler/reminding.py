"""Who is reminded of which licence deadline, and what the reminder says (the engine's licence handler).

The engine (``reminders``) knows nothing of licences: this module plans their reminders and tells the
engine, at sending time, whether a reminder is still due and what it says.
"""

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from butler.models import Butler, ServicePeriod
from companies.lifecycle import TO_OBTAIN
from companies.models import CompanyLicence, Contact, LicenceStatus
from reminders.models import Channel
from reminders.registry import Message
from reminders.services import Planned, reminder_plan

S = LicenceStatus
# Days before each date (reminders start well before the renewal window closes).
OFFSETS = {"obtain_by": (30, 7, 1), "renew_by": (60, 30, 7, 1)}
CHANNELS = (Channel.IN_APP, Channel.EMAIL)


def _subject(licence: CompanyLicence) -> str:
    return f"licence:{licence.pk}"


def _dates(licence: CompanyLicence) -> dict:
    """The dates of this licence that are still ahead of the company, by kind."""
    obtain = licence.obtain_by if licence.status in TO_OBTAIN and not licence.first_issued_on else None
    renew = licence.renew_by if licence.status in (S.ISSUED, S.RENEWAL_DUE) else None
    return {"obtain_by": obtain, "renew_by": renew}


def recipients_for(licence: CompanyLicence) -> list:
    """The company's portal users and, while the service lasts, its butler."""
    users = [contact.user for contact in licence.company.contacts.select_related("user") if contact.user_id]
    period = (
        ServicePeriod.objects.active().filter(company_id=licence.company_id).select_related("butler__user")
    )
    butler = next(iter(period), None)
    if butler is not None:
        users.append(butler.butler.user)
    return users


def licence_reminders_plan(*, licence: CompanyLicence) -> Planned:
    """Plan (or cancel) the reminders of every date of this licence. Idempotent."""
    created = cancelled = 0
    recipients = recipients_for(licence)
    for kind, due_on in _dates(licence).items():
        result = reminder_plan(
            subject=_subject(licence),
            kind=kind,
            due_on=due_on,
            offsets=OFFSETS[kind],
            channels=CHANNELS,
            recipients=recipients,
        )
        created, cancelled = created + result.created, cancelled + result.cancelled
    return Planned(created, cancelled)


class LicenceHandler:
    """Tells the engine about ``licence:<id>`` subjects."""

    def _licence(self, reminder) -> CompanyLicence | None:
        return (
            CompanyLicence.objects.select_related("licence_type", "company", "vehicle", "person", "vessel")
            .filter(pk=int(reminder.subject.split(":", 1)[1]))
            .first()
        )

    def no_longer_due(self, reminder) -> str:
        licence = self._licence(reminder)
        if licence is None:
            return "the licence was removed"
        if _dates(licence).get(reminder.kind) != reminder.due_on:
            return f"resolved: the licence is now {licence.status}"
        return ""

    def message(self, reminder) -> Message:
        licence = self._licence(reminder)
        period = (
            ServicePeriod.objects.active()
            .filter(company_id=licence.company_id)
            .select_related("butler")
            .first()
        )
        with translation.override(settings.LANGUAGE_CODE):
            date = reminder.due_on.isoformat()
            if reminder.kind == "obtain_by":
                title = _("%(licence)s: to be obtained by %(date)s") % {"licence": licence, "date": date}
            else:
                title = _("%(licence)s: apply for renewal by %(date)s") % {"licence": licence, "date": date}
            lines = [licence.company.name, title]
            if period is not None:
                lines.append(
                    _("Your butler %(name)s: %(phone)s")
                    % {"name": period.butler.display_name, "phone": period.butler.office_phone}
                )
        return Message(
            title=str(title), body="\n".join(str(line) for line in lines), url=reverse("portal:licences")
        )

    def phone(self, user) -> str:
        contact = Contact.objects.filter(user=user).values_list("mobile", flat=True).first()
        if contact:
            return contact
        return Butler.objects.filter(user=user).values_list("mobile", flat=True).first() or ""


def licence_reminders_reconcile() -> int:
    """Re-derive from the data every licence's reminders, so a change made anywhere is never missed."""
    created = 0
    licences = CompanyLicence.objects.filter(
        status__in=[*TO_OBTAIN, S.ISSUED, S.RENEWAL_DUE, S.RENEWAL_APPLIED, S.EXPIRED, S.NOT_REQUIRED]
    ).select_related("company")
    for licence in licences.iterator(chunk_size=500):
        created += licence_reminders_plan(licence=licence).created
    return created
