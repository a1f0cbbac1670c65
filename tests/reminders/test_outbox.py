"""What a person receives on one channel is one message, made once: its reminders, its text and its key never
change, whatever holds, re-claims, crashes or concurrent sweeps happen; one digest a day per person and
channel.

Counted at the peers by content: the SMS gateway stand-in on loopback (which, like a real one, drops a key it
has seen) and Django's mail outbox.
"""

import threading
import time
from collections import defaultdict
from datetime import date, datetime
from datetime import time as clock_time
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.db import connections
from django.test import override_settings

from reminders import registry
from reminders.channels import CHANNELS
from reminders.models import Reminder
from reminders.services import reminder_plan
from reminders.tasks import sweep_reminders
from tests.conftest import make_user
from tests.integration.sinks import SmsGateway

S = Reminder.Status
SHANGHAI = ZoneInfo("Asia/Shanghai")
PHONE = "13805741234"


class Promises:
    """The subjects of these tests: every reminder is still due; its text names its subject."""

    def no_longer_due(self, reminder):
        return ""

    def message(self, reminder):
        text = f"{reminder.subject} 到期 {reminder.due_on:%Y-%m-%d}"
        return registry.Message(title=text, body=f"{text}。请联系管家。", url="/portal/", short=text)

    def phone(self, user):
        return PHONE


@pytest.fixture(autouse=True)
def promises():
    registry.register("promise", Promises())


class WorkerDied(BaseException):
    """The worker process is killed: nothing after this point of the task runs (not even an except)."""


def sessions_that(channel: str, then):
    """The channel's sessions, each of whose sends goes out and then does ``then()``."""
    open_session = CHANNELS[channel].session

    class Session:
        def __init__(self):
            self.real = open_session()

        def send(self, message):
            provider_id = self.real.send(message)
            then()
            return provider_id

        def close(self):
            self.real.close()

    return Session


def die():
    raise WorkerDied


@pytest.fixture
def gateway():
    gateway = SmsGateway().start()
    with override_settings(
        BUTLER_SMS_BACKEND="http",
        BUTLER_SMS_URL=gateway.url,
        BUTLER_SMS_KEY=gateway.api_key,
        BUTLER_SMS_RATE=1000,
        BUTLER_SMS_HOURS=(clock_time(8, 0), clock_time(20, 0)),
        BUTLER_REMINDER_LEASE_MINUTES=10,
    ):
        yield gateway
    gateway.stop()


@pytest.fixture
def sweep(django_capture_on_commit_callbacks):
    """A sweep at ``moment`` as beat runs it, with its deliveries (eager tasks, after its commit)."""

    def run(moment: datetime) -> None:
        with time_machine.travel(moment, tick=False), django_capture_on_commit_callbacks(execute=True):
            sweep_reminders()

    return run


def _texts_by_key(received) -> dict[str, set[str]]:
    texts = defaultdict(set)
    for sms in received:
        texts[sms.key].add(sms.text)
    return texts


def test_a_text_sent_before_its_worker_died_goes_again_as_itself_and_its_key_never_carries_another(
    db, gateway, sweep, monkeypatch
):
    boss = make_user("boss", email="boss@example.com")
    reminder_plan(
        subject="promise:1",
        kind="expiry",
        due_on=date(2026, 12, 31),
        offsets=(7,),
        channels=("sms",),
        recipients=[boss],
        now=datetime(2026, 12, 1, 9, 0, tzinfo=SHANGHAI),
    )
    # 19:55, inside the texting hours: the text reaches the gateway, and the worker dies before recording it.
    monkeypatch.setattr(CHANNELS["sms"], "session", sessions_that("sms", die))
    with pytest.raises(WorkerDied):
        sweep(datetime(2026, 12, 24, 19, 55, tzinfo=SHANGHAI))
    monkeypatch.undo()
    assert [sms.text for sms in gateway.accepted] == ["【北仑区交通运输局】promise:1 到期 2026-12-31"]
    # Later that evening something else falls due for the same person: a notice that should not wait.
    reminder_plan(
        subject="promise:2",
        kind="notice",
        due_on=date(2026, 12, 25),
        offsets=(0,),
        channels=("sms",),
        recipients=[boss],
        now=datetime(2026, 12, 24, 20, 30, tzinfo=SHANGHAI),
        send_at=datetime(2026, 12, 24, 20, 30, tzinfo=SHANGHAI),
    )
    # 20:06: the first text's lease has run out, but it is too late to text anyone: held until morning.
    sweep(datetime(2026, 12, 24, 20, 6, tzinfo=SHANGHAI))
    sweep(datetime(2026, 12, 25, 8, 0, tzinfo=SHANGHAI))
    sweep(datetime(2026, 12, 25, 9, 0, tzinfo=SHANGHAI))

    # Whatever was sent again was sent as itself: one key, one text.
    assert all(len(texts) == 1 for texts in _texts_by_key(gateway.received).values()), gateway.received
    # The phone got each reminder once.
    assert sorted(sms.text for sms in gateway.accepted) == [
        "【北仑区交通运输局】promise:1 到期 2026-12-31",
        "【北仑区交通运输局】promise:2 到期 2026-12-25",
    ]
    assert set(Reminder.objects.values_list("status", flat=True)) == {S.SENT}


def test_a_person_gets_one_digest_a_day_per_channel_however_many_reminders_are_due(db, sweep):
    """3,000 reminders due at once for 300 people: one sweep gives each person one e-mail holding all ten."""
    from django.contrib.auth import get_user_model

    people = get_user_model().objects.bulk_create(
        get_user_model()(username=f"person{n:03d}", email=f"person{n:03d}@example.com") for n in range(300)
    )
    for n in range(10):
        reminder_plan(
            subject=f"promise:{n}",
            kind="expiry",
            due_on=date(2027, 1, 31),
            offsets=(30,),
            channels=("email",),
            recipients=people,
            now=datetime(2026, 12, 1, 9, 0, tzinfo=SHANGHAI),
        )
    sweep(datetime(2027, 1, 1, 9, 0, tzinfo=SHANGHAI))
    by_person = defaultdict(list)
    for message in mail.outbox:
        by_person[tuple(message.to)].append(message)
    assert len(by_person) == 300
    assert {len(messages) for messages in by_person.values()} == {1}
    for (address,), (message,) in by_person.items():
        assert message.subject == "10 条提醒", address
        for n in range(10):
            assert message.body.count(f"promise:{n} 到期 2027-01-31。") == 1, (address, n)
    assert set(Reminder.objects.values_list("status", flat=True)) == {S.SENT}


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_the_same_moment_give_a_person_one_digest(monkeypatch):
    """Two beat instances (or a slow sweep and the next) deliver for the same person at the same moment."""
    from reminders import tasks

    boss = make_user("boss", email="boss@example.com")
    for n in range(2):
        reminder_plan(
            subject=f"promise:{n}",
            kind="expiry",
            due_on=date(2027, 1, 31),
            offsets=(30,),
            channels=("email",),
            recipients=[boss],
            now=datetime(2026, 12, 1, 9, 0, tzinfo=SHANGHAI),
        )
    monkeypatch.setattr(tasks, "CLAIM", 1)  # each sweep takes one reminder at a time
    # The SMTP server takes its time: both sweeps are sending at once.
    monkeypatch.setattr(CHANNELS["email"], "session", sessions_that("email", lambda: time.sleep(0.3)))
    barrier = threading.Barrier(2)
    errors = []

    def beat():
        try:
            barrier.wait(timeout=10)
            sweep_reminders()
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connections.close_all()

    with time_machine.travel(datetime(2027, 1, 1, 9, 0, tzinfo=SHANGHAI), tick=True):
        threads = [threading.Thread(target=beat) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    assert errors == []
    assert len(mail.outbox) == 1, [message.body for message in mail.outbox]
    # What the e-mail did not carry waits for tomorrow's digest.
    said = mail.outbox[0].body
    for reminder in Reminder.objects.all():
        text = f"{reminder.subject} 到期 2027-01-31。"
        if text in said:
            assert reminder.status == S.SENT
        else:
            assert reminder.status == S.PENDING
            assert reminder.scheduled_at == datetime(2027, 1, 2, 9, 0, tzinfo=SHANGHAI)
