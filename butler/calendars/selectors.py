"""Reads of the calendars: whose feeds a user manages, the feed a token opens, and the dates each holds.

Every date is read from what the product's own pages and reminders read, so the calendar says what they say:
a licence's dates are those its reminders are planned for (``butler.licences.reminding.licence_dates``) plus
the materials to supply and the window's committed date while they matter; the fleet's are its open
obligations (``butler.fleet.selectors.open_obligations``); a butler's are the tasks the reminder engine gives
them (return visits of the companies they serve or of consultations they recorded, audit steps they may take
— ``butler.feedback.cases.may_take`` —, their service periods ending); a manager's are the open audit steps.

The texts are written in the active language: the feed activates its owner's.
"""

import hashlib
from dataclasses import dataclass
from datetime import date

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from butler.calendars.models import CalendarFeed
from butler.contactlog.models import ContactRecord
from butler.feedback.cases import BUTLER_STEPS
from butler.feedback.models import AuditCase
from butler.fleet.selectors import open_obligations
from butler.licences.reminding import licence_dates
from butler.security import roles
from butler.service.models import Butler, ReminderRule, ServicePeriod
from butler.service.window import butler_line_of, window_name
from companies.lifecycle import CLOCK_RUNNING, CLOSED, COMPANYS_MOVE
from companies.models import Company, CompanyLicence, RenewalKind

K = ReminderRule.Kind
COMPANY, STAFF = "company", "staff"


def token_hash(raw_token: str) -> str:
    return hashlib.sha256((raw_token or "").encode()).hexdigest()


# --- who keeps which feed -------------------------------------------------------------------------------


def company_of(user) -> Company | None:
    """The company whose calendar a company contact keeps (None: not a contact with a portal account)."""
    if not roles.is_company(user):
        return None
    contact = getattr(user, "contact", None)
    return contact.company if contact is not None else None


def may_keep_a_calendar(user) -> bool:
    """Company contacts (their company's dates) and the window's butlers and managers (their tasks)."""
    return company_of(user) is not None or roles.is_staff_role(user)


def feeds_managed_by(user) -> QuerySet:
    """The feeds this user may see and revoke: their own, whoever they are; none without a role that keeps
    a calendar. (Nobody manages another person's feed: a manager's own is theirs alone too.)"""
    if not may_keep_a_calendar(user):
        return CalendarFeed.objects.none()
    return CalendarFeed.objects.filter(owner=user)


def live_feed_of(user) -> CalendarFeed | None:
    return feeds_managed_by(user).live().first()


def feed_by_token(raw_token: str) -> CalendarFeed | None:
    """The live feed this token opens, if its owner may still keep it: an active account, and for a company's
    calendar still a contact of that company (one who left the company reads nothing more). Two queries."""
    feed = (
        CalendarFeed.objects.live()
        .select_related("owner__contact__company", "company")
        .filter(token_hash=token_hash(raw_token), owner__is_active=True)
        .first()
    )
    if feed is None:
        return None
    if feed.company_id is not None:
        if feed.company_id != getattr(company_of(feed.owner), "pk", None):
            return None
    elif not roles.is_staff_role(feed.owner):
        return None
    return feed


# --- the dates ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CalendarEvent:
    """One all-day date. ``uid`` names the thing and which of its dates, never the date itself: when the date
    moves, the calendar moves the event instead of adding another."""

    uid: str
    day: date
    summary: str
    description: str
    path: str  # the page where it is seen or done


@dataclass
class CalendarContent:
    name: str
    description: str
    events: list[CalendarEvent]

    def upcoming(self, today: date, limit: int = 5) -> list[CalendarEvent]:
        return [event for event in self.events if event.day >= today][:limit]

    def overdue(self, today: date) -> int:
        return sum(1 for event in self.events if event.day < today)


def _sorted(events) -> list[CalendarEvent]:
    unique = {event.uid: event for event in events}
    return sorted(unique.values(), key=lambda event: (event.day, event.summary, event.uid))


def _renewal_summary(licence: CompanyLicence) -> str:
    values = {"licence": str(licence)}
    renewal = licence.licence_type.renewal_kind
    if renewal == RenewalKind.ANNUAL_REVIEW:
        return _("%(licence)s: annual review (年审) due") % values
    if renewal == RenewalKind.EXCHANGE:
        return _("%(licence)s: last day to apply to exchange the certificate (换证)") % values
    return _("%(licence)s: last day to apply for renewal") % values


def _licence_events(licence: CompanyLicence, *, butler: str, path: str) -> list[CalendarEvent]:
    dates = licence_dates(licence)
    values = {"licence": str(licence)}
    texts = {
        "obtain_by": (
            dates[K.OBTAIN_BY],
            _("%(licence)s: the window's target day to obtain it") % values,
            _("Apply in time: your butler helps you prepare the materials."),
        ),
        "renew_by": (
            dates[K.RENEW_BY],
            _renewal_summary(licence),
            _("Apply before this day so that the licence does not lapse."),
        ),
        "expiry": (
            dates[K.EXPIRED],
            _("%(licence)s: expiry") % values,
            _("Without renewal the licence lapses after this day."),
        ),
        "supply_by": (
            licence.supply_by if licence.status in COMPANYS_MOVE else None,
            _("%(licence)s: bring the missing materials by this day") % values,
            _("The list of what is missing is on the portal."),
        ),
        "committed": (
            licence.committed_due_on if licence.status in CLOCK_RUNNING else None,
            _("%(licence)s: the window's promised decision day") % values,
            _("The window promised to decide by this day."),
        ),
    }
    return [
        CalendarEvent(f"company.licence-{licence.pk}.{what}", day, summary, f"{note}\n{butler}", path)
        for what, (day, summary, note) in texts.items()
        if day is not None
    ]


def company_calendar(company: Company) -> CalendarContent:
    """A company's dates: every date of its licences still open for it, its fleet's obligations, the last day
    of its butler service. Three queries, whatever their number."""
    period = ServicePeriod.objects.active().filter(company=company).select_related("butler").first()
    butler = str(butler_line_of(period))
    licences = (
        CompanyLicence.objects.filter(company=company)
        .exclude(status__in=CLOSED)
        .select_related("licence_type", "vehicle", "person", "vessel")
    )
    checklist = reverse("portal:licences")
    events = []
    for licence in licences:
        if licence.vehicle_id and licence.vehicle.retired_on:
            continue
        events += _licence_events(licence, butler=butler, path=f"{checklist}#licence-{licence.pk}")
    fleet = reverse("portal:fleet")
    for obligation in open_obligations(company).filter(due_on__isnull=False):
        lines = [obligation.obligation_type.consequence, butler]
        events.append(
            CalendarEvent(
                f"company.obligation-{obligation.pk}",
                obligation.due_on,
                _("%(what)s due: %(subject)s")
                % {"what": obligation.obligation_type.name, "subject": obligation.subject},
                "\n".join(filter(None, lines)),
                fleet,
            )
        )
    if period is not None:
        events.append(
            CalendarEvent(
                f"company.period-{period.pk}.end",
                period.last_day,
                _("Last day of your butler service (card %(card)s)") % {"card": period.card_number},
                _("After it the window keeps reminding you of your licences' expiries.") + "\n" + butler,
                reverse("portal:home"),
            )
        )
    return CalendarContent(
        name=_("%(company)s · licence calendar") % {"company": company.name},
        description=_("Deadlines of the enterprise butler service, %(window)s") % {"window": window_name()},
        events=_sorted(events),
    )


def _return_visits(user, served: QuerySet) -> QuerySet:
    """Open return visits whose task is this user's, as the reminder engine gives it: those of the companies
    they serve, and those they recorded for a company without a butler in service or for a consultation
    without a company."""
    unserved = ~Exists(ServicePeriod.objects.active().filter(company=OuterRef("company")))
    return (
        ContactRecord.objects.filter(return_visit_due__isnull=False, return_visit_done_at__isnull=True)
        .filter(Q(company__in=served) | Q(recorded_by=user) & (Q(company__isnull=True) | unserved))
        .select_related("company")
    )


def _case_event(case: AuditCase) -> CalendarEvent:
    values = {"step": case.get_step_display(), "case": str(case), "company": case.company.name}
    return CalendarEvent(
        f"staff.case-{case.pk}",
        case.step_due,
        _("%(step)s: %(case)s, %(company)s") % values,
        _("The audit case's next step is due on this day."),
        reverse("feedback:case", args=[case.pk]),
    )


def staff_calendar(user) -> CalendarContent:
    """A butler's or a manager's tasks: return visits, audit steps they may take, the last days of the service
    periods they hold (a butler); every open audit step (a manager). At most five queries."""
    events = []
    butler = Butler.objects.filter(user=user).first() if roles.is_butler(user) else None
    served = Company.objects.none()
    if butler is not None:
        periods = ServicePeriod.objects.active().filter(butler=butler)
        served = Company.objects.filter(pk__in=periods.values("company_id"))
        for period in periods.select_related("company"):
            events.append(
                CalendarEvent(
                    f"staff.period-{period.pk}.end",
                    period.last_day,
                    _("%(company)s: last day of the service period") % {"company": period.company.name},
                    _("Check the licences still open and prepare the handover note."),
                    reverse("company:detail", args=[period.company_id]),
                )
            )
        if butler.active:  # an inactive butler takes no step of a case (may_take)
            cases = (
                AuditCase.objects.open()
                .filter(step__in=BUTLER_STEPS, step_due__isnull=False, company__in=served)
                .exclude(concerns=butler)
                .select_related("company")
            )
            events += [_case_event(case) for case in cases]
    for record in _return_visits(user, served):
        values = {"who": record.who}
        if record.source == ContactRecord.Source.HOTLINE:
            summary = _("12345 work order to answer: %(who)s") % values
        else:
            summary = _("Return visit: %(who)s") % values
        events.append(
            CalendarEvent(
                f"staff.contact-{record.pk}.return-visit",
                record.return_visit_due,
                summary,
                record.summary[:200],
                reverse("contactlog:return_visit", args=[record.pk]),
            )
        )
    if roles.is_manager(user):
        cases = (
            AuditCase.objects.open()
            .exclude(step=AuditCase.Step.REVIEW)  # the reviewer's, outside the window
            .filter(step_due__isnull=False)
            .select_related("company")
        )
        events += [_case_event(case) for case in cases]
    name = (butler.display_name if butler else "") or user.get_full_name() or user.get_username()
    return CalendarContent(
        name=_("%(name)s · my tasks") % {"name": name},
        description=_("Tasks of the enterprise butler service, %(window)s") % {"window": window_name()},
        events=_sorted(events),
    )


def calendar_of(feed: CalendarFeed) -> CalendarContent:
    return company_calendar(feed.company) if feed.company_id else staff_calendar(feed.owner)
