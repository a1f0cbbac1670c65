"""The reminder engine: rows as the source of truth, idempotent planning, claims into messages, delivery,
downtime."""

import threading
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.db import connections

from reminders import registry
from reminders.channels import CHANNELS
from reminders.models import Notice, OutboxMessage, Reminder
from reminders.services import (
    messages_deliver,
    messages_hand_over,
    reminder_plan,
    reminders_claim,
    reminders_retry,
    reminders_send_due,
)
from tests.conftest import make_user

S = Reminder.Status
M = OutboxMessage.State
SHANGHAI = ZoneInfo("Asia/Shanghai")
# Every plan is made on the world's Monday morning (2026-11-02 09:30), a month before the first reminder.
pytestmark = pytest.mark.usefixtures("frozen_clock")


class Handler:
    resolved: set[str] = set()

    def no_longer_due(self, reminder):
        return "resolved" if reminder.subject in self.resolved else ""

    def message(self, reminder):
        return registry.Message(f"{reminder.subject} due {reminder.due_on}", "body", "/portal/")

    def phone(self, user):
        return "13805741234"


@pytest.fixture(autouse=True)
def handler():
    handler = Handler()
    registry.register("test", handler)
    yield handler
    Handler.resolved = set()


@pytest.fixture
def people(db):
    return [make_user("boss", email="boss@example.com"), make_user("clerk", email="")]


def _plan(people, due=date(2026, 12, 31), subject="test:1", channels=("in_app", "email")):
    return reminder_plan(
        subject=subject, kind="expiry", due_on=due, offsets=(30, 7, 1), channels=channels, recipients=people
    )


def test_planning_twice_creates_once(people):
    assert _plan(people).created == 12
    assert _plan(people).created == 0
    assert Reminder.objects.count() == 12


def test_a_changed_date_cancels_what_is_no_longer_true_and_plans_the_new_date(people):
    _plan(people)
    result = _plan(people, due=date(2027, 1, 15))
    assert (result.created, result.cancelled) == (12, 12)
    assert set(Reminder.objects.filter(status=S.PENDING).values_list("due_on", flat=True)) == {
        date(2027, 1, 15)
    }


def test_a_resolved_subject_cancels_its_pending_reminders(people):
    _plan(people)
    result = reminder_plan(
        subject="test:1", kind="expiry", due_on=None, offsets=(), channels=(), recipients=()
    )
    assert result.cancelled == 12
    assert not Reminder.objects.filter(status=S.PENDING).exists()


def test_reminders_are_scheduled_at_nine_in_the_morning_beijing_time(people):
    _plan(people)
    first = Reminder.objects.order_by("scheduled_at").first()
    assert first.scheduled_at.astimezone(SHANGHAI) == datetime(2026, 12, 1, 9, 0, tzinfo=SHANGHAI)


def test_after_three_days_of_downtime_every_missed_reminder_goes_out_late_and_resolved_ones_are_skipped(
    people, handler
):
    _plan(people, due=date(2026, 12, 10), subject="test:1")
    _plan(people, due=date(2026, 12, 10), subject="test:2")
    handler.resolved = {"test:2"}
    now = datetime(2026, 12, 12, 10, 0, tzinfo=SHANGHAI)  # the 7- and 1-day reminders were missed
    claim = reminders_claim(now=now)
    assert claim.taken == 24
    # Three offsets, two channels, two people, two subjects: in-app one by one, e-mail one message a person.
    carried = sorted(message.reminders.count() for message in OutboxMessage.objects.all())
    assert carried == [1] * 12 + [6, 6]
    outcomes = messages_deliver(ids=claim.messages, now=now)
    sent = Reminder.objects.filter(status=S.SENT)
    assert set(sent.values_list("subject", flat=True)) == {"test:1"}
    assert all(sent.values_list("late", flat=True))
    assert Reminder.objects.filter(subject="test:2", status=S.SKIPPED, reason="resolved").count() == 12
    # The clerk has no e-mail address: that fails at once instead of being retried for ever.
    assert sorted(outcomes) == [M.FAILED] + [M.SENT] * 7 + [M.SKIPPED] * 6
    assert Reminder.objects.filter(status=S.FAILED, recipient=people[1]).count() == 3
    # The boss gets one e-mail for the three missed reminders of test:1, saying it once (test:2 was
    # resolved meanwhile).
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["boss@example.com"]
    assert mail.outbox[0].subject == "test:1 due 2026-12-10"
    assert Notice.objects.filter(recipient=people[0]).count() == 3


def test_a_message_is_sent_once_however_often_delivery_runs(people):
    _plan(people, channels=("in_app",))
    now = datetime(2026, 12, 31, 10, 0, tzinfo=SHANGHAI)
    claim = reminders_claim(now=now)
    assert claim.taken == 6 and len(claim.messages) == 6
    assert messages_deliver(ids=claim.messages, now=now) == [M.SENT] * 6
    assert messages_deliver(ids=claim.messages, now=now) == []  # nothing left to take
    assert reminders_claim(now=now).taken == 0 and messages_hand_over(now=now) == []
    assert Notice.objects.count() == 6


def test_a_message_no_worker_took_is_handed_over_again_after_its_lease(people):
    _plan(people, channels=("in_app",))
    now = datetime(2026, 12, 31, 10, 0, tzinfo=SHANGHAI)
    first = reminders_claim(now=now).messages  # handed to workers that never came
    assert len(first) == 6
    assert messages_hand_over(now=now + timedelta(minutes=5)) == []  # its workers are still on it
    assert sorted(messages_hand_over(now=now + timedelta(minutes=11))) == sorted(first)  # they never came


def test_a_message_keeps_its_key_and_its_reminders_whatever_falls_due_after_it(people, monkeypatch):
    _plan(people[:1], channels=("email",))
    now = datetime(2026, 12, 31, 10, 0, tzinfo=SHANGHAI)
    reminders_claim(now=now)  # … and handed to a worker that died
    (message,) = OutboxMessage.objects.all()
    assert message.reminders.count() == 3
    # Meanwhile another reminder for the same person falls due: today's digest is made, so it waits.
    _plan(people[:1], subject="test:2", due=date(2027, 1, 20), channels=("email",))
    later = now + timedelta(minutes=11)
    assert reminders_send_due(now=later) == [M.SENT]
    assert mail.outbox[-1].extra_headers["X-Butler-Reminder"] == message.key
    assert "test:2" not in mail.outbox[-1].body
    assert message.reminders.filter(status=S.SENT).count() == 3
    waiting = Reminder.objects.get(subject="test:2", offset_days=30)  # due 2026-12-21: due now
    assert (waiting.status, waiting.message_id) == (S.PENDING, None)
    assert waiting.scheduled_at.astimezone(SHANGHAI) == datetime(2027, 1, 1, 9, 0, tzinfo=SHANGHAI)


def _one_text(people, due):
    reminder_plan(
        subject="test:1",
        kind="expiry",
        due_on=due,
        offsets=(1,),
        channels=("sms",),
        recipients=people[:1],
    )


def test_a_text_due_at_night_waits_for_the_morning(people):
    _one_text(people, date(2026, 12, 31))
    night = datetime(2026, 12, 30, 22, 30, tzinfo=SHANGHAI)
    assert reminders_send_due(now=night) == []
    reminder = Reminder.objects.get()
    assert (reminder.status, reminder.message_id) == (S.PENDING, None)
    assert reminder.scheduled_at.astimezone(SHANGHAI) == datetime(2026, 12, 31, 8, 0, tzinfo=SHANGHAI)
    assert reminders_send_due(now=datetime(2026, 12, 31, 8, 0, tzinfo=SHANGHAI)) == [M.SENT]


def test_a_text_whose_message_reaches_a_worker_after_dark_waits_as_it_is(people):
    _one_text(people, date(2026, 12, 31))
    evening = datetime(2026, 12, 30, 19, 59, tzinfo=SHANGHAI)
    ids = reminders_claim(now=evening).messages
    late = datetime(2026, 12, 30, 20, 1, tzinfo=SHANGHAI)  # the worker was busy until after eight
    assert messages_deliver(ids=ids, now=late) == ["held until morning"]
    message = OutboxMessage.objects.get()
    assert (message.state, message.attempts) == (M.QUEUED, 0)
    assert message.not_before.astimezone(SHANGHAI) == datetime(2026, 12, 31, 8, 0, tzinfo=SHANGHAI)
    key = message.key
    assert reminders_send_due(now=datetime(2026, 12, 31, 8, 0, tzinfo=SHANGHAI)) == [M.SENT]
    assert OutboxMessage.objects.get().key == key


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_the_same_time_claim_each_reminder_once():
    people = [make_user(f"p{n}") for n in range(5)]
    for subject in range(40):
        _plan(people, subject=f"test:{subject}", channels=("in_app",))
    now = datetime(2027, 1, 1, 10, 0, tzinfo=SHANGHAI)
    barrier = threading.Barrier(2)

    def sweep():
        try:
            barrier.wait(timeout=10)
            while reminders_claim(now=now, batch_size=50).taken:
                pass
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert Reminder.objects.filter(status=S.SENDING, message__isnull=False).count() == 40 * 5 * 3
    assert OutboxMessage.objects.count() == 40 * 5 * 3  # in-app: one message a reminder, none made twice


def test_a_date_planned_late_gets_one_reminder_now_not_a_burst(people):
    now = datetime(2026, 12, 20, 10, 0, tzinfo=SHANGHAI)
    reminder_plan(
        subject="test:9",
        kind="expiry",
        due_on=date(2026, 12, 31),
        offsets=(60, 30, 7, 1),
        channels=("in_app",),
        recipients=people[:1],
        now=now,
    )
    assert sorted(Reminder.objects.values_list("offset_days", flat=True)) == [1, 7, 30]  # 60 dropped, 30 now
    assert reminders_claim(now=now).taken == 1


def test_the_beat_sweep_hands_due_reminders_to_delivery_tasks(people, django_capture_on_commit_callbacks):
    from reminders.tasks import sweep_reminders

    reminder_plan(
        subject="test:5",
        kind="expiry",
        due_on=date(2026, 1, 10),
        offsets=(1,),
        channels=("in_app",),
        recipients=people[:1],
        now=datetime(2026, 1, 1, tzinfo=SHANGHAI),
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep_reminders() == 1
    assert Reminder.objects.get(subject="test:5").status == S.SENT
    assert Notice.objects.filter(recipient=people[0]).count() == 1


def _deliver_all(now):
    return reminders_send_due(now=now)


def test_a_person_gets_one_digest_a_day_per_channel_and_the_rest_tomorrow_morning(people):
    boss = people[:1]
    _plan(boss, subject="test:1", due=date(2027, 1, 31), channels=("email",))
    _plan(boss, subject="test:2", due=date(2027, 1, 31), channels=("email",))
    morning = datetime(2027, 1, 1, 9, 0, tzinfo=SHANGHAI)
    assert _deliver_all(morning) == ["sent"]  # the 30-day reminders of both subjects: one digest
    assert len(mail.outbox) == 1 and mail.outbox[0].subject == "2 条提醒"
    assert "test:1 due 2027-01-31" in mail.outbox[0].body and "test:2 due 2027-01-31" in mail.outbox[0].body
    # A third date planned late the same day waits for tomorrow's digest: no second e-mail today.
    _plan(boss, subject="test:3", due=date(2027, 1, 20), channels=("email",))
    noon = datetime(2027, 1, 1, 12, 0, tzinfo=SHANGHAI)
    assert _deliver_all(noon) == []
    assert len(mail.outbox) == 1
    held = Reminder.objects.get(subject="test:3", status=S.PENDING, offset_days=30)
    assert held.scheduled_at.astimezone(SHANGHAI) == datetime(2027, 1, 2, 9, 0, tzinfo=SHANGHAI)
    assert held.attempts == 0
    assert _deliver_all(datetime(2027, 1, 2, 9, 0, tzinfo=SHANGHAI)) == ["sent"]
    assert len(mail.outbox) == 2


def test_something_due_tomorrow_does_not_wait_for_the_next_digest(people):
    boss = people[:1]
    _plan(boss, subject="test:1", due=date(2027, 1, 31), channels=("email",))
    assert _deliver_all(datetime(2027, 1, 1, 9, 0, tzinfo=SHANGHAI)) == ["sent"]
    reminder_plan(
        subject="test:2",
        kind="expiry",
        due_on=date(2027, 1, 2),
        offsets=(1,),
        channels=("email",),
        recipients=boss,
        now=datetime(2027, 1, 1, 11, 0, tzinfo=SHANGHAI),
    )
    assert _deliver_all(datetime(2027, 1, 1, 11, 0, tzinfo=SHANGHAI)) == ["sent"]
    assert len(mail.outbox) == 2


def test_routes_give_each_person_their_own_channels(people):
    boss, clerk = people
    result = reminder_plan(
        subject="test:1",
        kind="expiry",
        due_on=date(2027, 3, 1),
        offsets=(7,),
        routes=[(boss, ("in_app", "sms")), (clerk, ("in_app",))],
    )
    assert result.created == 3
    assert set(Reminder.objects.values_list("recipient__username", "channel")) == {
        ("boss", "in_app"),
        ("boss", "sms"),
        ("clerk", "in_app"),
    }


def test_a_cancelled_reminder_comes_back_when_it_is_true_again(people):
    _plan(people[:1], channels=("in_app",))
    _plan(people[:1], due=date(2027, 2, 1), channels=("in_app",))  # the date moved…
    result = _plan(people[:1], channels=("in_app",))  # …and back
    assert result.created == 3
    assert Reminder.objects.filter(due_on=date(2026, 12, 31), status=S.PENDING).count() == 3


def test_a_failed_reminder_retried_by_the_manager_goes_out_at_the_next_sweep(people, monkeypatch):
    _plan(people[:1], channels=("email",))
    now = datetime(2026, 12, 31, 10, 0, tzinfo=SHANGHAI)

    class Refused:
        def send(self, message):
            raise OSError("connection refused")

        def close(self):
            pass

    monkeypatch.setattr(CHANNELS["email"], "session", Refused)
    outcomes = [reminders_send_due(now=now + timedelta(hours=attempt)) for attempt in range(5)]
    assert outcomes == [["retry"]] * 4 + [[M.FAILED]]  # each attempt after the last one's wait
    failed = Reminder.objects.filter(status=S.FAILED)
    assert failed.count() == 3 and failed.first().last_error == "connection refused"
    (message,) = OutboxMessage.objects.all()
    monkeypatch.undo()
    assert reminders_retry(ids=failed.values_list("pk", flat=True), now=now + timedelta(days=1)) == 3
    assert _deliver_all(now + timedelta(days=1)) == [M.SENT]
    assert len(mail.outbox) == 1
    assert mail.outbox[0].extra_headers["X-Butler-Reminder"] == message.key  # in the message it had


@pytest.mark.django_db(transaction=True)
def test_two_deliveries_of_one_message_at_the_same_time_send_it_once(monkeypatch):
    """A message handed over twice (its lease ran out while the first task waited) is sent by one task."""
    import time

    boss = make_user("boss2", email="boss2@example.com")
    _plan([boss], channels=("email",))
    now = datetime(2026, 12, 31, 10, 0, tzinfo=SHANGHAI)
    ids = reminders_claim(now=now).messages
    session = CHANNELS["email"].session

    class Slow:
        def __init__(self):
            self.real = session()

        def send(self, message):
            time.sleep(0.5)
            return self.real.send(message)

        def close(self):
            self.real.close()

    monkeypatch.setattr(CHANNELS["email"], "session", Slow)
    outcomes: list[list[str]] = []
    barrier = threading.Barrier(2)

    def deliver():
        try:
            barrier.wait(timeout=10)
            outcomes.append(messages_deliver(ids=ids, now=now))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == [[], [M.SENT]]
    assert len(mail.outbox) == 1
    assert set(Reminder.objects.values_list("status", flat=True)) == {"sent"}
