"""Keeping in touch: the butler's tasks of a service period (``period:<id>``: a company not contacted for a
while, a period about to end) and the return visits promised in the contact log (``contact:<id>``: a task
for the butler, an escalation when overdue)."""

from datetime import timedelta

from django.db.models import Max, Prefetch
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_noop

from butler.contactlog.models import ContactRecord
from butler.service.models import Butler, ServicePeriod
from butler.service.planning import CompanyPlanner
from butler.service.rules import Audience, K, Rules, audience_for, managers, plan_dates
from companies.models import Trip
from reminders.registry import Message
from reminders.services import Planned
from reminders.texts import joined, named, text

PERIOD_KINDS = (K.NO_CONTACT, K.PERIOD_ENDING)


def last_contact_on(period: ServicePeriod):
    """The last day the window was in touch with the company in this period: its start, its last visit
    to the window for a licence, or the last contact recorded."""
    last_trip = Trip.objects.filter(
        licence__company_id=period.company_id, date__gte=period.start_date
    ).aggregate(last=Max("date"))["last"]
    last_contact = ContactRecord.objects.filter(company_id=period.company_id).aggregate(
        last=Max("occurred_at")
    )["last"]
    last_contact = timezone.localtime(last_contact).date() if last_contact else None
    return max(filter(None, [period.start_date, last_trip, last_contact]))


def _period_dates(period: ServicePeriod, last_contact=None) -> dict:
    if not period.is_active:
        return dict.fromkeys(PERIOD_KINDS)
    return {
        K.NO_CONTACT: last_contact or last_contact_on(period),
        K.PERIOD_ENDING: period.end_date,
    }


def period_reminders_plan(
    *, period: ServicePeriod, rules: Rules | None = None, audience: Audience | None = None, last_contact=None
) -> Planned:
    """Plan (or cancel) the butler's tasks of a service period. Idempotent; they stop when the period ends."""
    rules = rules or Rules()
    if audience is None:
        audience = audience_for(period.company)
    audience = Audience(contacts=audience.contacts, butler=period.butler.user, managers=audience.managers)
    return plan_dates(
        subject=f"period:{period.pk}",
        dates=_period_dates(period, last_contact),
        rule_for=rules.get,
        audience=audience,
        scope=f"company:{period.company_id}",
        label=joined([period.company.name, period.card_number], " · "),
    )


class PeriodHandler:
    """Tells the engine about ``period:<id>`` subjects (butler tasks)."""

    def _period(self, reminder) -> ServicePeriod | None:
        return (
            ServicePeriod.objects.select_related("company", "butler")
            .filter(pk=int(reminder.subject.split(":", 1)[1]))
            .first()
        )

    def no_longer_due(self, reminder) -> str:
        period = self._period(reminder)
        if period is None:
            return gettext_noop("the service period was removed")
        if not period.is_active:
            return gettext_noop("the service period has ended")
        if _period_dates(period).get(reminder.kind) != reminder.due_on:
            return gettext_noop("resolved: the company was contacted since")
        return ""

    def message(self, reminder) -> Message:
        period = self._period(reminder)
        values = {"company": period.company.name, "date": reminder.due_on.isoformat()}
        if reminder.kind == K.NO_CONTACT:
            title = text(gettext_noop("%(company)s: no contact since %(date)s"), **values)
            body = text(gettext_noop("Call or visit the company and record the contact."))
        else:
            values["date"] = (reminder.due_on - timedelta(days=1)).isoformat()  # the period's last day
            title = text(gettext_noop("%(company)s: the service period's last day is %(date)s"), **values)
            body = text(gettext_noop("Check the licences still open and prepare the handover note."))
        url = reverse("company:detail", args=[period.company_id])
        return Message(title=title, body=body, url=url, due_on=reminder.due_on)

    def phone(self, user) -> str:
        return Butler.objects.filter(user=user).values_list("mobile", flat=True).first() or ""


CONTACT_KINDS = (K.RETURN_VISIT, K.RETURN_VISIT_OVERDUE)


def contact_reminders_plan(
    *, record: ContactRecord, rules: Rules | None = None, audience: Audience | None = None
) -> Planned:
    """Plan (or cancel) the return visit of a contact: a task for the butler, an escalation when overdue.

    The task goes to the company's butler in service, else to whoever recorded the contact (always, for a
    consultation whose company is not registered yet)."""
    rules = rules or Rules()
    if audience is None:
        audience = audience_for(record.company) if record.company_id else Audience(managers=managers())
    due_on = record.return_visit_due if record.return_visit_open else None
    if audience.butler is None:
        audience = Audience(contacts=audience.contacts, butler=record.recorded_by, managers=audience.managers)
    return plan_dates(
        subject=f"contact:{record.pk}",
        dates=dict.fromkeys(CONTACT_KINDS, due_on),
        rule_for=rules.get,
        audience=audience,
        scope=f"company:{record.company_id}" if record.company_id else f"enquiry:{record.pk}",
        label=joined(
            [
                record.who,
                named(
                    lambda: (
                        f"{record.get_channel_display()} {timezone.localtime(record.occurred_at):%Y-%m-%d}"
                    )
                ),
            ],
            " · ",
        ),
    )


class ContactHandler:
    """Tells the engine about ``contact:<id>`` subjects (return visits)."""

    def _record(self, reminder) -> ContactRecord | None:
        return (
            ContactRecord.objects.select_related("company")
            .filter(pk=int(reminder.subject.split(":", 1)[1]))
            .first()
        )

    def no_longer_due(self, reminder) -> str:
        record = self._record(reminder)
        if record is None:
            return gettext_noop("the contact was removed")
        if not record.return_visit_open or record.return_visit_due != reminder.due_on:
            return gettext_noop("resolved: the return visit was made")
        return ""

    def message(self, reminder) -> Message:
        record = self._record(reminder)
        values = {"company": record.who, "date": reminder.due_on.isoformat()}
        if record.source == ContactRecord.Source.HOTLINE and reminder.kind == K.RETURN_VISIT:
            title = text(gettext_noop("%(company)s: 12345 work order to be answered by %(date)s"), **values)
        elif record.source == ContactRecord.Source.HOTLINE:
            title = text(
                gettext_noop("%(company)s: the 12345 work order due on %(date)s is unanswered"), **values
            )
        elif reminder.kind == K.RETURN_VISIT:
            title = text(gettext_noop("%(company)s: return visit due on %(date)s"), **values)
        else:
            title = text(gettext_noop("%(company)s: the return visit due on %(date)s is overdue"), **values)
        body = text(
            gettext_noop("Contact of %(when)s: %(summary)s"),
            when=timezone.localtime(record.occurred_at).strftime("%Y-%m-%d"),
            summary=record.summary[:200],
        )
        url = (
            reverse("company:detail", args=[record.company_id])
            if record.company_id
            else reverse("contactlog:return_visit", args=[record.pk])
        )
        return Message(title=title, body=body, url=url, due_on=reminder.due_on)

    def phone(self, user) -> str:
        return Butler.objects.filter(user=user).values_list("mobile", flat=True).first() or ""


def _plan_company(*, company, rules: Rules, audience: Audience, staff: list) -> Planned:
    created = cancelled = 0
    for period in company.periods:
        result = period_reminders_plan(period=period, rules=rules, audience=audience)
        created, cancelled = created + result.created, cancelled + result.cancelled
    for record in company.return_visits:
        result = contact_reminders_plan(record=record, rules=rules, audience=audience)
        created, cancelled = created + result.created, cancelled + result.cancelled
    return Planned(created, cancelled)


planner = CompanyPlanner(
    name="contactlog",
    plan=_plan_company,
    prefetch=(
        Prefetch(
            "contact_records",
            queryset=ContactRecord.objects.filter(return_visit_due__isnull=False).select_related(
                "company", "recorded_by"
            ),
            to_attr="return_visits",
        ),
    ),
)
