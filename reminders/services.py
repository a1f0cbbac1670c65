"""The reminder engine: plan reminders as rows, claim the due ones, deliver each at least once, never twice.

Callers hand the engine what is due (a subject, a kind of date, the date), to whom and by which channels;
the engine keeps the rows, and a periodic sweep sends whatever is due and unsent — also after downtime.
"""

import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Case, CharField, F, Value, When
from django.db.models.functions import Cast
from django.utils import timezone, translation
from django.utils.translation import gettext_noop, ngettext

from reminders.channels import CHANNELS, Undeliverable
from reminders.models import Channel, Reminder
from reminders.registry import Message, handler_for

logger = logging.getLogger("reminders")

S = Reminder.Status
SEND_AT = time(9, 0)  # reminders go out at nine in the morning, local time
MAX_ATTEMPTS = 5
LATE_AFTER = timedelta(minutes=30)
DIGESTED = {Channel.EMAIL, Channel.SMS}  # one message a day per person and channel, not a burst
URGENT_DAYS = 1  # a reminder this close to its date does not wait for tomorrow's digest


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
    label: str = "",
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
    message).
    """
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
    stale, revived, known = [], [], set()
    for pk, status, row_due_on, *key in rows.values_list(
        "pk", "status", "due_on", "offset_days", "channel", "recipient_id"
    ):
        true = row_due_on == due_on and tuple(key) in wanted
        if row_due_on == due_on:
            known.add(tuple(key))
        if status == S.PENDING and not true:
            stale.append(pk)
        elif status == S.CANCELLED and true:
            revived.append(pk)
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
        Reminder.objects.filter(pk__in=revived).update(status=S.PENDING, reason="", batch="")
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
            label=label[:200],
        )
        for offset, channel, recipient_id in sorted(wanted - known)
    ]
    if new:
        Reminder.objects.bulk_create(new, ignore_conflicts=True)
    return Planned(len(new) + len(revived), len(stale))


def reminders_claim(
    *, now: datetime | None = None, batch_size: int = 500, lease: timedelta | None = None
) -> list[list[int]]:
    """Claim due reminders for delivery: mark them sending with a lease and return them in batches.

    Each batch is one message: an in-app reminder alone, e-mail and SMS reminders due together for one
    person as one digest. On PostgreSQL the rows are locked with ``FOR UPDATE SKIP LOCKED``, so sweeps
    running at the same time never claim one reminder twice. A reminder whose worker died is claimed again
    when its lease runs out, in the batch it had: its idempotency key stays the same.
    """
    now = now or timezone.now()
    if lease is None:
        lease = timedelta(minutes=settings.BUTLER_REMINDER_LEASE_MINUTES)
    with transaction.atomic():
        # Reclaimed ones first, then the due ones: two queries that each read the first rows in order from
        # an index and stop, where one query with both conditions would read and sort every due row.
        rows: list[tuple] = []
        for due in (Reminder.objects.lease_expired(now), Reminder.objects.pending_due(now)):
            if len(rows) >= batch_size:
                break
            due = due.order_by("scheduled_at", "pk")
            if connection.features.has_select_for_update_skip_locked:
                due = due.select_for_update(skip_locked=True)
            rows += due.values_list("pk", "recipient_id", "channel", "batch")[: batch_size - len(rows)]
        if not rows:
            return []
        batches: dict[str, list[int]] = defaultdict(list)
        fresh: dict[tuple, list[int]] = defaultdict(list)
        for pk, recipient_id, channel, batch in rows:
            if batch:
                batches[batch].append(pk)
            elif channel in DIGESTED:
                fresh[(recipient_id, channel)].append(pk)
            else:
                batches[str(pk)].append(pk)
        for ids in fresh.values():
            batches[str(min(ids))].extend(ids)
        _mark_sending(batches, now=now, lease_until=now + lease)
    return list(batches.values())


def _mark_sending(batches: dict[str, list[int]], *, now: datetime, lease_until: datetime) -> None:
    """Mark claimed reminders sending, each with the key of its batch, in one statement."""
    if connection.vendor == "postgresql":
        # The batch keys as two arrays: building a CASE of one WHEN per digest costs more than the query.
        ids = [pk for ids in batches.values() for pk in ids]
        keys = [key for key, ids in batches.items() for _ in ids]
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE reminders_reminder AS r SET status = %s, lease_until = %s, attempts = r.attempts + 1,"
                " late = r.late OR r.scheduled_at < %s, batch = claimed.batch"
                " FROM unnest(%s::bigint[], %s::varchar[]) AS claimed(id, batch) WHERE r.id = claimed.id",
                [S.SENDING, lease_until, now - LATE_AFTER, ids, keys],
            )
        return
    digests = [When(pk__in=ids, then=Value(key)) for key, ids in batches.items() if len(ids) > 1]
    Reminder.objects.filter(pk__in=[pk for ids in batches.values() for pk in ids]).update(
        status=S.SENDING,
        lease_until=lease_until,
        attempts=F("attempts") + 1,
        late=Case(When(scheduled_at__lt=now - LATE_AFTER, then=Value(True)), default=F("late")),
        batch=Case(*digests, When(batch="", then=Cast("pk", CharField())), default=F("batch")),
    )


def _in_sms_hours(moment: datetime) -> bool:
    start, end = settings.BUTLER_SMS_HOURS
    return start <= timezone.localtime(moment).time() < end


def _next_morning(moment: datetime, at: time) -> datetime:
    local = timezone.localtime(moment)
    day = local.date() if local.time() < at else local.date() + timedelta(days=1)
    return timezone.make_aware(datetime.combine(day, at), timezone.get_default_timezone())


def _hold(ids: list[int], until: datetime) -> None:
    """Put claimed reminders back, unsent, until a later time (they form a new digest then)."""
    Reminder.objects.filter(pk__in=ids, status=S.SENDING).update(
        status=S.PENDING, scheduled_at=until, attempts=F("attempts") - 1, lease_until=None, batch=""
    )


def _digest_sent_today(reminder: Reminder, now: datetime) -> bool:
    midnight = timezone.make_aware(
        datetime.combine(timezone.localtime(now).date(), time(0)), timezone.get_default_timezone()
    )
    return Reminder.objects.filter(
        recipient_id=reminder.recipient_id, channel=reminder.channel, status=S.SENT, sent_at__gte=midnight
    ).exists()


def _digest(messages: list[Message]) -> Message:
    with translation.override(settings.LANGUAGE_CODE):
        title = ngettext("%(count)d reminder", "%(count)d reminders", len(messages)) % {
            "count": len(messages)
        }
    body = "\n\n".join(f"{message.title}\n{message.body}".strip() for message in messages)
    short = "; ".join(message.title for message in messages)
    return Message(title=title, body=body, url=messages[0].url, short=f"{title}: {short}")


def reminders_deliver(*, ids: Iterable[int], now: datetime | None = None) -> str:
    """Send one claimed batch as one message and record the outcome.

    Safe to run twice: a sent reminder stays sent, and the batch's idempotency key never changes. SMS wait
    for daytime; a person already sent a digest today by this channel gets the rest tomorrow morning, unless
    something is due within a day.
    """
    now = now or timezone.now()
    with transaction.atomic():
        # Locked while it is sent: a second task for the same batch (queued again after its lease ran out)
        # passes it by, and finds it sent once the first is done.
        rows = Reminder.objects.select_related("recipient").filter(pk__in=list(ids), status=S.SENDING)
        if connection.features.has_select_for_update_skip_locked:
            rows = rows.select_for_update(skip_locked=True, of=("self",))
        rows = list(rows)
        if not rows:
            return "not claimed"
        return _deliver(rows, now)


def _deliver(rows: list[Reminder], now: datetime) -> str:
    first = rows[0]
    claimed = [row.pk for row in rows]
    if first.channel == Channel.SMS and not _in_sms_hours(now):
        _hold(claimed, _next_morning(now, settings.BUTLER_SMS_HOURS[0]))
        return "held until morning"
    urgent = min(row.offset_days for row in rows) <= URGENT_DAYS
    if first.channel in DIGESTED and not urgent and _digest_sent_today(first, now):
        _hold(claimed, _next_morning(now, SEND_AT))
        return "held for tomorrow's digest"
    live, messages = [], {}
    for row in rows:
        handler = handler_for(row.subject)
        reason = (
            gettext_noop("nobody handles this kind of subject")
            if handler is None
            else handler.no_longer_due(row)
        )
        if reason:
            Reminder.objects.filter(pk=row.pk, status=S.SENDING).update(status=S.SKIPPED, reason=reason[:200])
        else:
            live.append(row.pk)
            # Several offsets of one date due together (after downtime) say one thing: said once.
            key = (row.subject, row.kind, row.due_on)
            if key not in messages:
                messages[key] = handler.message(row)
    if not live:
        return "skipped"
    unique = list(messages.values())
    message = unique[0] if len(unique) == 1 else _digest(unique)
    sending = Reminder.objects.filter(pk__in=live, status=S.SENDING)
    try:
        with transaction.atomic():  # a savepoint: a channel's database error leaves the outcome recordable
            provider_id = CHANNELS[first.channel].send(
                first, message, key=f"reminder-{first.batch or first.pk}"
            )
    except Undeliverable as error:
        sending.update(status=S.FAILED, last_error=str(error))
        return "failed"
    except Exception as error:  # noqa: BLE001 - any failure of a channel is recorded and retried
        logger.warning("reminders %s: %s", live, error)
        attempts = max(row.attempts for row in rows)
        final = attempts >= MAX_ATTEMPTS
        sending.update(
            status=S.FAILED if final else S.PENDING,
            last_error=str(error)[:1000],
            scheduled_at=now + timedelta(minutes=2**attempts),
            lease_until=None,
        )
        return "failed" if final else "retry"
    sending.update(status=S.SENT, sent_at=now, provider_message_id=provider_id[:100], last_error="")
    return "sent"


def reminders_retry(*, ids: Iterable[int], now: datetime | None = None) -> int:
    """Send failed reminders again at the next sweep (in the batch they had, under the same key)."""
    return Reminder.objects.filter(pk__in=list(ids), status=S.FAILED).update(
        status=S.PENDING, attempts=0, scheduled_at=now or timezone.now(), lease_until=None, last_error=""
    )


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
