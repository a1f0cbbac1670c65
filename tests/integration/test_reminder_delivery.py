"""Reminders leave through the real parts: a sweep in a process of its own claims what is due and queues it
on the configured broker (Redis in CI), Celery worker processes send e-mail to an SMTP server and texts to
an HTTP SMS gateway on loopback; a worker killed mid-way loses no reminder, and what it sends twice is
bounded."""

from collections import Counter, defaultdict
from datetime import date

import pytest
from django.contrib.auth import get_user_model

from butler import services
from butler.models import ReminderRule
from companies.models import CompanyLicence, Contact, LicenceStatus
from reminders.models import Channel, Notice, Reminder
from reminders.registry import handler_for
from reminders.services import reminder_plan
from reminders.tasks import PER_TASK
from tests.companies.licence_world import freight_company
from tests.conftest import give_portal_account, make_butler, register
from tests.factories import mobile
from tests.integration.conftest import wait_for

# The world's clock (2026-11-02 09:30 Beijing, ticking), shared with the workers and shells started here.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("frozen_clock")]

S = Reminder.Status
SWEEP = "from reminders.tasks import sweep_reminders; print(sweep_reminders())"
# The next sweep after the lease of the reminders claimed now has run out (the clock of that one process
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


def _issue(licence: CompanyLicence, actor) -> CompanyLicence:
    today = date(2026, 11, 2)  # the world's day
    services.licence_step(actor=actor, licence=licence, to=LicenceStatus.APPLIED, on=today)
    return services.licence_step(
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
    return handler_for(reminder.subject).message(reminder).title


def test_a_worker_sends_due_reminders_by_email_sms_and_in_app(
    smtp_sink, sms_gateway, start_worker, product_shell
):
    butler = make_butler("butler_live", "王丽娜")
    company = freight_company(butler.user, 810, heavy=1, drivers=0)
    # Renewals only: no invitations to rate the licences issued below.
    ReminderRule.objects.filter(kind__startswith="rate_").update(active=False)
    services.first_visit_accept(actor=butler.user, company_id=company.pk)
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

    reminders = list(Reminder.objects.filter(pk__in=ids).select_related("recipient"))
    assert {reminder.status for reminder in reminders} == {S.SENT}
    assert all(reminder.provider_message_id and reminder.sent_at for reminder in reminders)
    key = {reminder.pk: f"reminder-{reminder.batch}" for reminder in reminders}
    by = defaultdict(list)
    for reminder in reminders:
        by[(reminder.recipient, reminder.channel)].append(reminder)

    # E-mail: one digest of both licences for the contact, one message for the butler; each under its key.
    assert sorted(smtp_sink.keys()) == sorted({key[r.pk] for r in reminders if r.channel == Channel.EMAIL})
    mails = {mail.recipients: mail for mail in smtp_sink.messages}
    assert set(mails) == {("boss@shunda.example",), (butler.user.email,)}
    digest = mails[("boss@shunda.example",)]
    contact_mails = by[(user, Channel.EMAIL)]
    assert len(contact_mails) == 2 and len({r.batch for r in contact_mails}) == 1
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
    assert len({r.batch for r in contact_texts}) == 1
    assert texts[contact.mobile].key == key[contact_texts[0].pk]
    for reminder in contact_texts:
        assert _title(reminder) in texts[contact.mobile].text
        assert reminder.provider_message_id == texts[contact.mobile].id
    (butler_text,) = by[(butler.user, Channel.SMS)]
    assert texts[butler.mobile].key == key[butler_text.pk]
    assert butler_text.provider_message_id == texts[butler.mobile].id

    # In the app: one notice each, under the reminder's key.
    for person in (user, butler.user):
        (reminder,) = by[(person, Channel.IN_APP)]
        notice = Notice.objects.get(recipient=person, key=key[reminder.pk])
        assert notice.title == _title(reminder)
        assert reminder.provider_message_id == f"notice:{notice.pk}"


CONTACTS = 500  # × e-mail and SMS: 1,000 reminders, each a message of its own (one person, one channel)
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


def test_a_worker_killed_mid_delivery_loses_no_reminder_and_repeats_at_most_one_per_process(
    smtp_sink, sms_gateway, start_worker, product_shell
):
    """The worker runs ``CONCURRENCY`` processes; it is killed (SIGKILL, pool and all) once three quarters
    of the 1,000 reminders are out. The tasks it held — one a process at most, as it prefetches no more — are
    never acknowledged and come back to nobody in time (the file-system broker dropped them on delivery;
    Redis would return them only after its visibility timeout), so their reminders stay claimed ("sending")
    until their lease runs out — at most ``CONCURRENCY`` × ``PER_TASK`` of them; the first sweep after that
    (its clock moved past the lease) claims them again, in the batches they had, under the same keys, and a
    new worker sends them.

    Repeats: a delivery task sends its messages one after another and records each as sent before sending
    the next, so at the kill each process has at most one message out but not yet recorded. Only those go
    out again: at most ``CONCURRENCY`` repeats in all, however many messages a task carries. The gateway
    drops a repeated key (every text arrives once); a repeated e-mail arrives twice.
    """
    butler = make_butler("butler_crash", "张伟")
    company = register(butler.user, 820)
    services.first_visit_accept(actor=butler.user, company_id=company.pk)
    licence = _issue(company.licences.get(), butler.user)
    users = _contacts(company, CONTACTS)
    ids = _plan_renewal(licence, channels=[Channel.EMAIL, Channel.SMS], recipients=users)
    assert len(ids) == 2 * CONTACTS

    def delivered() -> int:
        return len(smtp_sink) + len(sms_gateway)

    first = start_worker("--pool=prefork", f"--concurrency={CONCURRENCY}")
    assert product_shell(SWEEP).split() == [str(len(ids))]
    assert wait_for(lambda: delivered() >= len(ids) * 3 // 4, timeout=60, every=0.02, worker=first), (
        "the first worker delivered too little"
    )
    first.kill()
    assert delivered() < len(ids), "the worker finished before it was killed"

    # A new worker, one process, takes the tasks still queued in order. A sweep while the lease runs claims
    # only what is newly due — an in-app reminder for the butler, queued behind the rest: once it is sent,
    # what is still "sending" is what the killed worker held.
    second = start_worker("--pool=solo")
    last = _plan_renewal(licence, channels=[Channel.IN_APP], recipients=[butler.user])
    assert product_shell(SWEEP).split() == ["1"]
    assert wait_for(lambda: _unfinished(last) == 0, timeout=120, every=0.5, worker=second), (
        "the queued tasks were not worked off"
    )
    held = set(Reminder.objects.filter(pk__in=ids, status=S.SENDING).values_list("pk", flat=True))
    assert 0 < len(held) <= CONCURRENCY * PER_TASK

    assert product_shell(SWEEP_AFTER_THE_LEASE).split() == [str(len(held))]
    assert wait_for(lambda: _unfinished(ids) == 0, timeout=60, every=0.5, worker=second), (
        f"{_unfinished(ids)} reminders still unsent"
    )

    reminders = list(Reminder.objects.filter(pk__in=ids))
    assert {reminder.status for reminder in reminders} == {S.SENT}
    assert all(reminder.provider_message_id for reminder in reminders)
    assert {reminder.pk for reminder in reminders if reminder.attempts == 2} == held
    key = {reminder.pk: f"reminder-{reminder.batch}" for reminder in reminders}
    keys = {channel: {key[r.pk] for r in reminders if r.channel == channel} for channel in Channel}
    assert len(keys[Channel.EMAIL]) == len(keys[Channel.SMS]) == CONTACTS

    mail_keys, text_keys = smtp_sink.keys(), sms_gateway.keys()
    assert set(mail_keys) == keys[Channel.EMAIL]
    assert sorted(text_keys) == sorted(keys[Channel.SMS])  # each text once
    repeated = [k for k, n in Counter(mail_keys).items() for _ in range(n - 1)] + sms_gateway.repeats
    assert len(repeated) <= CONCURRENCY
    assert set(repeated) <= {key[pk] for pk in held}
    assert sms_gateway.refused == 0
    phones = dict(Contact.objects.filter(user__in=users).values_list("user_id", "mobile"))
    sent_to = {sms.key: sms.to for sms in sms_gateway.accepted}
    for reminder in reminders:
        if reminder.channel == Channel.SMS:
            assert sent_to[key[reminder.pk]] == phones[reminder.recipient_id]
