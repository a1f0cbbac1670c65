"""Planning reminders from the administrator's rules: the rules read once, who a company's
reminders go to, and the one loop that plans every kind of date of a subject. Each room plans its own
subjects with these (``licences``, ``service``, ``contactlog``, ``feedback``, ``messaging``)."""

from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.exceptions import ObjectDoesNotExist

from butler.security import roles
from butler.service.models import ReminderRule, ServicePeriod
from companies.models import Company, Contact, LicenceStatus, ReminderChoice
from reminders.models import Channel
from reminders.services import Planned, reminder_plan
from reminders.texts import Spec

S = LicenceStatus


K = ReminderRule.Kind


class Rules:
    """The administrator's rules, read once: a licence type's own rule, else the rule for every type."""

    def __init__(self):
        self._rules = {(rule.kind, rule.licence_type_id): rule for rule in ReminderRule.objects.all()}

    def get(self, kind: str, licence_type_id: int | None = None) -> ReminderRule | None:
        rule = self._rules.get((kind, licence_type_id)) or self._rules.get((kind, None))
        return rule if rule is not None and rule.active else None


# Channels for the window's own staff only: a company contact (or anyone outside the window) never gets them.
STAFF_ONLY = (Channel.CHAT,)


def outside_channels(channels) -> tuple[str, ...]:
    """A rule's channels as they reach someone outside the window: without the staff chat."""
    return tuple(channel for channel in channels if channel not in STAFF_ONLY)


@dataclass
class Audience:
    """The people a company's reminders can go to."""

    contacts: list[Contact] = field(default_factory=list)
    butler: object | None = None  # the user of the butler in service, if any
    managers: list = field(default_factory=list)
    # Outside the window, in the managers' place (the reviewer of a disputed rating): no staff chat.
    reviewers: list = field(default_factory=list)

    def routes(self, rule: ReminderRule) -> list[tuple]:
        """Each recipient with their channels: statutory deadlines by the rule's channels; for the rest,
        a company contact's own choice (the portal always, e-mail or SMS as they chose). The staff chat
        reaches the butler and the managers only. Nobody is sent e-mail without an address, nor the chat
        without a mobile (the next reconcile adds it once they have one)."""
        return [
            (user, tuple(channel for channel in channels if _reachable(user, channel)))
            for user, channels in self._routes(rule)
        ]

    def _routes(self, rule: ReminderRule) -> list[tuple]:
        routes = []
        if rule.to_company:
            for contact in self.contacts:
                if rule.statutory:
                    channels = rule.channels
                elif contact.reminder_channel == ReminderChoice.PORTAL:
                    channels = (Channel.IN_APP,)
                else:
                    channels = (Channel.IN_APP, contact.reminder_channel)
                routes.append((contact.user, outside_channels(channels)))
        if rule.to_butler and self.butler is not None:
            routes.append((self.butler, rule.channels))
        if rule.to_manager:
            routes.extend((manager, rule.channels) for manager in self.managers)
            routes.extend((reviewer, outside_channels(rule.channels)) for reviewer in self.reviewers)
        return routes


def _reachable(user, channel: str) -> bool:
    """E-mail needs an address; the staff chat a mobile to mention (a manager records one as a butler's, in
    the admin). Without one the channel is left out, not tried and failed; the next reconcile adds it."""
    if channel == Channel.EMAIL:
        return bool(user.email)
    if channel == Channel.CHAT:
        try:
            return bool(user.butler.mobile)
        except ObjectDoesNotExist:
            return False
    return True


def managers() -> list:
    return list(
        get_user_model()
        .objects.filter(groups__name=roles.MANAGER, is_active=True)
        .select_related("butler")
        .order_by("pk")
    )


def reviewers() -> list:
    """Who decides disputed ratings, outside the window."""
    return list(get_user_model().objects.filter(groups__name=roles.REVIEWER, is_active=True).order_by("pk"))


def portal_contacts(company: Company) -> list[Contact]:
    return [contact for contact in company.contacts.all() if contact.user_id and contact.user.is_active]


def audience_for(company: Company, *, staff: list | None = None) -> Audience:
    period = ServicePeriod.objects.active().filter(company=company).select_related("butler__user").first()
    return Audience(
        contacts=portal_contacts(company),
        butler=period.butler.user if period else None,
        managers=managers() if staff is None else staff,
    )


def plan_dates(
    *, subject: str, dates: dict, rule_for, audience: Audience, scope: str, label: Spec
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
