"""The reminder engine's view of feedback: invitations to rate, and the deadlines of audit cases.

- ``rate-licence:<id>`` / ``rate-period:<id>`` — a company contact is invited to rate a licence just
  issued or a service period that ended (on the day and a few days later, by the rules); the invitation
  stops for whoever has rated.
- ``case:<id>`` — the step an audit case is at: a task for its handler and the managers before the step's
  deadline, an escalation to the managers once it has passed.
"""

from datetime import date, timedelta

from django.db.models import Prefetch
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_noop

from butler.feedback.matters import (
    ENDED,
    HELD,
    RATED_SCOPES,
    licence_matter_key,
    matter_decided_on,
    period_matter_key,
    window_start,
)
from butler.feedback.models import AuditCase, Rating
from butler.service.models import Butler, ReminderRule, ServicePeriod
from butler.service.planning import CompanyPlanner
from butler.service.rules import Audience, Rules, audience_for, managers, plan_dates, reviewers
from butler.service.window import butler_line
from companies.models import CompanyLicence, Contact, LicenceStatus
from reminders.registry import Message
from reminders.services import Planned, reminders_cancel
from reminders.texts import about, joined, named, text

K = ReminderRule.Kind
GRACE_DAYS = 7  # after the rating window, pending invitations are still cancelled if no longer true


# --- invitations to rate --------------------------------------------------------------------------------


def _licence_rateable(licence: CompanyLicence, today: date) -> bool:
    ended = matter_decided_on(licence)
    return (
        (licence.status in HELD or licence.status == LicenceStatus.REFUSED)
        and ended is not None
        and ended >= window_start(today)
        and licence.licence_type.scope in RATED_SCOPES
    )


def _period_rateable(period: ServicePeriod, today: date) -> bool:
    return period.status in ENDED and period.ended_on is not None and period.ended_on >= window_start(today)


def _recent(day: date | None, today: date) -> bool:
    return day is not None and day >= window_start(today) - timedelta(days=GRACE_DAYS)


def rating_invitations_plan(
    *, company, licences, periods, rules: Rules, audience: Audience, today: date | None = None
) -> Planned:
    """Plan (or cancel) the invitations to rate the company's recent matters and ended periods. Contacts
    who have rated are not invited again."""
    today = today or timezone.localdate()
    rated: dict[str, set[int]] = {}
    for key, contact_id in Rating.objects.filter(company=company).values_list("matter_key", "contact_id"):
        rated.setdefault(key, set()).add(contact_id)

    def invite(subject, kind, due_on, key, label):
        who = Audience(contacts=[c for c in audience.contacts if c.pk not in rated.get(key, set())])
        return plan_dates(
            subject=subject,
            dates={kind: due_on},
            rule_for=rules.get,
            audience=who,
            scope=f"company:{company.pk}",
            label=label,
        )

    created = cancelled = 0
    for licence in licences:
        ended = matter_decided_on(licence)
        if licence.licence_type.scope not in RATED_SCOPES or not _recent(ended, today):
            continue
        result = invite(
            f"rate-licence:{licence.pk}",
            K.RATE_MATTER,
            ended if _licence_rateable(licence, today) else None,
            licence_matter_key(licence),
            about(company.name, licence),
        )
        created, cancelled = created + result.created, cancelled + result.cancelled
    for period in periods:
        if not _recent(period.ended_on, today):
            continue
        result = invite(
            f"rate-period:{period.pk}",
            K.RATE_PERIOD,
            period.ended_on if _period_rateable(period, today) else None,
            period_matter_key(period),
            joined([company.name, period.card_number], " · "),
        )
        created, cancelled = created + result.created, cancelled + result.cancelled
    return Planned(created, cancelled)


def licence_invitations_plan(*, licence: CompanyLicence) -> Planned:
    """After a licence step: invite the company to rate the licence if it was just issued."""
    return rating_invitations_plan(
        company=licence.company,
        licences=[licence],
        periods=[],
        rules=Rules(),
        audience=audience_for(licence.company, staff=[]),
    )


def invitations_stop(*, rating: Rating) -> int:
    """The contact has rated: their pending invitations for this matter are cancelled."""
    subject = {
        Rating.Kind.MATTER: f"rate-licence:{rating.licence_id}",
        Rating.Kind.PERIOD: f"rate-period:{rating.period_id}",
    }.get(rating.kind)
    if subject is None:
        return 0
    return reminders_cancel(
        subject=subject, recipient=rating.rated_by, reason=gettext_noop("resolved: rated")
    )


class RatingInvitationHandler:
    """Tells the engine about ``rate-licence:<id>`` and ``rate-period:<id>`` subjects."""

    def _subject(self, reminder):
        prefix, pk = reminder.subject.split(":", 1)
        if prefix == "rate-licence":
            licence = CompanyLicence.objects.select_related("licence_type", "company").filter(pk=pk).first()
            return licence, (licence_matter_key(licence) if licence else "")
        period = ServicePeriod.objects.select_related("company", "butler").filter(pk=pk).first()
        return period, (period_matter_key(period) if period else "")

    def no_longer_due(self, reminder) -> str:
        subject, key = self._subject(reminder)
        if subject is None:
            return gettext_noop("the matter was removed")
        today = timezone.localdate()
        if isinstance(subject, CompanyLicence):
            still = _licence_rateable(subject, today) and matter_decided_on(subject) == reminder.due_on
        else:
            still = _period_rateable(subject, today) and subject.ended_on == reminder.due_on
        if not still:
            return gettext_noop("resolved: the matter can no longer be rated")
        if Rating.objects.filter(rated_by_id=reminder.recipient_id, matter_key=key).exists():
            return gettext_noop("resolved: rated")
        return ""

    def message(self, reminder) -> Message:
        subject, _key = self._subject(reminder)
        if isinstance(subject, CompanyLicence):
            if subject.status == LicenceStatus.REFUSED:
                title = text(gettext_noop("%(licence)s was decided: how did we do?"), licence=named(subject))
            else:
                title = text(gettext_noop("%(licence)s was issued: how did we do?"), licence=named(subject))
            url = reverse("feedback:rate", args=["matter", subject.pk])
        else:
            title = text(gettext_noop("Your butler service has ended: how did it go?"))
            url = reverse("feedback:rate", args=["period", subject.pk])
        body = text(
            gettext_noop(
                "Rate the service from one to five stars on the portal; it takes a minute. Every bad "
                "rating is followed up by the window's head. %(butler)s"
            ),
            butler=butler_line(subject.company_id),
        )
        return Message(title=title, body=body, url=url, short=title)

    def phone(self, user) -> str:
        return Contact.objects.filter(user=user).values_list("mobile", flat=True).first() or ""


# --- audit case deadlines -------------------------------------------------------------------------------

CASE_KINDS = (K.AUDIT_STEP, K.AUDIT_OVERDUE)


def case_reminders_plan(*, case: AuditCase, rules: Rules | None = None, staff: list | None = None) -> Planned:
    """Plan the task and the escalation of the step the case is at (a closed case: cancel them)."""
    rules = rules or Rules()
    handler = case.handler if case.handler_id and case.handler.is_active else None
    audience = Audience(butler=handler, managers=managers() if staff is None else staff)
    if case.step == AuditCase.Step.REVIEW:
        audience = Audience(reviewers=reviewers())  # the reviewer's task, outside the window
    due_on = None if case.is_closed else case.step_due
    return plan_dates(
        subject=f"case:{case.pk}",
        dates=dict.fromkeys(CASE_KINDS, due_on),
        rule_for=rules.get,
        audience=audience,
        scope=f"company:{case.company_id}",
        label=joined([named(case), case.company.name], " · "),
    )


class CaseHandler:
    """Tells the engine about ``case:<id>`` subjects."""

    def _case(self, reminder) -> AuditCase | None:
        return (
            AuditCase.objects.select_related("company")
            .filter(pk=int(reminder.subject.split(":", 1)[1]))
            .first()
        )

    def no_longer_due(self, reminder) -> str:
        case = self._case(reminder)
        if case is None:
            return gettext_noop("the case was removed")
        if case.is_closed or case.step_due != reminder.due_on:
            return gettext_noop("resolved: the step was taken")
        return ""

    def message(self, reminder) -> Message:
        case = self._case(reminder)
        values = {
            "case": named(case),
            "company": case.company.name,
            "step": named(case.get_step_display),
            "date": reminder.due_on.isoformat(),
        }
        if reminder.kind == K.AUDIT_STEP:
            title = text(gettext_noop("%(case)s, %(company)s: %(step)s by %(date)s"), **values)
        else:
            title = text(gettext_noop("%(case)s, %(company)s: overdue since %(date)s (%(step)s)"), **values)
        body = (case.feedback.comment if case.rating_id else case.feedback.text)[:300]
        url = reverse("feedback:case", args=[case.pk])
        if case.step == AuditCase.Step.REVIEW and hasattr(case, "dispute"):
            url = reverse("feedback:dispute", args=[case.dispute.pk])  # the reviewer's page
        return Message(title=title, body=body, url=url, due_on=reminder.due_on)

    def phone(self, user) -> str:
        return Butler.objects.filter(user=user).values_list("mobile", flat=True).first() or ""


def _plan_company(*, company, rules: Rules, audience: Audience, staff: list) -> Planned:
    created = cancelled = 0
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


planner = CompanyPlanner(
    name="feedback",
    plan=_plan_company,
    prefetch=(
        Prefetch(
            "audit_cases",
            queryset=AuditCase.objects.open().select_related("company", "handler"),
            to_attr="open_cases",
        ),
    ),
)
