"""The reminder engine: plan reminders as rows, claim the due ones, deliver each at least once, never twice.

Callers hand the engine what is due (a subject, a kind of date, the date), to whom and by which channels;
the engine keeps the rows, and a periodic sweep sends whatever is due and unsent — also after downtime.
"""

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from reminders.channels import CHANNELS, Undeliverable
from reminders.models import Reminder
from reminders.registry import handler_for

logger = logging.getLogger("reminders")

S = Reminder.Status
SEND_AT = time(9, 0)  # reminders go out at nine in the morning, local time
MAX_ATTEMPTS = 5
LEASE = timedelta(minutes=10)
LATE_AFTER = timedelta(minutes=30)
SMS_HOURS = (time(8, 0), time(20, 0))


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
    channels: Iterable[str],
    recipients: Iterable,
    now: datetime | None = None,
) -> Planned:
    """Make the pending reminders of ``subject``/``kind`` exactly these. Planning twice creates once.

    Pending reminders that are no longer true (another date, another recipient, a resolved subject:
    ``due_on=None``) are cancelled; reminders already sent stay as they are. A date planned late (its
    earlier offsets already past) gets one reminder now, not a burst of every missed one.
    """
    wanted = set()
    if due_on is not None:
        wanted = {
            (offset, channel, recipient.pk)
            for offset in _timely(due_on, offsets, now or timezone.now())
            for channel in set(channels)
            for recipient in recipients
        }
    pending = Reminder.objects.select_for_update().filter(subject=subject, kind=kind, status=S.PENDING)
    cancelled = 0
    for reminder in pending:
        if (
            reminder.due_on != due_on
            or (reminder.offset_days, reminder.channel, reminder.recipient_id) not in wanted
        ):
            reminder.status = S.CANCELLED
            reminder.reason = "no longer due" if due_on is None else "the date or the recipients changed"
            reminder.save(update_fields=["status", "reason"])
            cancelled += 1
    if due_on is None:
        return Planned(0, cancelled)
    existing = set(
        Reminder.objects.filter(subject=subject, kind=kind, due_on=due_on).values_list(
            "offset_days", "channel", "recipient_id"
        )
    )
    new = [
        Reminder(
            subject=subject,
            kind=kind,
            due_on=due_on,
            offset_days=offset,
            channel=channel,
            recipient_id=recipient_id,
            scheduled_at=_scheduled(due_on, offset),
        )
        for offset, channel, recipient_id in sorted(wanted - existing)
    ]
    Reminder.objects.bulk_create(new, ignore_conflicts=True)
    return Planned(len(new), cancelled)


def reminders_claim(
    *, now: datetime | None = None, batch_size: int = 500, lease: timedelta = LEASE
) -> list[int]:
    """Claim due reminders for delivery: mark them sending with a lease and return their ids.

    On PostgreSQL the rows are locked with ``FOR UPDATE SKIP LOCKED``, so sweeps running at the same time
    never claim one reminder twice. A reminder whose worker died is claimed again when its lease runs out.
    """
    now = now or timezone.now()
    with transaction.atomic():
        due = Reminder.objects.due(now).order_by("scheduled_at", "pk")
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        ids = list(due.values_list("pk", flat=True)[:batch_size])
        Reminder.objects.filter(pk__in=ids).update(
            status=S.SENDING,
            lease_until=now + lease,
            attempts=F("attempts") + 1,
        )
        Reminder.objects.filter(pk__in=ids, scheduled_at__lt=now - LATE_AFTER).update(late=True)
    return ids


def _in_sms_hours(moment: datetime) -> bool:
    local = timezone.localtime(moment).time()
    return SMS_HOURS[0] <= local < SMS_HOURS[1]


def _next_sms_morning(moment: datetime) -> datetime:
    local = timezone.localtime(moment)
    day = local.date() if local.time() < SMS_HOURS[0] else local.date() + timedelta(days=1)
    return timezone.make_aware(datetime.combine(day, SMS_HOURS[0]), timezone.get_default_timezone())


def reminder_deliver(*, reminder_id: int, now: datetime | None = None) -> str:
    """Send one claimed reminder and record the outcome. Safe to run twice: a sent reminder stays sent."""
    now = now or timezone.now()
    reminder = Reminder.objects.select_related("recipient").filter(pk=reminder_id, status=S.SENDING).first()
    if reminder is None:
        return "not claimed"
    if reminder.channel == "sms" and not _in_sms_hours(now):
        Reminder.objects.filter(pk=reminder.pk, status=S.SENDING).update(
            status=S.PENDING,
            scheduled_at=_next_sms_morning(now),
            attempts=F("attempts") - 1,
            lease_until=None,
        )
        return "held until morning"
    handler = handler_for(reminder.subject)
    reason = "nobody handles this kind of subject" if handler is None else handler.no_longer_due(reminder)
    if reason:
        Reminder.objects.filter(pk=reminder.pk, status=S.SENDING).update(
            status=S.SKIPPED, reason=reason[:200]
        )
        return "skipped"
    try:
        provider_id = CHANNELS[reminder.channel].send(
            reminder, handler.message(reminder), key=f"reminder-{reminder.pk}"
        )
    except Undeliverable as error:
        Reminder.objects.filter(pk=reminder.pk, status=S.SENDING).update(
            status=S.FAILED, last_error=str(error)
        )
        return "failed"
    except Exception as error:  # noqa: BLE001 - any failure of a channel is recorded and retried
        logger.warning("reminder %s: %s", reminder.pk, error)
        final = reminder.attempts >= MAX_ATTEMPTS
        Reminder.objects.filter(pk=reminder.pk, status=S.SENDING).update(
            status=S.FAILED if final else S.PENDING,
            last_error=str(error)[:1000],
            scheduled_at=now + timedelta(minutes=2**reminder.attempts),
            lease_until=None,
        )
        return "failed" if final else "retry"
    Reminder.objects.filter(pk=reminder.pk, status=S.SENDING).update(
        status=S.SENT, sent_at=now, provider_message_id=provider_id[:100], last_error=""
    )
    return "sent"


def reminders_cancel(*, subject: str, kinds: Iterable[str] | None = None, reason: str = "") -> int:
    pending = Reminder.objects.filter(subject=subject, status=S.PENDING)
    if kinds is not None:
        pending = pending.filter(kind__in=list(kinds))
    return pending.update(status=S.CANCELLED, reason=reason[:200])
