"""The outbox: due reminders become outgoing messages, each made once.

A sweep claims the pending reminders whose time has come and puts them into messages in one transaction:
in-app, one message a reminder; e-mail and SMS, one message for everything due for the person on the channel
— the day's digest, or, when something is due within a day, a message that does not wait. The database holds
one digest a day per person and channel (``one_digest_a_day``): a second sweep at the same moment cannot make
another, and what it claimed waits for tomorrow's. SMS are not made at night: they wait for the morning.
"""

import uuid
from collections import defaultdict
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from reminders.models import Channel, OutboxMessage, Reminder
from reminders.services.planning import SEND_AT

S = Reminder.Status
M = OutboxMessage.State
DIGESTED = {Channel.EMAIL, Channel.SMS}  # one message a day per person and channel, not a burst
URGENT_DAYS = 1  # a reminder this close to its date does not wait for tomorrow's digest
LATE_AFTER = timedelta(minutes=30)


def in_sms_hours(moment: datetime) -> bool:
    start, end = settings.BUTLER_SMS_HOURS
    return start <= timezone.localtime(moment).time() < end


def next_morning(moment: datetime, at) -> datetime:
    local = timezone.localtime(moment)
    day = local.date() if local.time() < at else local.date() + timedelta(days=1)
    return timezone.make_aware(datetime.combine(day, at), timezone.get_default_timezone())


def new_key() -> str:
    return f"m-{uuid.uuid4().hex}"


def reminders_claim(*, now: datetime | None = None, batch_size: int = 500) -> int:
    """Put the first ``batch_size`` due reminders, and whatever else is due for the same people on the same
    channels, into outgoing messages (or hold them for later); the number of reminders taken. Fewer than
    ``batch_size``: nothing more is due.

    On PostgreSQL the rows are locked with ``FOR UPDATE SKIP LOCKED``: sweeps running at the same time never
    take one reminder twice.
    """
    now = now or timezone.now()
    with transaction.atomic():
        rows = list(_locked(Reminder.objects.pending_due(now).order_by("scheduled_at", "pk"))[:batch_size])
        if rows:
            rows += _more_for_the_same_people(rows, now)
            _form_messages(rows, now)
    return len(rows)


def _locked(reminders):
    if connection.features.has_select_for_update_skip_locked:
        reminders = reminders.select_for_update(skip_locked=True)
    return reminders.values_list("pk", "recipient_id", "channel", "offset_days")


def _more_for_the_same_people(rows: list[tuple], now: datetime) -> list[tuple]:
    """Everything else due now for the people and digested channels of ``rows``, so that a digest carries
    all of it, however the due reminders fall into claims."""
    pairs = {(recipient, channel) for _pk, recipient, channel, _offset in rows if channel in DIGESTED}
    if not pairs:
        return []
    taken = [pk for pk, *_rest in rows]
    more = _locked(
        Reminder.objects.pending_due(now)
        .filter(recipient_id__in={recipient for recipient, _ in pairs}, channel__in={c for _, c in pairs})
        .exclude(pk__in=taken)
        .order_by("scheduled_at", "pk")
    )
    return [row for row in more if (row[1], row[2]) in pairs]


def _form_messages(rows: list[tuple], now: datetime) -> None:
    today = timezone.localdate(now)
    held: dict[datetime, list[int]] = defaultdict(list)  # until when -> reminders that wait
    groups: dict[tuple, list[tuple]] = defaultdict(list)  # (recipient, channel) -> (pk, offset)
    carried: dict[str, list[int]] = {}  # message key -> its reminders
    messages: list[OutboxMessage] = []

    def message(recipient_id: int, channel: str, kind: str, pks: list[int]) -> None:
        made = OutboxMessage(
            recipient_id=recipient_id, channel=channel, kind=kind, day=today, key=new_key(), not_before=now
        )
        messages.append(made)
        carried[made.key] = pks

    texting = in_sms_hours(now)
    for pk, recipient_id, channel, offset in rows:
        if channel == Channel.SMS and not texting:
            held[next_morning(now, settings.BUTLER_SMS_HOURS[0])].append(pk)
        elif channel in DIGESTED:
            groups[(recipient_id, channel)].append((pk, offset))
        else:
            message(recipient_id, channel, OutboxMessage.Kind.SINGLE, [pk])
    made_today = _made_today(groups, today)
    tomorrow = next_morning(now, SEND_AT)
    for (recipient_id, channel), items in groups.items():
        pks = [pk for pk, _offset in items]
        if min(offset for _pk, offset in items) <= URGENT_DAYS:
            message(recipient_id, channel, OutboxMessage.Kind.URGENT, pks)
        elif (recipient_id, channel) in made_today:
            held[tomorrow].extend(pks)
        else:
            message(recipient_id, channel, OutboxMessage.Kind.DIGEST, pks)
    # A digest another sweep made meanwhile for the same person, channel and day wins (the constraint);
    # what this one would have carried waits for tomorrow's.
    OutboxMessage.objects.bulk_create(messages, ignore_conflicts=True)
    made = dict(OutboxMessage.objects.filter(key__in=list(carried)).values_list("key", "pk"))
    into: dict[int, list[int]] = {}
    for key, pks in carried.items():
        if key in made:
            into[made[key]] = pks
        else:
            held[tomorrow].extend(pks)
    _put_into(into, now)
    for until, pks in held.items():
        Reminder.objects.filter(pk__in=pks).update(scheduled_at=until)


def _made_today(groups: dict, today) -> set[tuple]:
    if not groups:
        return set()
    made = (
        OutboxMessage.objects.filter(
            day=today,
            recipient_id__in={recipient for recipient, _channel in groups},
            channel__in={channel for _recipient, channel in groups},
        )
        .exclude(state=M.SKIPPED)
        .values_list("recipient_id", "channel")
    )
    return set(made)


def _put_into(into: dict[int, list[int]], now: datetime) -> None:
    """Mark the reminders on their way in their messages (late if their time passed a while ago)."""
    if not into:
        return
    late_before = now - LATE_AFTER
    if connection.vendor == "postgresql":
        ids = [pk for pks in into.values() for pk in pks]
        messages = [message for message, pks in into.items() for _ in pks]
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE reminders_reminder AS r SET status = %s, message_id = m.message,"
                " late = r.late OR r.scheduled_at < %s"
                " FROM unnest(%s::bigint[], %s::bigint[]) AS m(id, message) WHERE r.id = m.id",
                [S.SENDING, late_before, ids, messages],
            )
        return
    for message, pks in into.items():
        reminders = Reminder.objects.filter(pk__in=pks)
        reminders.filter(scheduled_at__lt=late_before).update(late=True)
        reminders.update(status=S.SENDING, message_id=message)
