"""The staff chat: a reminder reaches the window's group robot (a 钉钉-style stand-in on loopback) as one
message under one key, mentioning its recipient by their mobile, signed for the moment it was sent; a robot's
error is tried again later and the message arrives once, as itself; without a mobile it is not sent, and says
why.

Counted at the robot by content.
"""

import base64
import hashlib
import hmac
from collections import defaultdict
from datetime import date, datetime
from datetime import time as clock_time
from http import HTTPStatus
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import override_settings

from reminders import registry
from reminders.channels import CHANNELS
from reminders.models import OutboxMessage, Reminder
from reminders.services import reminder_plan
from reminders.tasks import sweep_reminders
from tests.conftest import make_user
from tests.integration.sinks import ChatRobot

S = Reminder.Status
M = OutboxMessage.State
SHANGHAI = ZoneInfo("Asia/Shanghai")
MOBILE = "13805741234"
SECRET = "SEC-test-robot-secret"  # the robot's signing secret, as the window copies it from the robot's page


class Duties:
    """The subjects of these tests: every reminder is still due; its text names its subject. Whoever is
    called "nomobile" has no mobile number."""

    def no_longer_due(self, reminder):
        return ""

    def message(self, reminder):
        text = f"{reminder.subject} 到期 {reminder.due_on:%Y-%m-%d}"
        return registry.Message(title=text, body=f"{text}。请尽快处理。", url="/portfolio/", short=text)

    def phone(self, user):
        return "" if user.username == "nomobile" else MOBILE


@pytest.fixture(autouse=True)
def duties():
    registry.register("duty", Duties())


@pytest.fixture
def robot():
    robot = ChatRobot(secret=SECRET).start()
    with override_settings(
        BUTLER_CHAT_BACKEND="http",
        BUTLER_CHAT_WEBHOOK_URL=robot.url,
        BUTLER_CHAT_SECRET=SECRET,
        BUTLER_PUBLIC_URL="https://butler.example.gov.cn",
        BUTLER_SMS_HOURS=(clock_time(8, 0), clock_time(20, 0)),
        BUTLER_REMINDER_LEASE_MINUTES=10,
    ):
        yield robot
    robot.stop()


@pytest.fixture
def sweep(django_capture_on_commit_callbacks):
    """A sweep at ``moment`` as beat runs it, with its deliveries (eager tasks, after its commit)."""

    def run(moment: datetime) -> None:
        with time_machine.travel(moment, tick=False), django_capture_on_commit_callbacks(execute=True):
            sweep_reminders()

    return run


def _plan(user, n: int, *, due_on=date(2026, 12, 31), offset=7, now=None, send_at=None):
    reminder_plan(
        subject=f"duty:{n}",
        kind="expiry",
        due_on=due_on,
        offsets=(offset,),
        channels=("chat",),
        recipients=[user],
        now=now or datetime(2026, 12, 1, 9, 0, tzinfo=SHANGHAI),
        send_at=send_at,
    )


def _contents_by_key(posts) -> dict[str, set[str]]:
    contents = defaultdict(set)
    for post in posts:
        contents[post.key].add(post.content)
    return contents


def test_a_chat_reminder_reaches_the_robot_mentioning_its_recipient_signed_for_its_moment(db, robot, sweep):
    butler = make_user("wanglina")
    _plan(butler, 1)
    sweep(datetime(2026, 12, 24, 10, 0, tzinfo=SHANGHAI))

    (post,) = robot.accepted
    assert post.content == (
        "duty:1 到期 2026-12-31\n"
        "duty:1 到期 2026-12-31。请尽快处理。\n"
        "https://butler.example.gov.cn/portfolio/\n"
        "@13805741234"
    )
    assert post.msgtype == "text"
    assert post.at_mobiles == ("13805741234",) and post.mentioned == ("13805741234",)
    # Signed as 钉钉 signs: the moment in milliseconds, the HMAC-SHA256 of "timestamp\nsecret" keyed with the
    # secret, in base64 (url-encoded in the query, decoded by the robot).
    assert post.token == "test-robot-token"
    assert post.timestamp == "1798077600000"  # 2026-12-24 10:00 Beijing
    expected = hmac.new(
        b"SEC-test-robot-secret", b"1798077600000\nSEC-test-robot-secret", hashlib.sha256
    ).digest()
    assert post.sign == base64.b64encode(expected).decode()
    # The message's key, in the body and in the header, is the one it was made with.
    message = OutboxMessage.objects.get()
    assert post.key == post.header_key == message.key
    assert (message.state, message.channel, message.address) == (M.SENT, "chat", "13805741234")
    assert message.provider_message_id == f"chat:{message.key}"
    reminder = Reminder.objects.get()
    assert (reminder.status, reminder.message_id) == (S.SENT, message.pk)
    assert robot.refused == 0 and robot.repeats == []


def test_reminders_due_together_go_in_one_chat_digest(db, robot, sweep):
    butler = make_user("wanglina")
    for n in (1, 2, 3):
        _plan(butler, n)
    sweep(datetime(2026, 12, 24, 10, 0, tzinfo=SHANGHAI))

    (post,) = robot.accepted
    assert post.content.startswith("3 条提醒\n")
    for n in (1, 2, 3):
        assert post.content.count(f"duty:{n} 到期 2026-12-31。请尽快处理。") == 1
    assert post.content.endswith("\n@13805741234")
    assert OutboxMessage.objects.get().kind == OutboxMessage.Kind.DIGEST


def test_a_robot_error_is_tried_again_later_and_the_message_arrives_once_as_itself(db, robot, sweep):
    butler = make_user("wanglina")
    _plan(butler, 1)
    robot.trouble = [
        (HTTPStatus.OK, {"errcode": 130101, "errmsg": "send too fast, exceed 20 times per minute"}),
        (HTTPStatus.SERVICE_UNAVAILABLE, {"errcode": -1, "errmsg": "busy"}),
    ]
    sweep(datetime(2026, 12, 24, 10, 0, tzinfo=SHANGHAI))
    message = OutboxMessage.objects.get()
    assert (message.state, message.attempts) == (M.QUEUED, 1)
    assert "130101" in message.last_error
    assert message.not_before == datetime(2026, 12, 24, 10, 2, tzinfo=SHANGHAI)  # two minutes after one try
    assert Reminder.objects.get().status == S.SENDING

    sweep(datetime(2026, 12, 24, 10, 1, tzinfo=SHANGHAI))  # not yet
    assert len(robot.received) == 1
    sweep(datetime(2026, 12, 24, 10, 2, tzinfo=SHANGHAI))  # the robot is down
    message.refresh_from_db()
    assert (message.state, message.attempts) == (M.QUEUED, 2)
    assert "503" in message.last_error
    assert message.not_before == datetime(2026, 12, 24, 10, 6, tzinfo=SHANGHAI)
    sweep(datetime(2026, 12, 24, 10, 6, tzinfo=SHANGHAI))

    assert len(robot.received) == 3 and len(robot.accepted) == 1
    assert _contents_by_key(robot.received) == {
        message.key: {
            "duty:1 到期 2026-12-31\n"
            "duty:1 到期 2026-12-31。请尽快处理。\n"
            "https://butler.example.gov.cn/portfolio/\n"
            "@13805741234"
        }
    }
    message.refresh_from_db()
    assert (message.state, message.attempts, message.last_error) == (M.SENT, 3, "")
    reminder = Reminder.objects.get()
    assert (reminder.status, reminder.attempts, reminder.last_error) == (S.SENT, 3, "")


class WorkerDied(BaseException):
    """The worker process is killed: nothing after this point of the task runs (not even an except)."""


def _dies_after_each_send(monkeypatch):
    open_session = CHANNELS["chat"].session

    class Session:
        def __init__(self):
            self.real = open_session()

        def send(self, message):
            self.real.send(message)
            raise WorkerDied

        def close(self):
            self.real.close()

    monkeypatch.setattr(CHANNELS["chat"], "session", Session)


def test_a_chat_message_posted_before_its_worker_died_goes_again_as_itself_and_its_key_carries_nothing_else(
    db, robot, sweep, monkeypatch
):
    butler = make_user("wanglina")
    _plan(butler, 1)
    # 19:55: the message reaches the robot, and the worker dies before recording it.
    _dies_after_each_send(monkeypatch)
    with pytest.raises(WorkerDied):
        sweep(datetime(2026, 12, 24, 19, 55, tzinfo=SHANGHAI))
    monkeypatch.undo()
    (first,) = robot.accepted
    # Later that evening something else falls due for the same person: it does not wait for a digest.
    evening = datetime(2026, 12, 24, 20, 30, tzinfo=SHANGHAI)
    _plan(butler, 2, due_on=date(2026, 12, 25), offset=0, now=evening, send_at=evening)
    # 20:06: the first message's lease has run out, but nobody's phone rings at night: held until morning.
    sweep(datetime(2026, 12, 24, 20, 6, tzinfo=SHANGHAI))
    assert len(robot.received) == 1
    sweep(datetime(2026, 12, 24, 21, 0, tzinfo=SHANGHAI))
    assert len(robot.received) == 1
    sweep(datetime(2026, 12, 25, 8, 0, tzinfo=SHANGHAI))
    sweep(datetime(2026, 12, 25, 9, 0, tzinfo=SHANGHAI))

    # What was posted again was posted as itself: one key, one content; the robot dropped the repeat.
    contents = _contents_by_key(robot.received)
    assert all(len(carried) == 1 for carried in contents.values()), robot.received
    assert robot.repeats == [first.key]
    assert sorted(post.content for post in robot.accepted) == [
        "duty:1 到期 2026-12-31\nduty:1 到期 2026-12-31。请尽快处理。\n"
        "https://butler.example.gov.cn/portfolio/\n@13805741234",
        "duty:2 到期 2026-12-25\nduty:2 到期 2026-12-25。请尽快处理。\n"
        "https://butler.example.gov.cn/portfolio/\n@13805741234",
    ]
    # The evening's message waited for the morning: it went at 08:00, not at night.
    later = OutboxMessage.objects.exclude(key=first.key).get()
    assert later.sent_at == datetime(2026, 12, 25, 8, 0, tzinfo=SHANGHAI)
    assert set(Reminder.objects.values_list("status", flat=True)) == {S.SENT}


def test_a_staff_member_without_a_mobile_is_not_mentioned_and_the_reason_is_kept(db, robot, sweep):
    colleague = make_user("nomobile")
    _plan(colleague, 1)
    sweep(datetime(2026, 12, 24, 10, 0, tzinfo=SHANGHAI))

    assert robot.received == [] and robot.refused == 0
    message = OutboxMessage.objects.get()
    assert (message.state, message.address) == (M.FAILED, "")
    assert message.last_error == "no mobile number to mention in the staff chat"
    reminder = Reminder.objects.get()
    assert (reminder.status, reminder.last_error) == (
        S.FAILED,
        "no mobile number to mention in the staff chat",
    )
    # Not tried again by itself: a mobile has to be recorded first (then "send again").
    sweep(datetime(2026, 12, 24, 11, 0, tzinfo=SHANGHAI))
    assert robot.received == []


def test_a_wrong_secret_is_an_error_tried_again_not_a_message_sent(db, robot, sweep):
    butler = make_user("wanglina")
    _plan(butler, 1)
    with override_settings(BUTLER_CHAT_SECRET="SEC-another-robots-secret"):
        sweep(datetime(2026, 12, 24, 10, 0, tzinfo=SHANGHAI))
    assert robot.accepted == [] and robot.refused == 1
    message = OutboxMessage.objects.get()
    assert message.state == M.QUEUED and "310000" in message.last_error
    sweep(datetime(2026, 12, 24, 10, 2, tzinfo=SHANGHAI))
    assert [post.key for post in robot.accepted] == [message.key]


def test_without_a_robot_the_chat_message_is_written_to_the_log(db, sweep, caplog):
    butler = make_user("wanglina")
    _plan(butler, 1)
    with override_settings(BUTLER_CHAT_BACKEND="log", BUTLER_PUBLIC_URL=""), caplog.at_level("INFO"):
        sweep(datetime(2026, 12, 24, 10, 0, tzinfo=SHANGHAI))
    message = OutboxMessage.objects.get()
    assert (message.state, message.provider_message_id) == (M.SENT, f"log:{message.key}")
    assert f"chat to 13805741234 [{message.key}]: duty:1 到期 2026-12-31\n" in caplog.text
