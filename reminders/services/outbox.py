"""The outbox: due reminders become outgoing messages, each made once.

A sweep claims the pending reminders whose time has come and puts them into messages in one transaction:
in-app, one message a reminder; e-mail, SMS and the staff chat, one message for everything due for the person
on the channel — the day's digest, or, when something is due within a day, a message that does not wait. The
database holds one digest a day per person and channel (``one_digest_a_day``): a second sweep at the same
moment cannot make another, and what it claimed waits for tomorrow's. SMS and chat messages, which ring a
phone, are not made at night: they wait for the morning.
"""

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from reminders.models import Channel, OutboxMessage, Reminder
from reminders.services.planning import SEND_AT

S = Reminder.Status
M = OutboxMessage.State
DIGESTED = {Channel.EMAIL, Channel.SMS, Channel.CHAT}  # one message a day per person and channel, not a burst
DAYTIME = {Channel.SMS, Channel.CHAT}  # they ring a phone: only within BUTLER_SMS_HOURS
URGENT_DAYS = 1  # a reminder this close to its date does not wait for tomorrow's digest
LATE_AFTER = timedelta(minutes=30)


def in_sms_hours(moment: datetime) -> bool:
    """Whether a text (or a chat mention) may ring a phone at this moment: within ``BUTLER_SMS_HOURS``."""
    start, end = settings.BUTLER_SMS_HOURS
    return start <= timezone.localtime(moment).time() < end


def next_morning(moment: datetime, at) -> datetime:
    local = timezone.localtime(moment)
    day = local.date() if local.time() < at else local.date() + timedelta(days=1)
    return timezone.make_aware(datetime.combine(day, at), timezone.get_default_timezone())


def lease() -> timedelta:
    return timedelta(minutes=settings.BUTLER_REMINDER_LEASE_MINUTES)


def new_key() -> str:
    return f"m-{uuid.uuid4().hex}"


@dataclass(frozen=True)
class Claim:
    taken: int  # reminders taken: put into messages or held for later
    messages: list[int]  # the messages made, leased to the caller, who hands them to delivery


def reminders_claim(*, now: datetime | None = None, batch_size: int = 500) -> Claim:
    """Put the first ``batch_size`` due reminders, and whatever else is due for the same people on the same
    channels, into outgoing messages (or hold them for later). Fewer than ``batch_size`` taken: nothing more
    is due. The messages made come leased for ``BUTLER_REMINDER_LEASE_MINUTES``: handed over at once, or, if
    the caller dies first, by a later sweep once the lease runs out.

    On PostgreSQL the rows are locked with ``FOR UPDATE SKIP LOCKED``: sweeps running at the same time never
    take one reminder twice.
    """
    now = now or timezone.now()
    with transaction.atomic():
        rows = list(_locked(Reminder.objects.pending_due(now).order_by("scheduled_at", "pk"))[:batch_size])
        if not rows:
            return Claim(0, [])
        rows += _more_for_the_same_people(rows, now)
        made = _form_messages(rows, now)
    return Claim(len(rows), made)


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


def _form_messages(rows: list[tuple], now: datetime) -> list[int]:
    today = timezone.localdate(now)
    held: dict[datetime, list[int]] = defaultdict(list)  # until when -> reminders that wait
    groups: dict[tuple, list[tuple]] = defaultdict(list)  # (recipient, channel) -> (pk, offset)
    carried: dict[str, list[int]] = {}  # message key -> its reminders
    messages: list[Draft] = []

    def message(recipient_id: int, channel: str, kind: str, pks: list[int]) -> None:
        made = Draft(recipient_id, channel, kind, new_key())
        messages.append(made)
        carried[made.key] = pks

    texting = in_sms_hours(now)
    for pk, recipient_id, channel, offset in rows:
        if channel in DAYTIME and not texting:
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
    _insert(messages, day=today, now=now)
    into: dict[int, list[int]] = {}
    for made in messages:
        if made.pk is not None:
            into[made.pk] = carried[made.key]
        else:  # another sweep made this person's digest meanwhile: what this one carried waits
            held[tomorrow].extend(carried[made.key])
    _put_into(into, now)
    for until, pks in held.items():
        Reminder.objects.filter(pk__in=pks).update(scheduled_at=until)
    return sorted(into)


@dataclass
class Draft:
    """A message about to be made: who, how, what kind, its key; its id once inserted."""

    recipient_id: int
    channel: str
    kind: str
    key: str
    pk: int | None = None


def _insert(messages: list[Draft], *, day, now: datetime) -> None:
    """Insert the messages in one statement; their ids come back with it. A digest another sweep made
    meanwhile for the same person, channel and day is refused by the constraint: that message is left
    without an id. On PostgreSQL the messages go in as arrays, no model instance made one by one (at 10,000
    due, that halved the claim's time)."""
    if not messages:
        return
    if connection.vendor != "postgresql":
        _insert_one_by_one(messages, day=day, now=now)
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO reminders_outboxmessage (recipient_id, channel, kind, day, key, state, not_before,"
            " lease_until, attempts, language, title, body, url, short, address, provider_message_id,"
            " last_error, created_at)"
            " SELECT m.recipient, m.channel, m.kind, %s, m.key, %s, %s, %s, 0,"
            " '', '', '', '', '', '', '', '', %s"
            " FROM unnest(%s::bigint[], %s::varchar[], %s::varchar[], %s::varchar[])"
            " AS m(recipient, channel, kind, key)"
            " ON CONFLICT DO NOTHING RETURNING id, key",
            [
                day,
                OutboxMessage.State.QUEUED,
                now,
                now + lease(),
                now,
                [message.recipient_id for message in messages],
                [message.channel for message in messages],
                [message.kind for message in messages],
                [message.key for message in messages],
            ],
        )
        made = {key: pk for pk, key in cursor.fetchall()}
    for message in messages:
        message.pk = made.get(message.key)


def _insert_one_by_one(messages: list[Draft], *, day, now: datetime) -> None:
    """Elsewhere (SQLite): all at once, or, when the constraint refuses one, one at a time."""
    rows = [
        OutboxMessage(
            recipient_id=m.recipient_id,
            channel=m.channel,
            kind=m.kind,
            key=m.key,
            day=day,
            not_before=now,
            lease_until=now + lease(),
        )
        for m in messages
    ]
    try:
        with transaction.atomic():
            OutboxMessage.objects.bulk_create(rows)
    except IntegrityError:
        for row in rows:
            row.pk = None
            try:
                with transaction.atomic():
                    OutboxMessage.objects.bulk_create([row])
            except IntegrityError:
                row.pk = None
    for message, row in zip(messages, rows, strict=True):
        message.pk = row.pk


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
