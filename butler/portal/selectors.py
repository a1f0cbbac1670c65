"""What the company's portal home shows: its butler, its days left, and its next steps first."""

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Prefetch
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from butler.fleet.selectors import fleet_calendar
from companies.models import Company, CompanyLicence, Contact, LicenceMaterial, LicenceScope
from companies.models import LicenceStatus as S
from companies.selectors import checklist, urgency


def portal_home(contact: Contact, *, today: date | None = None) -> dict:
    """The company contact's view of their butler service."""
    today = today or timezone.localdate()
    periods = list(contact.company.service_periods.select_related("butler"))
    current = next((p for p in periods if p.is_active), None)
    context = {
        "company": contact.company,
        "period": current,
        "latest": periods[0] if periods else None,
        "periods": periods,
    }
    if current is not None:
        total = current.days_total()
        context["days_left"] = current.days_left(today)
        context["progress"] = round(100 * (total - context["days_left"]) / total) if total else 100
    return context


@dataclass
class NextStep:
    """One thing the company has to do, by when, and the page where it is done."""

    what: str
    subject: str
    due_on: date | None
    days: int | None
    tone: str
    url: str
    action: str
    details: list[str] = field(default_factory=list)

    @property
    def overdue(self) -> int:
        return -self.days if self.days is not None and self.days < 0 else 0


NEXT_STEPS = 3
HORIZON_DAYS = 30  # what is due within a month (or overdue) is a next step
_COMPANY_SCOPES = (LicenceScope.COMPANY, LicenceScope.TRIP)
_ACTIONS = {
    "supply": _("Bring the missing materials"),
    "obtain": _("Apply for it"),
    "renew": _("Apply to renew"),
    "cancel": _("Renew before it is cancelled"),
    "expiry": _("Call your butler"),
}


def next_steps(company: Company, *, today: date, to_rate: int = 0, limit: int = NEXT_STEPS) -> list[NextStep]:
    """The company's most urgent actions, soonest first: a licence to apply for, renew or complete with
    missing materials; a vehicle's or driver's review, inspection or insurance due within a month; and,
    when there is room, a rating waiting. Three queries."""
    steps = []
    licences = (
        CompanyLicence.objects.filter(company=company, licence_type__scope__in=_COMPANY_SCOPES)
        .exclude(status__in=[S.NOT_REQUIRED, S.WITHDRAWN, S.CANCELLED])
        .select_related("licence_type")
        .prefetch_related(
            Prefetch("missing_materials", queryset=LicenceMaterial.objects.order_by("position"))
        )
    )
    for licence in licences:
        found = urgency(licence, today)
        if found.what not in _ACTIONS or found.days is None or found.days > HORIZON_DAYS:
            continue
        reasons = licence.missing_reasons or {}
        steps.append(
            NextStep(
                what=str(licence.licence_type.name),
                subject="",
                due_on=found.on,
                days=found.days,
                tone=found.tone,
                url=f"{reverse('portal:licences')}#licence-{licence.pk}",
                action=str(_ACTIONS[found.what]),
                details=[
                    f"{material.name}: {reasons[str(material.pk)]}"
                    if reasons.get(str(material.pk))
                    else material.name
                    for material in licence.missing_materials.all()
                ]
                if found.what == "supply"
                else [],
            )
        )
    for item in fleet_calendar(company, today=today, within_days=HORIZON_DAYS):
        if item.undated:
            continue
        steps.append(
            NextStep(
                what=item.what,
                subject=item.subject,
                due_on=item.due_on,
                days=item.days,
                tone=item.tone,
                url=reverse("portal:fleet"),
                action=str(_("See my fleet")),
            )
        )
    steps.sort(key=lambda step: (step.due_on or date.max, step.what, step.subject))
    steps = steps[:limit]
    if to_rate and len(steps) < limit:
        steps.append(
            NextStep(
                what=str(ngettext("%(n)s thing to rate", "%(n)s things to rate", to_rate) % {"n": to_rate}),
                subject="",
                due_on=None,
                days=None,
                tone="info",
                url=reverse("feedback:portal"),
                action=str(_("Rate")),
            )
        )
    return steps


def portal_licences(company: Company, *, today: date) -> tuple[list, list]:
    """The company's licences as its phone shows them: those that need attention first, soonest first —
    overdue or close, or something the company must do within a month — then the rest, grouped by scope
    (the page folds them)."""
    groups = checklist(company, today=today)
    attention = []
    for group in groups:
        rest = []
        for licence in group.licences:
            found = licence.urgency
            close = found.days is not None and found.days <= HORIZON_DAYS and found.what in _ACTIONS
            (attention if found.tone in ("danger", "warning") or close else rest).append(licence)
        group.licences = rest
    attention.sort(
        key=lambda licence: (licence.urgency.on or date.max, licence.licence_type.position, licence.pk)
    )
    return attention, [group for group in groups if group.licences]
