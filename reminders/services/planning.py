"""Planning: reminders as rows, one a date, offset, channel and person; planning twice creates once.

Callers hand the engine what is due (a subject, a kind of date, the date), to whom and by which channels;
the engine keeps the rows. Changing a date plans again, a resolved subject cancels what is still pending.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from reminders.models import Reminder
from reminders.texts import Spec, in_window_language

S = Reminder.Status
SEND_AT = time(9, 0)  # reminders go out at nine in the morning, local time


@dataclass(frozen=True)
class Planned:
    created: int
    cancelled: int


def _scheduled(due_on: date, offset: int) -> datetime:
    day = due_on - timedelta(days=offset)
    return timezone.make_aware(datetime.combine(day, SEND_AT), timezone.get_default_timezone())


def _timely(due_on: date, offsets: Iterable[int], now: datetime) -> set[int]:
    """The offsets still ahead, plus the latest one already past (if any)."""
    offsets = sorted(set(offsets))  # smallest offset = latest reminder
    ahead = {offset for offset in offsets if _scheduled(due_on, offset) > now}
    past = [offset for offset in offsets if offset not in ahead]
    return ahead | ({past[0]} if past else set())


@transaction.atomic
def reminder_plan(
    *,
    subject: str,
    kind: str,
    due_on: date | None,
    offsets: Iterable[int],
    channels: Iterable[str] = (),
    recipients: Iterable = (),
    routes: Iterable[tuple] | None = None,
    scope: str = "",
    label: Spec = "",
    now: datetime | None = None,
    send_at: datetime | None = None,
) -> Planned:
    """Make the pending reminders of ``subject``/``kind`` exactly these. Planning twice creates once.

    Everyone in ``recipients`` gets every channel in ``channels``; ``routes`` — pairs of (person, channels)
    — says it person by person instead. Pending reminders that are no longer true (another date, another
    recipient, a resolved subject: ``due_on=None``) are cancelled; reminders already sent stay as they are;
    a cancelled reminder that is true again comes back. A date planned late (its earlier offsets already
    past) gets one reminder now, not a burst of every missed one. Reminders go out at nine in the morning;
    ``send_at`` sends those of offset 0 at that moment instead (a notice that should not wait, e.g. a
    message). ``label`` says what it is about, best as a :mod:`reminders.texts` text (each reader reads it in
    their language).
    """
    label_text = label if isinstance(label, dict) else None
    label = in_window_language(label)[:200]
    if routes is None:
        channels = tuple(channels)
        routes = [(recipient, channels) for recipient in recipients]
    wanted = set()
    if due_on is not None:
        timely = _timely(due_on, offsets, now or timezone.now())
        wanted = {
            (offset, channel, recipient.pk)
            for recipient, route_channels in routes
            for channel in set(route_channels)
            for offset in timely
        }
    # One read of every row of this subject and kind (a handful: its offsets, channels and recipients).
    rows = Reminder.objects.select_for_update().filter(subject=subject, kind=kind)
    stale, revived, moved, known = [], [], [], set()
    for pk, status, row_due_on, row_scope, row_label, row_label_text, *key in rows.values_list(
        "pk", "status", "due_on", "scope", "label", "label_text", "offset_days", "channel", "recipient_id"
    ):
        true = row_due_on == due_on and tuple(key) in wanted
        if row_due_on == due_on:
            known.add(tuple(key))
        if status == S.PENDING and not true:
            stale.append(pk)
        elif status == S.CANCELLED and true:
            revived.append(pk)
        elif status == S.PENDING and (row_scope, row_label, row_label_text) != (scope, label, label_text):
            moved.append(pk)  # the subject now belongs elsewhere (e.g. a consultation linked to its company)
    if stale:
        Reminder.objects.filter(pk__in=stale).update(
            status=S.CANCELLED,
            reason=gettext_noop("no longer due")
            if due_on is None
            else gettext_noop("the date or the recipients changed"),
        )
    if due_on is None:
        return Planned(0, len(stale))
    if revived:
        Reminder.objects.filter(pk__in=revived).update(
            status=S.PENDING, reason="", message=None, scope=scope, label=label, label_text=label_text
        )
    if moved:
        Reminder.objects.filter(pk__in=moved).update(scope=scope, label=label, label_text=label_text)
    new = [
        Reminder(
            subject=subject,
            kind=kind,
            due_on=due_on,
            offset_days=offset,
            channel=channel,
            recipient_id=recipient_id,
            scheduled_at=send_at if send_at is not None and offset == 0 else _scheduled(due_on, offset),
            scope=scope,
            label=label,
            label_text=label_text,
        )
        for offset, channel, recipient_id in sorted(wanted - known)
    ]
    if new:
        Reminder.objects.bulk_create(new, ignore_conflicts=True)
    return Planned(len(new) + len(revived), len(stale))


def reminders_cancel(
    *, subject: str, kinds: Iterable[str] | None = None, reason: str = "", recipient=None
) -> int:
    """Cancel what is pending for the subject (of these kinds, for this recipient)."""
    pending = Reminder.objects.filter(subject=subject, status=S.PENDING)
    if recipient is not None:
        pending = pending.filter(recipient=recipient)
    if kinds is not None:
        pending = pending.filter(kind__in=list(kinds))
    return pending.update(status=S.CANCELLED, reason=reason[:200])
