"""The reminders of a periodic obligation (``obligation:<id>``): before it is due (company and butler; the
company cannot switch them off) and the day after it passed (the butler and the managers)."""

from django.db.models import Prefetch
from django.urls import reverse
from django.utils.translation import gettext_noop

from butler.service.planning import CompanyPlanner
from butler.service.rules import Audience, K, Rules, audience_for, plan_dates
from butler.service.window import butler_line, mobile_of
from companies.models import Contact, Evidence, Obligation
from reminders.registry import Message
from reminders.services import Planned
from reminders.texts import Text, about, clauses, joined, named, text

KINDS = (K.OBLIGATION_DUE, K.OBLIGATION_MISSED)
RELATED = ("obligation_type", "company", "vehicle", "person", "vessel")


def _dates(obligation: Obligation) -> dict:
    due_on = obligation.due_on if obligation.ended_on is None else None
    return dict.fromkeys(KINDS, due_on)


def obligation_reminders_plan(
    *, obligation: Obligation, rules: Rules | None = None, audience: Audience | None = None
) -> Planned:
    """Plan (or cancel) the reminders of one obligation. Idempotent."""
    rules = rules or Rules()
    return plan_dates(
        subject=f"obligation:{obligation.pk}",
        dates=_dates(obligation),
        rule_for=rules.get,
        audience=audience or audience_for(obligation.company),
        scope=f"company:{obligation.company_id}",
        label=about(obligation.company.name, obligation),
    )


def obligation_title(obligation: Obligation, kind: str, day: str) -> Text:
    values = {"subject": named(obligation.subject), "what": named(obligation.obligation_type), "date": day}
    if kind == K.OBLIGATION_MISSED:
        return text(gettext_noop("%(subject)s: %(what)s was due on %(date)s"), **values)
    if obligation.obligation_type.evidence == Evidence.DONE:
        return text(gettext_noop("%(subject)s: %(what)s due by %(date)s"), **values)
    return text(gettext_noop("%(subject)s: %(what)s expires on %(date)s"), **values)


class ObligationHandler:
    """Tells the engine about ``obligation:<id>`` subjects."""

    def _obligation(self, reminder) -> Obligation | None:
        if "_obligation" not in reminder.__dict__:
            reminder.__dict__["_obligation"] = (
                Obligation.objects.select_related(*RELATED)
                .filter(pk=int(reminder.subject.split(":", 1)[1]))
                .first()
            )
        return reminder.__dict__["_obligation"]

    def no_longer_due(self, reminder) -> str:
        obligation = self._obligation(reminder)
        if obligation is None:
            return gettext_noop("the obligation was removed")
        if _dates(obligation).get(reminder.kind) != reminder.due_on:
            return gettext_noop("resolved: the obligation was met or ended meanwhile")
        return ""

    def message(self, reminder) -> Message:
        obligation = self._obligation(reminder)
        for_company = Contact.objects.filter(user_id=reminder.recipient_id).exists()
        title = obligation_title(obligation, reminder.kind, reminder.due_on.isoformat())
        lines = [obligation.company.name]
        if obligation.obligation_type.consequence:
            lines.append(named(lambda: obligation.obligation_type.consequence))
        butler = butler_line(obligation.company_id)
        lines.append(butler)
        url = (
            reverse("portal:fleet")
            if for_company
            else reverse("fleet:calendar", args=[obligation.company_id])
        )
        return Message(
            title=title,
            body=joined(lines),
            url=url,
            short=clauses([title, butler]),
            due_on=reminder.due_on,
        )

    def phone(self, user) -> str:
        return mobile_of(user)


def _plan_company(*, company, rules: Rules, audience: Audience, staff: list) -> Planned:
    created = cancelled = 0
    for obligation in company.all_obligations:
        result = obligation_reminders_plan(obligation=obligation, rules=rules, audience=audience)
        created, cancelled = created + result.created, cancelled + result.cancelled
    return Planned(created, cancelled)


planner = CompanyPlanner(
    name="fleet",
    plan=_plan_company,
    prefetch=(
        Prefetch(
            "obligations",
            queryset=Obligation.objects.select_related(*RELATED),
            to_attr="all_obligations",
        ),
    ),
)
