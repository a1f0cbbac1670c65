"""Delivery: outgoing messages handed to workers, written once, sent, and recorded — three short steps.

1. The sweep hands the messages it made to delivery tasks, then those whose time has come again (a text
   held until morning, a retry) and those whose lease ran out (the task was lost, the worker died or
   overran), each leased for ``BUTLER_REMINDER_LEASE_MINUTES``.
2. A task takes its messages with a conditional update (a message another worker holds is left alone) and,
   the first time one is taken, writes its text and address from its reminders and stores them before
   anything is sent: from then on the message goes out only as itself, under its key. A reminder resolved
   before its message was written is skipped, with the reason.
3. Each message is sent outside any transaction (no row is locked while the mail server or the gateway
   answers) and its outcome recorded with a conditional update. A worker that dies between sending and
   recording leaves the message to be sent again, as itself, once its lease runs out: the key lets the
   gateway drop the repeat.
"""

import logging
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, OuterRef, Q, Subquery
from django.utils import timezone, translation
from django.utils.translation import gettext_noop, ngettext_lazy

from reminders import registry
from reminders.channels import CHANNELS, Undeliverable
from reminders.channels.chat import chat_text
from reminders.channels.sms import sms_text
from reminders.models import Channel, OutboxMessage, Reminder
from reminders.people import languages_of
from reminders.registry import Message, handler_for
from reminders.services.outbox import DAYTIME, in_sms_hours, lease, next_morning, reminders_claim
from reminders.texts import clauses, joined, plural, render, text

logger = logging.getLogger("reminders")

S = Reminder.Status
M = OutboxMessage.State
MAX_ATTEMPTS = 5
CLAIM = 500  # reminders put into messages per transaction
HAND_OVER = 500  # messages handed over per transaction


def messages_hand_over(*, now: datetime | None = None, limit: int = HAND_OVER) -> list[int]:
    """The messages to send now — waiting ones whose time has come and which no worker holds, and those a
    worker took but did not finish within its lease — leased to the caller, who hands them to workers."""
    now = now or timezone.now()
    with transaction.atomic():
        waiting = OutboxMessage.objects.filter(
            Q(lease_until__isnull=True) | Q(lease_until__lt=now), state=M.QUEUED, not_before__lte=now
        ).order_by("not_before", "pk")
        abandoned = OutboxMessage.objects.filter(state=M.SENDING, lease_until__lt=now)
        abandoned = abandoned.order_by("lease_until", "pk")
        ids: list[int] = []
        for messages in (abandoned, waiting):
            if connection.features.has_select_for_update_skip_locked:
                messages = messages.select_for_update(skip_locked=True)
            ids += messages.values_list("pk", flat=True)[: limit - len(ids)]
        if ids:
            # An abandoned message waits again, as it is: the worker it is handed to takes it as any other.
            OutboxMessage.objects.filter(pk__in=ids).update(state=M.QUEUED, lease_until=now + lease())
    return ids


def messages_deliver(*, ids: Iterable[int], now: datetime | None = None) -> list[str]:
    """Send these messages, each at most once per attempt, and record how each went. Safe to run twice and
    at the same time as another delivery of the same messages: only one takes each."""
    now = now or timezone.now()
    taken = _take(list(ids), now)
    if not taken:
        return []
    messages = list(OutboxMessage.objects.filter(pk__in=taken).select_related("recipient").order_by("pk"))
    outcomes: dict[int, str] = {}
    fresh = [message for message in messages if message.rendered_at is None]
    if fresh:
        _write(fresh, taken, now)
    sending = []
    for message in messages:
        if message.state != M.SENDING:
            outcomes[message.pk] = message.state
        elif message.channel in DAYTIME and not in_sms_hours(now):
            _put_back(message, taken, until=next_morning(now, settings.BUTLER_SMS_HOURS[0]), now=now)
            outcomes[message.pk] = "held until morning"
        else:
            sending.append(message)
    in_app = [message for message in sending if message.channel == Channel.IN_APP]
    if in_app:
        _record_sent(in_app, taken, CHANNELS[Channel.IN_APP].send_many(in_app, now=now), now)
        outcomes.update(dict.fromkeys((message.pk for message in in_app), M.SENT))
    for channel in (Channel.EMAIL, Channel.SMS, Channel.CHAT):
        batch = [message for message in sending if message.channel == channel]
        if batch:
            outcomes.update(_send_each(channel, batch, taken, now))
    return [outcomes[message.pk] for message in messages]


def _take(ids: list[int], now: datetime) -> dict[int, int]:
    """Take the messages handed over to be sent (the sweep judged them due; one put back since is not
    taken) and those a worker's lease ran out on: {message: its attempt, counting this one}."""
    if not ids:
        return {}
    marks = ", ".join(["%s"] * len(ids))  # placeholders only: the ids go in as parameters
    at, until = (connection.ops.adapt_datetimefield_value(moment) for moment in (now, now + lease()))
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE reminders_outboxmessage SET state = %s, attempts = attempts + 1, lease_until = %s"  # noqa: S608 - placeholders only
            f" WHERE id IN ({marks})"
            " AND ((state = %s AND lease_until IS NOT NULL) OR (state = %s AND lease_until < %s))"
            " RETURNING id, attempts",
            [M.SENDING, until, *ids, M.QUEUED, M.SENDING, at],
        )
        return dict(cursor.fetchall())


def _write(messages: list[OutboxMessage], taken: dict[int, int], now: datetime) -> None:
    """Write each message's text and address from its reminders, once, before it is first sent."""
    reminders = list(
        Reminder.objects.filter(message__in=messages, status=S.SENDING)
        .select_related("recipient")
        .order_by("due_on", "subject", "kind", "pk")
    )
    registry.prepare(reminders)
    carried = defaultdict(list)
    for reminder in reminders:
        carried[reminder.message_id].append(reminder)
    languages = languages_of({message.recipient_id for message in messages})
    resolved: dict[str, list[int]] = defaultdict(list)  # reason -> reminders
    for message in messages:
        live, texts = [], {}
        for reminder in carried[message.pk]:
            handler = handler_for(reminder.subject)
            reason = (
                gettext_noop("nobody handles this kind of subject")
                if handler is None
                else handler.no_longer_due(reminder)
            )
            if reason:
                resolved[reason[:200]].append(reminder.pk)
                continue
            live.append(reminder)
            # Several offsets of one date due together (after downtime) say one thing: said once.
            said = (reminder.subject, reminder.kind, reminder.due_on)
            if said not in texts:
                texts[said] = handler.message(reminder)
        if not live:
            message.state = M.SKIPPED
            continue
        if len(texts) == 1:
            said, template = next(iter(texts.values())), f"{live[0].subject.split(':', 1)[0]}.{live[0].kind}"
        else:
            said, template = _digest(list(texts.values())), "digest"
        _written(message, said, template, languages.get(message.recipient_id, settings.LANGUAGE_CODE))
        try:
            first = live[0]
            message.address = CHANNELS[message.channel].address(first.recipient, handler_for(first.subject))
        except Undeliverable as error:
            message.state, message.last_error = M.FAILED, str(error)
    with transaction.atomic():
        for reason, pks in resolved.items():
            Reminder.objects.filter(pk__in=pks, status=S.SENDING).update(status=S.SKIPPED, reason=reason)
        for message in messages:
            mine = OutboxMessage.objects.filter(
                pk=message.pk, state=M.SENDING, attempts=taken[message.pk], rendered_at__isnull=True
            )
            if message.state == M.SKIPPED:
                mine.update(state=M.SKIPPED, lease_until=None)
            elif message.state == M.FAILED:
                if mine.update(state=M.FAILED, last_error=message.last_error, lease_until=None):
                    _reminders_of([message]).update(
                        status=S.FAILED, last_error=message.last_error, attempts=taken[message.pk]
                    )
            elif not mine.update(
                language=message.language,
                title=message.title,
                body=message.body,
                url=message.url,
                short=message.short,
                texts=message.texts,
                address=message.address,
                rendered_at=now,
            ):
                message.state = "taken by another worker"  # its lease ran out meanwhile: the other sends it


def _written(message: OutboxMessage, said: Message, template: str, language: str) -> None:
    """The message as its recipient reads it, in their language, and as written (keys and parameters)."""
    with translation.override(language):
        message.language = language
        message.title, message.body = render(said.title)[:200], render(said.body)
        message.url = said.url[:300]
        short = said.short or said.title
        if message.channel == Channel.SMS:
            message.short = sms_text(render(short), language)
        elif message.channel == Channel.CHAT:  # a colleague's message: the whole of it, with its link
            message.short = chat_text(message.title, message.body, message.url)
        else:
            message.short = render(short)
    message.texts = {
        "title": said.title,
        "body": said.body,
        "short": short,
        "due_on": said.due_on.isoformat() if said.due_on else None,
        "template": template,
    }


def _plurals() -> None:
    """Never called: marks for ``makemessages`` the plurals that are written as keys below."""
    ngettext_lazy("%(count)d reminder", "%(count)d reminders", "count")


def _digest(texts: list[Message]) -> Message:
    count = len(texts)
    title = plural("%(count)d reminder", "%(count)d reminders", count)  # marked in _plurals
    body = joined([joined([said.title, said.body]) for said in texts], "\n\n")
    short = text(
        gettext_noop("%(count)s: %(reminders)s"),
        count=title,
        reminders=clauses([said.title for said in texts]),
    )
    due = [said.due_on for said in texts if said.due_on]
    return Message(title=title, body=body, url=texts[0].url, short=short, due_on=min(due) if due else None)


def _send_each(channel: str, messages: list[OutboxMessage], taken: dict, now: datetime) -> dict[int, str]:
    """Send the messages one after another over one connection; each outcome recorded as soon as it is
    known, so that a worker killed mid-way has at most one message sent but not recorded."""
    outcomes = {}
    session = CHANNELS[channel].session()
    try:
        for message in messages:
            try:
                provider_id = session.send(message)
            except Undeliverable as error:
                _record_failure(message, taken, str(error), now, final=True)
                outcomes[message.pk] = M.FAILED
            except Exception as error:  # noqa: BLE001 - any failure of a channel is recorded and retried
                logger.warning("message %s: %s", message.key, error)
                final = taken[message.pk] >= MAX_ATTEMPTS
                _record_failure(message, taken, str(error)[:1000], now, final=final)
                outcomes[message.pk] = M.FAILED if final else "retry"
            else:
                _record_sent([message], taken, {message.pk: provider_id}, now)
                outcomes[message.pk] = M.SENT
    finally:
        session.close()
    return outcomes


def _mine(messages: list[OutboxMessage], taken: dict[int, int]) -> Q:
    """The messages as this worker took them (another worker may have taken one over since)."""
    condition = Q(pk__in=[])
    for message in messages:
        condition |= Q(pk=message.pk, attempts=taken[message.pk])
    return condition & Q(state=M.SENDING)


def _reminders_of(messages: list[OutboxMessage]):
    ids = [message.pk for message in messages]
    return Reminder.objects.filter(message__in=ids, status__in=[S.SENDING, S.FAILED])


def _record_sent(messages: list[OutboxMessage], taken: dict, provider_ids: dict[int, str], now: datetime):
    with transaction.atomic():
        for message in messages:
            OutboxMessage.objects.filter(_mine([message], taken)).update(
                state=M.SENT,
                sent_at=now,
                provider_message_id=provider_ids[message.pk][:100],
                last_error="",
                lease_until=None,
            )
        sent = OutboxMessage.objects.filter(pk=OuterRef("message_id"), state=M.SENT)
        _reminders_of(messages).filter(message__state=M.SENT).update(
            status=S.SENT,
            sent_at=now,
            provider_message_id=Subquery(sent.values("provider_message_id")[:1]),
            attempts=Subquery(sent.values("attempts")[:1]),
            last_error="",
        )


def _record_failure(message: OutboxMessage, taken: dict, error: str, now: datetime, *, final: bool) -> None:
    attempt = taken[message.pk]
    with transaction.atomic():
        mine = OutboxMessage.objects.filter(_mine([message], taken))
        if final:
            if mine.update(state=M.FAILED, last_error=error, lease_until=None):
                _reminders_of([message]).update(status=S.FAILED, last_error=error, attempts=attempt)
        elif mine.update(
            state=M.QUEUED, last_error=error, lease_until=None, not_before=now + timedelta(minutes=2**attempt)
        ):
            _reminders_of([message]).update(last_error=error, attempts=attempt)


def _put_back(message: OutboxMessage, taken: dict, *, until: datetime, now: datetime) -> None:
    """Not now (a text at night): the message waits, as it is, and this was not an attempt."""
    OutboxMessage.objects.filter(_mine([message], taken)).update(
        state=M.QUEUED, not_before=until, lease_until=None, attempts=F("attempts") - 1
    )


def reminders_retry(*, ids: Iterable[int], now: datetime | None = None) -> int:
    """Send failed reminders again at the next sweep: each in the message it failed in, as it was written,
    under the same key (a message that never went out for want of an address is written again); a failed
    reminder outside a failed message goes into a new one. The number of reminders that will go again."""
    now = now or timezone.now()
    failed = Reminder.objects.filter(pk__in=list(ids), status=S.FAILED)
    messages = set(failed.filter(message__state=M.FAILED).values_list("message_id", flat=True))
    with transaction.atomic():
        alone = failed.exclude(message__in=messages)
        again = alone.update(status=S.PENDING, message=None, attempts=0, scheduled_at=now, last_error="")
        unwritten = OutboxMessage.objects.filter(pk__in=messages, address="").exclude(channel=Channel.IN_APP)
        unwritten.update(rendered_at=None)
        OutboxMessage.objects.filter(pk__in=messages, state=M.FAILED).update(
            state=M.QUEUED, attempts=0, not_before=now, lease_until=None, last_error=""
        )
        again += Reminder.objects.filter(message_id__in=messages, status=S.FAILED).update(
            status=S.SENDING, attempts=0, last_error=""
        )
    return again


def reminders_send_due(*, now: datetime | None = None) -> list[str]:
    """Everything due now, put into messages and sent in this process (the demo's replay, a shell, tests):
    the outcome of each message."""
    now = now or timezone.now()
    outcomes: list[str] = []
    while True:
        claim = reminders_claim(now=now, batch_size=CLAIM)
        outcomes += messages_deliver(ids=claim.messages, now=now)
        if claim.taken < CLAIM:
            break
    while ids := messages_hand_over(now=now):
        outcomes += messages_deliver(ids=ids, now=now)
    return outcomes
