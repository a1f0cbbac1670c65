"""A company's timeline: contacts, licence events, visits, reminders sent and messages, newest first.

Each source gives at most ``limit`` entries older than the cursor, so the merged page is exact and the page
costs the same few queries whatever the company's history (keyset pagination across sources).
"""

from dataclasses import dataclass
from datetime import datetime, time

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from butler.contactlog.models import ContactRecord
from butler.messaging.models import Message
from companies.models import CompanyLicence, Trip
from reminders.models import Reminder

KINDS = {
    "contact": gettext_lazy("Contacts"),
    "licence": gettext_lazy("Licence steps"),
    "trip": gettext_lazy("Visits to the window"),
    "reminder": gettext_lazy("Reminders sent"),
    "message": gettext_lazy("Messages"),
}


@dataclass
class Event:
    when: datetime
    kind: str
    title: str
    text: str = ""
    who: str = ""
    url: str = ""


def _name(user) -> str:
    return (user.get_full_name() or user.username) if user else ""


def _contacts(company, before, limit, recorded_by=None):
    rows = ContactRecord.objects.filter(company=company, occurred_at__lt=before).select_related("recorded_by")
    if recorded_by is not None:
        rows = rows.filter(recorded_by=recorded_by)
    for record in rows.order_by("-occurred_at", "-pk")[:limit]:
        text = record.summary
        if record.return_visit_due:
            text += " · " + _("return visit due %(date)s") % {"date": record.return_visit_due.isoformat()}
        yield Event(
            record.occurred_at, "contact", record.get_channel_display(), text, _name(record.recorded_by)
        )


def _licence_steps(company, before, limit):
    rows = (
        CompanyLicence.history.filter(company_id=company.pk, history_date__lt=before)
        .select_related("history_user", "licence_type")
        .order_by("-history_date", "-history_id")[: limit * 3]
    )
    rows = list(reversed(rows))
    seen: dict[int, str] = {}
    events = []
    for row in rows:
        previous = seen.get(row.id)
        seen[row.id] = row.status
        if row.history_type == "+" or (previous is not None and previous != row.status):
            status = str(
                dict(CompanyLicence._meta.get_field("status").flatchoices).get(row.status, row.status)
            )
            events.append(
                Event(row.history_date, "licence", str(row.licence_type), status, _name(row.history_user))
            )
    return events[-limit:]


def _trips(company, before, limit):
    day = timezone.localtime(before).date()
    rows = Trip.objects.filter(licence__company=company, date__lte=day).select_related(
        "licence__licence_type"
    )
    for trip in rows.order_by("-date", "-pk")[: limit + 1]:
        # A visit has a day, not a time: it is placed when the window opens.
        when = timezone.make_aware(datetime.combine(trip.date, time(8, 30)), timezone.get_default_timezone())
        if when < before:
            yield Event(when, "trip", _("Visit to the window"), f"{trip.what} · {trip.licence.licence_type}")


def _reminders(company, before, limit):
    rows = Reminder.objects.filter(
        scope=f"company:{company.pk}", status=Reminder.Status.SENT, sent_at__lt=before
    )
    seen = set()
    for reminder in rows.select_related("recipient").order_by("-sent_at", "-pk")[: limit * 4]:
        key = (reminder.subject, reminder.kind, reminder.due_on, reminder.sent_at.date())
        if key in seen:
            continue
        seen.add(key)
        yield Event(reminder.sent_at, "reminder", reminder.about.split(" · ", 1)[-1], reminder.kind)


def _messages(company, before, limit):
    rows = Message.objects.filter(thread__company=company, created_at__lt=before).select_related(
        "author", "thread"
    )
    for message in rows.order_by("-created_at", "-pk")[:limit]:
        yield Event(
            message.created_at, "message", message.thread.subject, message.body[:200], _name(message.author)
        )


SOURCES = {
    "contact": _contacts,
    "licence": _licence_steps,
    "trip": _trips,
    "reminder": _reminders,
    "message": _messages,
}


def company_timeline(
    company, *, kinds=None, before: datetime | None = None, limit: int = 50, recorded_by=None
) -> list[Event]:
    """The newest ``limit`` events before ``before`` (now by default), of the chosen kinds. With
    ``recorded_by`` (a butler who served the company before), only the contacts they recorded, no messages."""
    before = before or timezone.now()
    chosen = [kind for kind in (kinds or KINDS) if kind in SOURCES]
    if recorded_by is not None:
        chosen = [kind for kind in chosen if kind != "message"]
    events = []
    for kind in chosen:
        if kind == "contact":
            events.extend(_contacts(company, before, limit, recorded_by))
        else:
            events.extend(SOURCES[kind](company, before, limit))
    events.sort(key=lambda event: event.when, reverse=True)
    return events[:limit]
