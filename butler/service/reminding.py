"""Who is reminded of which date, and what the reminder says (the engine's licence and period handlers).

The engine (``reminders``) knows nothing of licences or service periods: this module plans their reminders
from the administrator's rules (``ReminderRule``) and tells the engine, at sending time, whether a reminder
is still due and what it says.

- ``licence:<id>`` — the deadline to obtain a licence and the last day to apply for its renewal (reminders
  before), a missed deadline and an expiry without renewal (escalations after).
- ``period:<id>`` — butler tasks: a company not contacted for a while, a service period about to end.
- ``contact:<id>`` — return visits promised in the contact log.

Feedback (invitations to rate, audit case deadlines) is planned by ``butler.feedback.reminding`` with the
same rules and the same loop, and re-planned here with everything else of a company.
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Max, Prefetch
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from butler.models import AuditCase, Butler, ContactRecord, ReminderRule, ServicePeriod
from butler.service import roles
from companies.lifecycle import TO_OBTAIN
from companies.models import Company, CompanyLicence, Contact, LicenceStatus, ReminderChoice, Trip
from reminders.models import Channel
from reminders.registry import Message
from reminders.services import Planned, reminder_plan

S = LicenceStatus
K = ReminderRule.Kind
PERIOD_KINDS = (K.NO_CONTACT, K.PERIOD_ENDING)


class Rules:
    """The administrator's rules, read once: a licence type's own rule, else the rule for every type."""

    def __init__(self):
        self._rules = {(rule.kind, rule.licence_type_id): rule for rule in ReminderRule.objects.all()}

    def get(self, kind: str, licence_type_id: int | None = None) -> ReminderRule | None:
        rule = self._rules.get((kind, licence_type_id)) or self._rules.get((kind, None))
        return rule if rule is not None and rule.active else None


@dataclass
class Audience:
    """The people a company's reminders can go to."""

    contacts: list[Contact] = field(default_factory=list)
    butler: object | None = None  # the user of the butler in service, if any
    managers: list = field(default_factory=list)

    def routes(self, rule: ReminderRule) -> list[tuple]:
        """Each recipient with their channels: statutory deadlines by the rule's channels; for the rest,
        a company contact's own choice (the portal always, e-mail or SMS as they chose). Nobody is sent
        e-mail without an address (the next reconcile adds it once they have one)."""
        return [
            (user, tuple(channel for channel in channels if channel != Channel.EMAIL or user.email))
            for user, channels in self._routes(rule)
        ]

    def _routes(self, rule: ReminderRule) -> list[tuple]:
        routes = []
        if rule.to_company:
            for contact in self.contacts:
                if rule.statutory:
                    routes.append((contact.user, rule.channels))
                elif contact.reminder_channel == ReminderChoice.PORTAL:
                    routes.append((contact.user, (Channel.IN_APP,)))
                else:
                    routes.append((contact.user, (Channel.IN_APP, contact.reminder_channel)))
        if rule.to_butler and self.butler is not None:
            routes.append((self.butler, rule.channels))
        if rule.to_manager:
            routes.extend((manager, rule.channels) for manager in self.managers)
        return routes


def managers() -> list:
    return list(get_user_model().objects.filter(groups__name=roles.MANAGER, is_active=True).order_by("pk"))


def _portal_contacts(company: Company) -> list[Contact]:
    return [contact for contact in company.contacts.all() if contact.user_id and contact.user.is_active]


def audience_for(company: Company, *, staff: list | None = None) -> Audience:
    period = ServicePeriod.objects.active().filter(company=company).select_related("butler__user").first()
    return Audience(
        contacts=_portal_contacts(company),
        butler=period.butler.user if period else None,
        managers=managers() if staff is None else staff,
    )


def _plan_dates(
    *, subject: str, dates: dict, rule_for, audience: Audience, scope: str, label: str
) -> Planned:
    """Plan every kind of date of one subject by its rule (no rule, or no date: what is pending is
    cancelled). The one loop behind licences, service periods and return visits."""
    created = cancelled = 0
    for kind, due_on in dates.items():
        rule = rule_for(kind)
        result = reminder_plan(
            subject=subject,
            kind=kind,
            due_on=due_on if rule else None,
            offsets=rule.offsets if rule else (),
            routes=audience.routes(rule) if rule else [],
            scope=scope,
            label=label,
        )
        created, cancelled = created + result.created, cancelled + result.cancelled
    return Planned(created, cancelled)


# --- licences -----------------------------------------------------------------------------------------


def _licence_dates(licence: CompanyLicence) -> dict:
    """The dates of this licence still open for the company, by kind (None: nothing to remind of)."""
    to_obtain = licence.obtain_by if licence.status in TO_OBTAIN and not licence.first_issued_on else None
    unrenewed = licence.expires_on if licence.status in (S.ISSUED, S.RENEWAL_DUE, S.EXPIRED) else None
    return {
        K.OBTAIN_BY: to_obtain,
        K.RENEW_BY: licence.renew_by if licence.status in (S.ISSUED, S.RENEWAL_DUE) else None,
        K.OBTAIN_MISSED: to_obtain,
        K.EXPIRED: unrenewed,
    }


def licence_reminders_plan(
    *, licence: CompanyLicence, rules: Rules | None = None, audience: Audience | None = None
) -> Planned:
    """Plan (or cancel) the reminders and escalations of every date of this licence. Idempotent."""
    rules = rules or Rules()
    return _plan_dates(
        subject=f"licence:{licence.pk}",
        dates=_licence_dates(licence),
        rule_for=lambda kind: rules.get(kind, licence.licence_type_id),
        audience=audience or audience_for(licence.company),
        scope=f"company:{licence.company_id}",
        label=f"{licence.company.name} · {licence}",
    )


def _licence_title(kind: str, licence: CompanyLicence, day: str) -> str:
    values = {"licence": licence, "date": day}
    if kind == K.OBTAIN_BY:
        return _("%(licence)s: to be obtained by %(date)s") % values
    if kind == K.RENEW_BY:
        return _("%(licence)s: apply for renewal by %(date)s") % values
    if kind == K.OBTAIN_MISSED:
        return _("%(licence)s: the deadline to obtain it passed on %(date)s") % values
    return _("%(licence)s: expired on %(date)s without renewal") % values


def _butler_line(company_id: int) -> str:
    period = ServicePeriod.objects.active().filter(company_id=company_id).select_related("butler").first()
    return _butler_line_of(period)


def _butler_line_of(period: ServicePeriod | None) -> str:
    """How the company reaches its butler in service, or the window when it has none."""
    if period is None:
        from butler.service.services import window_name

        return _("Ask at the %(window)s.") % {"window": window_name()}
    return _("Your butler %(name)s: %(phone)s") % {
        "name": period.butler.display_name,
        "phone": period.butler.office_phone,
    }


class LicenceHandler:
    """Tells the engine about ``licence:<id>`` subjects.

    ``prepare`` reads, for all the reminders of one delivery at once, their licences with their catalogue
    entry and materials, the butler in service of each company, which recipients are company contacts and
    everyone's mobile number; it keeps them on the reminder objects, which the other methods read first."""

    RELATED = ("licence_type", "company", "vehicle", "person", "vessel")

    def prepare(self, reminders) -> None:
        ids = {int(reminder.subject.split(":", 1)[1]) for reminder in reminders}
        licences = (
            CompanyLicence.objects.select_related(*self.RELATED)
            .prefetch_related("licence_type__materials")
            .in_bulk(ids)
        )
        companies = {licence.company_id for licence in licences.values()}
        serving = {
            period.company_id: period
            for period in ServicePeriod.objects.active()
            .filter(company_id__in=companies)
            .select_related("butler")
        }
        users = {reminder.recipient_id for reminder in reminders}
        contacts = dict(Contact.objects.filter(user_id__in=users).values_list("user_id", "mobile"))
        butlers = dict(Butler.objects.filter(user_id__in=users).values_list("user_id", "mobile"))
        for reminder in reminders:
            licence = licences.get(int(reminder.subject.split(":", 1)[1]))
            reminder.__dict__["_licence"] = licence
            reminder.__dict__["_serving"] = serving.get(licence.company_id) if licence else None
            reminder.__dict__["_for_company"] = reminder.recipient_id in contacts
            reminder.recipient.__dict__["_mobile"] = contacts.get(reminder.recipient_id) or butlers.get(
                reminder.recipient_id, ""
            )

    def _licence(self, reminder) -> CompanyLicence | None:
        """The reminder's licence, read once per reminder: the engine asks whether it is still due, then for
        its message, one right after the other."""
        if "_licence" not in reminder.__dict__:
            reminder.__dict__["_licence"] = (
                CompanyLicence.objects.select_related(*self.RELATED)
                .filter(pk=int(reminder.subject.split(":", 1)[1]))
                .first()
            )
        return reminder.__dict__["_licence"]

    def no_longer_due(self, reminder) -> str:
        licence = self._licence(reminder)
        if licence is None:
            return gettext_noop("the licence was removed")
        if _licence_dates(licence).get(reminder.kind) != reminder.due_on:
            return gettext_noop("resolved: the licence moved on meanwhile")
        return ""

    def message(self, reminder) -> Message:
        licence = self._licence(reminder)
        if "_for_company" in reminder.__dict__:
            for_company = reminder.__dict__["_for_company"]
        else:
            for_company = Contact.objects.filter(user_id=reminder.recipient_id).exists()
        with translation.override(settings.LANGUAGE_CODE):
            title = _licence_title(reminder.kind, licence, reminder.due_on.isoformat())
            lines = [licence.company.name]
            if reminder.kind in (K.OBTAIN_BY, K.RENEW_BY):
                materials = [material.name for material in licence.licence_type.materials.all()]
                if materials:
                    lines.append(_("What to bring: %(materials)s") % {"materials": "、".join(materials)})
            if "_serving" in reminder.__dict__:
                butler = _butler_line_of(reminder.__dict__["_serving"])
            else:
                butler = _butler_line(licence.company_id)
            lines.append(butler)
        url = reverse("portal:licences") if for_company else reverse("licences:detail", args=[licence.pk])
        body = "\n".join(str(line) for line in lines)
        return Message(title=str(title), body=body, url=url, short=f"{title} {butler}")

    def phone(self, user) -> str:
        if "_mobile" in user.__dict__:
            return user.__dict__["_mobile"]
        contact = Contact.objects.filter(user=user).values_list("mobile", flat=True).first()
        if contact:
            return contact
        return Butler.objects.filter(user=user).values_list("mobile", flat=True).first() or ""


# --- service periods: butler tasks ----------------------------------------------------------------------


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
    return _plan_dates(
        subject=f"period:{period.pk}",
        dates=_period_dates(period, last_contact),
        rule_for=rules.get,
        audience=audience,
        scope=f"company:{period.company_id}",
        label=f"{period.company.name} · {period.card_number}",
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
        with translation.override(settings.LANGUAGE_CODE):
            if reminder.kind == K.NO_CONTACT:
                title = _("%(company)s: no contact since %(date)s") % values
                body = _("Call or visit the company and record the contact.")
            else:
                title = _("%(company)s: the service period ends on %(date)s") % values
                body = _("Check the licences still open and prepare the handover note.")
        url = reverse("company:detail", args=[period.company_id])
        return Message(title=str(title), body=str(body), url=url)

    def phone(self, user) -> str:
        return Butler.objects.filter(user=user).values_list("mobile", flat=True).first() or ""


# --- return visits: butler tasks and escalations --------------------------------------------------------

CONTACT_KINDS = (K.RETURN_VISIT, K.RETURN_VISIT_OVERDUE)


def contact_reminders_plan(
    *, record: ContactRecord, rules: Rules | None = None, audience: Audience | None = None
) -> Planned:
    """Plan (or cancel) the return visit of a contact: a task for the butler, an escalation when overdue.

    The task goes to the company's butler in service, else to whoever recorded the contact."""
    rules = rules or Rules()
    audience = audience or audience_for(record.company)
    due_on = record.return_visit_due if record.return_visit_open else None
    if audience.butler is None:
        audience = Audience(contacts=audience.contacts, butler=record.recorded_by, managers=audience.managers)
    return _plan_dates(
        subject=f"contact:{record.pk}",
        dates=dict.fromkeys(CONTACT_KINDS, due_on),
        rule_for=rules.get,
        audience=audience,
        scope=f"company:{record.company_id}",
        label=f"{record.company.name} · {record.get_channel_display()} {record.occurred_at:%Y-%m-%d}",
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
        values = {"company": record.company.name, "date": reminder.due_on.isoformat()}
        with translation.override(settings.LANGUAGE_CODE):
            if reminder.kind == K.RETURN_VISIT:
                title = _("%(company)s: return visit due on %(date)s") % values
            else:
                title = _("%(company)s: the return visit due on %(date)s is overdue") % values
            body = _("Contact of %(when)s: %(summary)s") % {
                "when": timezone.localtime(record.occurred_at).strftime("%Y-%m-%d"),
                "summary": record.summary[:200],
            }
        url = reverse("company:detail", args=[record.company_id])
        return Message(title=str(title), body=str(body), url=url)

    def phone(self, user) -> str:
        return Butler.objects.filter(user=user).values_list("mobile", flat=True).first() or ""


# --- everything of a company, and the periodic reconcile ------------------------------------------------


def _companies_with_audience():
    return Company.objects.prefetch_related(
        Prefetch("contacts", queryset=Contact.objects.select_related("user")),
        Prefetch(
            "service_periods",
            queryset=ServicePeriod.objects.select_related("butler__user", "company"),
            to_attr="periods",
        ),
        Prefetch(
            "licences",
            queryset=CompanyLicence.objects.select_related(
                "licence_type", "company", "vehicle", "person", "vessel"
            ),
            to_attr="all_licences",
        ),
        Prefetch(
            "contact_records",
            queryset=ContactRecord.objects.filter(return_visit_due__isnull=False).select_related(
                "company", "recorded_by"
            ),
            to_attr="return_visits",
        ),
        Prefetch(
            "audit_cases",
            queryset=AuditCase.objects.open().select_related("company", "handler"),
            to_attr="open_cases",
        ),
    )


def _plan_company(company: Company, rules: Rules, staff: list) -> Planned:
    active = next((period for period in company.periods if period.is_active), None)
    audience = Audience(
        contacts=_portal_contacts(company), butler=active.butler.user if active else None, managers=staff
    )
    created = cancelled = 0
    for licence in company.all_licences:
        result = licence_reminders_plan(licence=licence, rules=rules, audience=audience)
        created, cancelled = created + result.created, cancelled + result.cancelled
    for period in company.periods:
        result = period_reminders_plan(period=period, rules=rules, audience=audience)
        created, cancelled = created + result.created, cancelled + result.cancelled
    for record in company.return_visits:
        result = contact_reminders_plan(record=record, rules=rules, audience=audience)
        created, cancelled = created + result.created, cancelled + result.cancelled
    from butler.feedback.reminding import case_reminders_plan, rating_invitations_plan

    for case in company.open_cases:
        result = case_reminders_plan(case=case, rules=rules, staff=staff)
        created, cancelled = created + result.created, cancelled + result.cancelled
    result = rating_invitations_plan(
        company=company,
        licences=company.all_licences,
        periods=company.periods,
        rules=rules,
        audience=audience,
    )
    return Planned(created + result.created, cancelled + result.cancelled)


def company_reminders_plan(*, company: Company) -> Planned:
    """Plan everything of one company: after a first visit, a transfer, the end of a period."""
    company = _companies_with_audience().get(pk=company.pk)
    return _plan_company(company, Rules(), managers())


def reminders_reconcile(*, chunk_size: int = 200) -> Planned:
    """Re-derive every reminder from the data, so that a change made anywhere — the admin, an import, the
    shell, a changed rule — is never missed."""
    return _reconcile(_companies_with_audience(), chunk_size=chunk_size).planned


@dataclass(frozen=True)
class Reconciled:
    planned: Planned
    companies: int
    last_id: int | None  # the last company re-planned, in id order
    finished: bool  # no company was left after it


def _reconcile(companies, *, chunk_size: int = 200, deadline: float | None = None) -> Reconciled:
    import time

    rules, staff = Rules(), managers()
    created = cancelled = count = 0
    last_id = None
    finished = True
    for company in companies.order_by("pk").iterator(chunk_size=chunk_size):
        if deadline is not None and time.monotonic() >= deadline:
            finished = False
            break
        result = _plan_company(company, rules, staff)
        created, cancelled = created + result.created, cancelled + result.cancelled
        count, last_id = count + 1, company.pk
    return Reconciled(Planned(created, cancelled), count, last_id, finished)


def reminders_reconcile_changed(*, since) -> Reconciled:
    """Re-plan the companies whose licences changed since ``since`` (an edit in the admin or the shell
    moves ``updated_at``): what the services did not plan is caught within the hour."""
    changed = CompanyLicence.objects.filter(updated_at__gte=since).values("company_id")
    return _reconcile(_companies_with_audience().filter(pk__in=changed))


def reminders_reconcile_slice(*, after_id: int, seconds: float, chunk_size: int = 200) -> Reconciled:
    """Re-plan companies in id order after ``after_id`` for about ``seconds``: the hourly task walks the
    whole register slice by slice, so a province-sized register is covered within a day or so while each
    run stays inside its time limit."""
    import time

    return _reconcile(
        _companies_with_audience().filter(pk__gt=after_id),
        chunk_size=chunk_size,
        deadline=time.monotonic() + seconds,
    )
