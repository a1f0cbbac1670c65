"""The reminder engine: rows as the source of truth, idempotent planning, claims, delivery, downtime."""

import threading
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.db import connections

from reminders import registry
from reminders.models import Notice, Reminder
from reminders.services import reminder_deliver, reminder_plan, reminders_claim
from tests.conftest import make_user

S = Reminder.Status
SHANGHAI = ZoneInfo("Asia/Shanghai")


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
    ids = reminders_claim(now=now)
    assert len(ids) == 3 * 2 * 2 * 2  # three offsets, two channels, two people, two subjects
    outcomes = [reminder_deliver(reminder_id=pk, now=now) for pk in ids]
    sent = Reminder.objects.filter(status=S.SENT)
    assert set(sent.values_list("subject", flat=True)) == {"test:1"}
    assert all(sent.values_list("late", flat=True))
    assert Reminder.objects.filter(subject="test:2", status=S.SKIPPED, reason="resolved").count() == 12
    # The clerk has no e-mail address: those fail at once instead of being retried for ever.
    assert outcomes.count("failed") == 3
    assert len(mail.outbox) == 3 and mail.outbox[0].to == ["boss@example.com"]
    assert Notice.objects.filter(recipient=people[0]).count() == 3


def test_a_reminder_is_sent_once_however_often_delivery_runs(people):
    _plan(people, channels=("in_app",))
    now = datetime(2026, 12, 31, 10, 0, tzinfo=SHANGHAI)
    ids = reminders_claim(now=now)
    for pk in ids:
        assert reminder_deliver(reminder_id=pk, now=now) == "sent"
        assert reminder_deliver(reminder_id=pk, now=now) == "not claimed"
    assert reminders_claim(now=now) == []
    assert Notice.objects.count() == len(ids)


def test_a_claim_whose_worker_died_is_claimed_again_after_its_lease(people):
    _plan(people, channels=("in_app",))
    now = datetime(2026, 12, 31, 10, 0, tzinfo=SHANGHAI)
    first = reminders_claim(now=now)
    assert reminders_claim(now=now + timedelta(minutes=5)) == []
    assert sorted(reminders_claim(now=now + timedelta(minutes=11))) == sorted(first)


def test_sms_waits_for_the_morning(people):
    reminder_plan(
        subject="test:1",
        kind="expiry",
        due_on=date(2026, 12, 31),
        offsets=(1,),
        channels=("sms",),
        recipients=people[:1],
    )
    night = datetime(2026, 12, 30, 22, 30, tzinfo=SHANGHAI)
    reminder = Reminder.objects.get()
    (pk,) = reminders_claim(now=night)
    assert reminder_deliver(reminder_id=pk, now=night) == "held until morning"
    reminder.refresh_from_db()
    assert reminder.status == S.PENDING
    assert reminder.scheduled_at.astimezone(SHANGHAI) == datetime(2026, 12, 31, 8, 0, tzinfo=SHANGHAI)
    morning = datetime(2026, 12, 31, 8, 0, tzinfo=SHANGHAI)
    (pk,) = reminders_claim(now=morning)
    assert reminder_deliver(reminder_id=pk, now=morning) == "sent"


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_the_same_time_claim_each_reminder_once():
    people = [make_user(f"p{n}") for n in range(5)]
    for subject in range(40):
        _plan(people, subject=f"test:{subject}", channels=("in_app",))
    now = datetime(2027, 1, 1, 10, 0, tzinfo=SHANGHAI)
    claims: list[list[int]] = []
    barrier = threading.Barrier(2)

    def sweep():
        try:
            barrier.wait(timeout=10)
            while ids := reminders_claim(now=now, batch_size=50):
                claims.append(ids)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    claimed = [pk for ids in claims for pk in ids]
    assert len(claimed) == 40 * 5 * 3
    assert len(set(claimed)) == len(claimed)


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
    assert len(reminders_claim(now=now)) == 1


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
