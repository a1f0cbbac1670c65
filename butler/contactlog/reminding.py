"""Return visits promised in the contact log (``contact:<id>``): a task for the butler, an escalation
when overdue."""

from django.conf import settings
from django.db.models import Prefetch
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from butler.models import Butler, ContactRecord
from butler.service.planning import CompanyPlanner
from butler.service.rules import Audience, K, Rules, audience_for, plan_dates
from reminders.registry import Message
from reminders.services import Planned

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
    return plan_dates(
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


def _plan_company(*, company, rules: Rules, audience: Audience, staff: list) -> Planned:
    created = cancelled = 0
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
