"""Reminders leave through the real parts: a sweep in a process of its own puts what is due into messages
and queues them on the configured broker (Redis in CI), Celery worker processes send e-mail to an SMTP
server, texts to an HTTP SMS gateway and staff-chat messages to a group robot, all on loopback. Whatever
crashes, holds and re-claims happen, every reminder reaches its person, each message goes out only as itself
under its key — counted at the peers by content — and a person gets one digest a day per channel."""

import threading
from collections import Counter, defaultdict
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone

from butler.firstvisit.services import first_visit_accept
from butler.licences.services import licence_step
from butler.models import Butler, ReminderRule
from companies.models import CompanyLicence, Contact, LicenceStatus
from reminders.models import Channel, Notice, OutboxMessage, Reminder
from reminders.registry import handler_for
from reminders.services import reminder_plan
from tests.clock import clock_environment_at
from tests.companies.licence_world import freight_company
from tests.conftest import give_portal_account, make_butler
from tests.factories import mobile
from tests.integration.conftest import wait_for

# The world's clock (2026-11-02 09:30 Beijing, ticking), shared with the workers and shells started here.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("frozen_clock")]

S = Reminder.Status
M = OutboxMessage.State
SHANGHAI = ZoneInfo("Asia/Shanghai")
SWEEP = "from reminders.tasks import sweep_reminders; print(sweep_reminders())"
# The next sweep after the lease of the messages handed over now has run out (the clock of that one process
# moves on; the workers keep the test's).
SWEEP_AFTER_THE_LEASE = """
from datetime import timedelta
import time_machine
from django.conf import settings
from django.utils import timezone
from reminders.tasks import sweep_reminders
later = timezone.now() + timedelta(minutes=settings.BUTLER_REMINDER_LEASE_MINUTES + 1)
with time_machine.travel(later, tick=True):
    print(sweep_reminders())
"""
# A sweep at another moment, e.g. the next morning.
SWEEP_AT = """
from datetime import datetime
import time_machine
from reminders.tasks import sweep_reminders
with time_machine.travel(datetime.fromisoformat("{moment}"), tick=True):
    print(sweep_reminders())
"""


def _issue(licence: CompanyLicence, actor) -> CompanyLicence:
    today = date(2026, 11, 2)  # the world's day
    licence_step(actor=actor, licence=licence, to=LicenceStatus.APPLIED, on=today)
    return licence_step(
        actor=actor, licence=licence, to=LicenceStatus.ISSUED, on=today, certificate_number=f"C-{licence.pk}"
    )


def _due_now(due_on: date) -> int:
    """The offset (days before ``due_on``) of a reminder that was due yesterday morning (the world's day is
    2026-11-02): it is due now."""
    return (due_on - date(2026, 11, 2)).days + 1


def _plan_renewal(licence: CompanyLicence, *, channels, recipients) -> set[int]:
    """Plan reminders of the licence's last day to apply for renewal, due now; their ids."""
    subject = f"licence:{licence.pk}"
    reminder_plan(
        subject=subject,
        kind="renew_by",
        due_on=licence.renew_by,
        offsets=[_due_now(licence.renew_by)],
        channels=channels,
        recipients=recipients,
    )
    return set(
        Reminder.objects.filter(
            subject=subject, kind="renew_by", status=S.PENDING, recipient__in=recipients
        ).values_list("pk", flat=True)
    )


def _unfinished(ids) -> int:
    return Reminder.objects.filter(pk__in=ids, status__in=[S.PENDING, S.SENDING]).count()


def _title(reminder: Reminder) -> str:
    return str(handler_for(reminder.subject).message(reminder).title)  # in the window's language


def test_a_worker_sends_due_reminders_by_email_sms_and_in_app(
    smtp_sink, sms_gateway, start_worker, product_shell
):
    butler = make_butler("butler_live", "王丽娜")
    company = freight_company(butler.user, 810, heavy=1, drivers=0)
    # Renewals only: no invitations to rate the licences issued below.
    ReminderRule.objects.filter(kind__startswith="rate_").update(active=False)
    first_visit_accept(actor=butler.user, company_id=company.pk)
    contact = company.contacts.get()
    user = give_portal_account(contact, "contact_live")
    user.email = "boss@shunda.example"
    user.save(update_fields=["email"])
    company_licence, vehicle_licence = (
        _issue(licence, butler.user) for licence in company.licences.order_by("pk")
    )

    # The company's licence: the contact and the butler, by every channel. The vehicle's licence: the
    # contact, by e-mail and SMS — due with the company's, so the contact gets one e-mail and one text.
    ids = _plan_renewal(
        company_licence, channels=[Channel.IN_APP, Channel.EMAIL, Channel.SMS], recipients=[user, butler.user]
    )
    ids |= _plan_renewal(vehicle_licence, channels=[Channel.EMAIL, Channel.SMS], recipients=[user])
    assert len(ids) == 8

    worker = start_worker("--pool=solo")
    assert product_shell(SWEEP).split() == ["8"]
    assert wait_for(lambda: _unfinished(ids) == 0, timeout=60, worker=worker), "reminders still unsent"

    reminders = list(Reminder.objects.filter(pk__in=ids).select_related("recipient", "message"))
    assert {reminder.status for reminder in reminders} == {S.SENT}
    assert all(reminder.provider_message_id and reminder.sent_at for reminder in reminders)
    key = {reminder.pk: reminder.message.key for reminder in reminders}
    by = defaultdict(list)
    for reminder in reminders:
        by[(reminder.recipient, reminder.channel)].append(reminder)

    # E-mail: one digest of both licences for the contact, one message for the butler; each under its key.
    assert sorted(smtp_sink.keys()) == sorted({key[r.pk] for r in reminders if r.channel == Channel.EMAIL})
    mails = {mail.recipients: mail for mail in smtp_sink.messages}
    assert set(mails) == {("boss@shunda.example",), (butler.user.email,)}
    digest = mails[("boss@shunda.example",)]
    contact_mails = by[(user, Channel.EMAIL)]
    assert len(contact_mails) == 2 and len({r.message_id for r in contact_mails}) == 1
    assert digest.key == key[contact_mails[0].pk]
    for reminder in contact_mails:
        assert _title(reminder) in digest.body
    butler_mail = mails[(butler.user.email,)]
    (butler_reminder,) = by[(butler.user, Channel.EMAIL)]
    assert butler_mail.subject == _title(butler_reminder)
    assert butler_reminder.provider_message_id == f"email:{butler_mail.key}"

    # SMS: one text of both licences to the contact's mobile, one to the butler's; each key accepted once.
    texts = {sms.to: sms for sms in sms_gateway.accepted}
    assert set(texts) == {contact.mobile, butler.mobile}
    assert sms_gateway.repeats == [] and sms_gateway.refused == 0
    contact_texts = by[(user, Channel.SMS)]
    assert len({r.message_id for r in contact_texts}) == 1
    assert texts[contact.mobile].key == key[contact_texts[0].pk]
    for reminder in contact_texts:
        assert _title(reminder) in texts[contact.mobile].text
        assert reminder.provider_message_id == texts[contact.mobile].id
    (butler_text,) = by[(butler.user, Channel.SMS)]
    assert texts[butler.mobile].key == key[butler_text.pk]
    assert butler_text.provider_message_id == texts[butler.mobile].id

    # In the app: one notice each, under its message's key.
    for person in (user, butler.user):
        (reminder,) = by[(person, Channel.IN_APP)]
        notice = Notice.objects.get(recipient=person, key=key[reminder.pk])
        assert notice.title == _title(reminder)
        assert reminder.provider_message_id == f"notice:{notice.pk}"


CONTACTS = 150  # × e-mail and SMS × three licences: 900 reminders, 300 digests
CONCURRENCY = 4


def _contacts(company, count: int) -> list:
    """Portal users of the company, each with an e-mail address and a mobile number of their own."""
    users = get_user_model().objects.bulk_create(
        get_user_model()(username=f"crash{n}", email=f"crash{n}@shunda.example") for n in range(count)
    )
    Contact.objects.bulk_create(
        Contact(company=company, name=f"联系人{n}", mobile=mobile(700_000 + n), user=user)
        for n, user in enumerate(users)
    )
    return users


def _staff(count: int) -> tuple[list, dict[int, str]]:
    """Window staff, each with an e-mail address and a mobile number of their own; {user: mobile}."""
    users = get_user_model().objects.bulk_create(
        get_user_model()(username=f"staff{n}", email=f"staff{n}@window.example") for n in range(count)
    )
    Butler.objects.bulk_create(
        Butler(
            user=user,
            display_name=f"管家{n}",
            window="北仑区行政服务中心交通窗口 3号",
            office_phone="0574-86861234",
            mobile=mobile(760_000 + n),
        )
        for n, user in enumerate(users)
    )
    return users, {user.pk: mobile(760_000 + n) for n, user in enumerate(users)}


def _by_key(arrivals) -> dict[str, set[str]]:
    """What each key carried at a peer: the set of the contents that arrived under it."""
    carried = defaultdict(set)
    for key, content in arrivals:
        carried[key].add(content)
    return carried


@pytest.mark.parametrize("texting", [Channel.SMS, Channel.CHAT])
def test_crashes_holds_and_short_leases_never_change_what_a_key_carries(
    texting, smtp_sink, sms_gateway, chat_robot, start_worker, product_shell, record_property
):
    """900 reminders — three licences for each of 150 people, by e-mail and by text (SMS to company
    contacts; or the staff chat, to window staff) — due at once, so each person's three go in one e-mail
    and one text, the day's digests. The first worker runs ``CONCURRENCY`` processes; texting ends for it a
    few seconds in (its ``BUTLER_SMS_HOURS``, which the chat keeps too), so the texts it has not sent by then
    wait for the morning as they are; while it works, a sweep whose clock is past the lease hands over
    again what it is still sending (a lease shorter than a delivery); then it is killed (SIGKILL, pool and
    all). A second worker, its clock on the next morning, and a sweep at that moment send the rest.

    What holds, counted at the peers by content: every key carried one content; each person got exactly
    one e-mail key and one text key, holding each of their reminders once; the gateway (or the robot)
    accepted each text once; a key sent twice is one the engine was told to send again (taken twice),
    never another message's.
    """
    butler = make_butler("butler_crash", "张伟")
    company = freight_company(butler.user, 820, heavy=2, drivers=0)
    ReminderRule.objects.filter(kind__startswith="rate_").update(active=False)
    first_visit_accept(actor=butler.user, company_id=company.pk)
    licences = [_issue(licence, butler.user) for licence in company.licences.order_by("pk")]
    assert len(licences) == 3
    if texting == Channel.SMS:
        users = _contacts(company, CONTACTS)
        phones = dict(Contact.objects.filter(user__in=users).values_list("user_id", "mobile"))
    else:
        users, phones = _staff(CONTACTS)
    peer = sms_gateway if texting == Channel.SMS else chat_robot
    ids = set()
    for licence in licences:
        ids |= _plan_renewal(licence, channels=[Channel.EMAIL, texting], recipients=users)
    assert len(ids) == 3 * 2 * CONTACTS

    def handled() -> int:  # messages sent or waiting for the morning
        return OutboxMessage.objects.filter(
            Q(state=M.SENT) | Q(state=M.QUEUED, not_before__gt=timezone.now() + timedelta(hours=1))
        ).count()

    smtp_sink.delay = peer.delay = 0.05  # 300 messages take the four processes a few seconds
    texting_ends = (timezone.localtime() + timedelta(seconds=3)).strftime("%H:%M:%S")
    first = start_worker(
        "--pool=prefork", f"--concurrency={CONCURRENCY}", env={"BUTLER_SMS_HOURS": f"00:00-{texting_ends}"}
    )
    assert product_shell(SWEEP).split() == [str(len(ids))]
    assert OutboxMessage.objects.filter(kind=OutboxMessage.Kind.DIGEST).count() == 2 * CONTACTS
    # The lease is shorter than this delivery: a sweep hands what the worker is still sending over again.
    lease_sweep = threading.Thread(target=product_shell, args=(SWEEP_AFTER_THE_LEASE,))
    lease_sweep.start()
    assert wait_for(lambda: handled() >= CONTACTS, timeout=60, every=0.02, worker=first)
    first.kill()
    lease_sweep.join(timeout=60)
    assert handled() < 2 * CONTACTS, "the first worker finished before it was killed"
    smtp_sink.delay = peer.delay = 0.0

    morning = datetime.combine(date(2026, 11, 3), time(8, 5), tzinfo=SHANGHAI)
    second = start_worker("--pool=solo", env=clock_environment_at(morning, {}))
    product_shell(SWEEP_AT.format(moment=morning.isoformat()))
    assert wait_for(lambda: _unfinished(ids) == 0, timeout=120, every=0.5, worker=second), (
        f"{_unfinished(ids)} reminders still unsent"
    )

    reminders = list(Reminder.objects.filter(pk__in=ids).select_related("message", "recipient"))
    assert {reminder.status for reminder in reminders} == {S.SENT}
    assert not OutboxMessage.objects.exclude(state=M.SENT).exists()
    messages = {reminder.message for reminder in reminders}
    by_person = defaultdict(set)
    for message in messages:
        by_person[(message.recipient_id, message.channel)].add(message.key)
    assert len(by_person) == 2 * CONTACTS and all(len(keys) == 1 for keys in by_person.values())
    titles = {reminder.pk: _title(reminder) for reminder in reminders}

    # E-mail: every key carried one content, to one address; each reminder said once, in its person's mail.
    mails = _by_key((mail.key, (mail.recipients, mail.subject, mail.body)) for mail in smtp_sink.messages)
    assert all(len(contents) == 1 for contents in mails.values())
    expected = {message.key: message for message in messages if message.channel == Channel.EMAIL}
    assert set(mails) == set(expected)
    for reminder in reminders:
        if reminder.channel == Channel.EMAIL:
            ((recipients, _subject, body),) = mails[reminder.message.key]
            assert recipients == (reminder.recipient.email,)
            assert body.count(titles[reminder.pk]) == 1
    # SMS: the gateway was never given two texts under one key, and accepted each message once. Chat: the
    # robot was never given two messages under one key, each mentioning its one person, and posted each once.
    if texting == Channel.SMS:
        texts = _by_key((sms.key, (sms.to, sms.text)) for sms in sms_gateway.received)
    else:
        assert all(post.header_key == post.key for post in chat_robot.received)
        texts = _by_key((post.key, (post.at_mobiles, post.content)) for post in chat_robot.received)
    assert all(len(contents) == 1 for contents in texts.values())
    expected_texts = {message.key for message in messages if message.channel == texting}
    assert sorted(peer.keys()) == sorted(expected_texts)
    for reminder in reminders:
        if reminder.channel == texting:
            ((to, text),) = texts[reminder.message.key]
            phone = phones[reminder.recipient_id]
            assert to == (phone if texting == Channel.SMS else (phone,))
            assert text.count(titles[reminder.pk]) == 1
    # Each hold happened: texts waited for the morning as they were; messages were taken a second time.
    sent_on = Counter((message.channel, timezone.localdate(message.sent_at)) for message in messages)
    assert sent_on[(texting, date(2026, 11, 3))] > 0
    assert any(message.attempts > 1 for message in messages)
    record_property(  # what reached the peers, for the run's report (--junitxml)
        "arrivals",
        {
            "e-mails": len(smtp_sink),
            "e-mail keys": len(mails),
            "e-mail contents": sum(len(contents) for contents in mails.values()),
            f"{texting} given to the peer": len(peer.received),
            f"{texting} accepted": len(peer.accepted),
            f"{texting} contents": sum(len(contents) for contents in texts.values()),
            f"{texting} held until morning": sent_on[(texting, date(2026, 11, 3))],
            "messages taken more than once": sum(message.attempts > 1 for message in messages),
        },
    )
    # A key sent twice belongs to a message taken twice: by the worker that was killed or whose lease the
    # sweep cut short, then by the next.
    again = {message.key for message in messages if message.attempts > 1}
    repeated = {key for key, n in Counter(smtp_sink.keys()).items() if n > 1} | set(peer.repeats)
    assert repeated <= again
    assert peer.refused == 0
