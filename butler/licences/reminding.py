"""The licence's reminders (``licence:<id>``): the deadline to obtain it and the last day to apply for
its renewal (reminders before), a missed deadline and an expiry without renewal (escalations after)."""

from django.urls import reverse
from django.utils.translation import gettext_noop

from butler.service.models import Butler, ServicePeriod
from butler.service.planning import CompanyPlanner
from butler.service.rules import Audience, K, Rules, S, audience_for, plan_dates
from butler.service.window import butler_line, butler_line_of, mobile_of
from companies.lifecycle import HELD, TO_OBTAIN
from companies.models import CompanyLicence, Contact, MaterialStage, RenewalKind
from companies.selectors import commitment_to_verify
from reminders.registry import Message
from reminders.services import Planned
from reminders.texts import Text, about, clauses, joined, listed, named, text


def licence_dates(licence: CompanyLicence) -> dict:
    """The dates of this licence still open for the company, by kind (None: nothing to remind of). The
    company's calendar shows the same dates (``butler/calendars``)."""
    to_obtain = licence.obtain_by if licence.status in TO_OBTAIN and not licence.first_issued_on else None
    # Held (or its renewal handed in incomplete, or refused) and not renewed: the expiry still threatens.
    renewing = licence.first_issued_on and licence.status in (S.MATERIALS_MISSING, S.REFUSED)
    held = licence.status in (S.ISSUED, S.RENEWAL_DUE, S.EXPIRED) or renewing
    unrenewed = licence.expires_on if held else None
    return {
        K.OBTAIN_BY: to_obtain,
        K.RENEW_BY: licence.renew_by if licence.status in (S.ISSUED, S.RENEWAL_DUE) else None,
        K.OBTAIN_MISSED: to_obtain,
        K.EXPIRED: unrenewed,
        K.VERIFY_BY: licence.verify_by if commitment_to_verify(licence) else None,
        K.CANCEL_BY: licence.cancel_on if licence.status == S.EXPIRED else None,
        K.CHANGE_BY: licence.change_by if licence.status in HELD else None,
    }


def licence_reminders_plan(
    *, licence: CompanyLicence, rules: Rules | None = None, audience: Audience | None = None
) -> Planned:
    """Plan (or cancel) the reminders and escalations of every date of this licence. Idempotent."""
    rules = rules or Rules()
    return plan_dates(
        subject=f"licence:{licence.pk}",
        dates=licence_dates(licence),
        rule_for=lambda kind: rules.get(kind, licence.licence_type_id),
        audience=audience or audience_for(licence.company),
        scope=f"company:{licence.company_id}",
        label=about(licence.company.name, licence),
    )


def _licence_title(kind: str, licence: CompanyLicence, day: str) -> Text:
    values = {"licence": named(licence), "date": day}
    if kind == K.OBTAIN_BY:
        return text(gettext_noop("%(licence)s: the window's target is to obtain it by %(date)s"), **values)
    if kind == K.RENEW_BY:
        renewal = licence.licence_type.renewal_kind
        if renewal == RenewalKind.ANNUAL_REVIEW:
            return text(gettext_noop("%(licence)s: annual review (年审) due by %(date)s"), **values)
        if renewal == RenewalKind.EXCHANGE:
            return text(
                gettext_noop("%(licence)s: apply to exchange the certificate (换证) by %(date)s"), **values
            )
        return text(gettext_noop("%(licence)s: apply for renewal by %(date)s"), **values)
    if kind == K.OBTAIN_MISSED:
        return text(gettext_noop("%(licence)s: the deadline to obtain it passed on %(date)s"), **values)
    if kind == K.VERIFY_BY:
        return text(gettext_noop("%(licence)s: check the signed commitment by %(date)s"), **values)
    if kind == K.CHANGE_BY:
        return text(
            gettext_noop("%(licence)s: apply for the change of the certificate (变更) by %(date)s"), **values
        )
    if kind == K.CANCEL_BY:
        return text(
            gettext_noop("%(licence)s: lapsed, to be cancelled on %(date)s unless applied for again"),
            **values,
        )
    return text(gettext_noop("%(licence)s: expired on %(date)s without renewal"), **values)


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
        if licence_dates(licence).get(reminder.kind) != reminder.due_on:
            return gettext_noop("resolved: the licence moved on meanwhile")
        return ""

    def message(self, reminder) -> Message:
        licence = self._licence(reminder)
        if "_for_company" in reminder.__dict__:
            for_company = reminder.__dict__["_for_company"]
        else:
            for_company = Contact.objects.filter(user_id=reminder.recipient_id).exists()
        title = _licence_title(reminder.kind, licence, reminder.due_on.isoformat())
        lines = [licence.company.name]
        if reminder.kind in (K.OBTAIN_BY, K.RENEW_BY):
            stage = MaterialStage.FIRST if reminder.kind == K.OBTAIN_BY else MaterialStage.RENEWAL
            materials = [
                material
                for material in licence.licence_type.materials.all()
                if material.stage in (MaterialStage.BOTH, stage)
            ]
            if materials:
                lines.append(
                    text(
                        gettext_noop("What to bring: %(materials)s"),
                        materials=listed([named(material) for material in materials]),
                    )
                )
        if "_serving" in reminder.__dict__:
            butler = butler_line_of(reminder.__dict__["_serving"])
        else:
            butler = butler_line(licence.company_id)
        lines.append(butler)
        url = reverse("portal:licences") if for_company else reverse("licences:detail", args=[licence.pk])
        return Message(
            title=title,
            body=joined(lines),
            url=url,
            short=clauses([title, butler]),
            due_on=reminder.due_on,
        )

    def phone(self, user) -> str:
        if "_mobile" in user.__dict__:
            return user.__dict__["_mobile"]
        return mobile_of(user)


def _plan_company(*, company, rules: Rules, audience: Audience, staff: list) -> Planned:
    created = cancelled = 0
    for licence in company.all_licences:
        result = licence_reminders_plan(licence=licence, rules=rules, audience=audience)
        created, cancelled = created + result.created, cancelled + result.cancelled
    return Planned(created, cancelled)


planner = CompanyPlanner(name="licences", plan=_plan_company)
