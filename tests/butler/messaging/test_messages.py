"""Messages between a company and its butler: who may write and read, notices to the other side, unread
state, the first-response time in working minutes, attachments checked by their content, and transfers."""

import struct
import zlib
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from butler.messaging.selectors import (
    COMPANY,
    WINDOW,
    threads_awaiting_window,
    threads_of_company,
    threads_visible_to,
    unread_count,
    working_minutes_between,
)
from butler.messaging.services import _file_name, message_send, thread_read, thread_start
from butler.models import Attachment, Message, MessageThread
from butler.service.services import service_period_end_early, service_period_transfer
from companies.models import ReminderChoice
from reminders.models import Notice, Reminder
from reminders.services import reminders_send_due
from tests.conftest import NOW, make_user
from tests.queries import assert_fixed_queries

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(*args) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


def png_bytes() -> bytes:
    """A real 1×1 PNG image."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
        + chunk(b"IEND", b"")
    )


def png(name: str = "photo.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, png_bytes(), content_type="image/png")


def pdf(name: str = "licence.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(
        name, b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n%%EOF", "application/pdf"
    )


def start(world, *, files=(), subject="营业执照照片", body="请看一下这张照片可以吗？", now=None):
    return thread_start(
        actor=world.contact_a, company=world.company_a, subject=subject, body=body, files=files, now=now
    )


# --- working minutes ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start_at", "end_at", "minutes"),
    [
        (at(2026, 11, 6, 16, 30), at(2026, 11, 9, 9, 0), 60),  # Friday afternoon → Monday morning
        (at(2026, 11, 2, 11, 30), at(2026, 11, 2, 14, 0), 60),  # over the lunch break
        (at(2026, 11, 2, 17, 30), at(2026, 11, 3, 8, 0), 0),  # a night
        (at(2026, 11, 7, 10, 0), at(2026, 11, 7, 15, 0), 0),  # a Saturday
        (at(2026, 11, 2, 9, 0), at(2026, 11, 2, 9, 0), 0),
        (at(2026, 11, 2, 8, 0), at(2026, 11, 2, 18, 0), 420),  # a whole working day
        (at(2026, 9, 30, 16, 30), at(2026, 10, 8, 9, 0), 60),  # National Day week is skipped
        (at(2026, 10, 9, 16, 30), at(2026, 10, 10, 9, 0), 60),  # Saturday 10-10 is a make-up working day
    ],
)
def test_working_minutes_count_office_hours_on_working_days_only(db, start_at, end_at, minutes):
    assert working_minutes_between(start_at, end_at) == minutes


def test_working_minutes_take_any_calendar():
    every_day = working_minutes_between(
        at(2026, 11, 7, 8, 30), at(2026, 11, 8, 17, 0), is_working_day=lambda day: True
    )
    assert every_day == 2 * 420


def test_the_first_answer_records_working_minutes_and_later_answers_keep_them(world):
    thread = start(world, now=at(2026, 11, 6, 16, 30))
    message_send(actor=world.butler_a.user, thread=thread, body="可以。", now=at(2026, 11, 9, 9, 0))
    message_send(actor=world.contact_a, thread=thread, body="谢谢", now=at(2026, 11, 9, 10, 0))
    message_send(actor=world.butler_a.user, thread=thread, body="不客气", now=at(2026, 11, 12, 10, 0))
    thread.refresh_from_db()
    assert thread.first_response_minutes == 60


def test_a_thread_the_window_started_has_no_response_time(world):
    thread = thread_start(
        actor=world.butler_a.user, company=world.company_a, subject="材料", body="请补交材料", files=[]
    )
    message_send(actor=world.contact_a, thread=thread, body="好的")
    message_send(actor=world.butler_a.user, thread=thread, body="收到")
    thread.refresh_from_db()
    assert thread.first_response_minutes is None


# --- who may write ------------------------------------------------------------------------------------


def test_only_the_companys_contacts_and_its_window_may_write(world):
    with pytest.raises(ValidationError):
        thread_start(actor=world.contact_b, company=world.company_a, subject="x", body="y")
    with pytest.raises(ValidationError):
        thread_start(actor=world.butler_b.user, company=world.company_a, subject="x", body="y")
    thread = start(world)
    for outsider in (world.contact_b, world.butler_b.user, world.outsider):
        with pytest.raises(ValidationError):
            message_send(actor=outsider, thread=thread, body="y")
    message_send(actor=world.manager, thread=thread, body="窗口负责人答复")
    assert thread.messages.count() == 2


def test_an_empty_message_or_subject_is_refused(world):
    with pytest.raises(ValidationError) as caught:
        start(world, subject="  ")
    assert "subject" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        start(world, body="  ")
    assert "body" in caught.value.message_dict
    assert not MessageThread.objects.exists()


# --- notices to the other side ------------------------------------------------------------------------


def test_a_company_message_tells_its_butler_in_the_app_at_once_and_by_email(world):
    thread = start(world)
    message = thread.messages.get()
    notice = Notice.objects.get(key=f"message-{message.pk}")
    assert notice.recipient == world.butler_a.user
    assert notice.url == reverse("messaging:thread", args=[thread.pk])
    assert not Notice.objects.filter(recipient=world.contact_a).exists()
    planned = Reminder.objects.filter(subject=f"message:{message.pk}", status="pending")
    assert set(planned.values_list("recipient", "channel")) == {(world.butler_a.user.pk, "email")}
    assert planned.get().scope == f"company:{world.company_a.pk}"


@pytest.mark.parametrize(
    ("choice", "channels"),
    [(ReminderChoice.SMS, {"sms"}), (ReminderChoice.EMAIL, {"email"}), (ReminderChoice.PORTAL, set())],
)
def test_an_answer_tells_the_company_in_the_app_and_as_each_contact_chose(world, choice, channels):
    world.contact_a.contact.reminder_channel = choice
    world.contact_a.contact.save()
    thread = start(world)
    answer = message_send(actor=world.butler_a.user, thread=thread, body="可以")
    notice = Notice.objects.get(key=f"message-{answer.pk}")
    assert notice.recipient == world.contact_a
    assert notice.url == reverse("messaging:portal_thread", args=[thread.pk])
    planned = Reminder.objects.filter(subject=f"message:{answer.pk}", status="pending")
    assert set(planned.values_list("channel", flat=True)) == channels
    assert set(planned.values_list("recipient", flat=True)) <= {world.contact_a.pk}


def test_the_email_goes_out_at_the_next_sweep_unless_read_in_the_app_first(world):
    read = start(world, subject="已读")
    unread = start(world, subject="未读")
    thread_read(actor=world.butler_a.user, thread=read)
    now = NOW + timedelta(minutes=1)  # the next sweep after the messages were written
    reminders_send_due(now=now)
    skipped = Reminder.objects.get(subject=f"message:{read.messages.get().pk}")
    assert (skipped.status, skipped.reason) == ("skipped", "read in the app")
    sent = Reminder.objects.get(subject=f"message:{unread.messages.get().pk}")
    assert sent.status == "sent"
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [world.butler_a.user.email]
    assert "请看一下这张照片可以吗" in mail.outbox[0].body


def test_without_a_butler_in_service_the_managers_are_told(world):
    service_period_end_early(actor=world.manager, period=world.period_a, reason="企业注销")
    thread = start(world)
    assert Notice.objects.get(key=f"message-{thread.messages.get().pk}").recipient == world.manager


# --- unread state -------------------------------------------------------------------------------------


def test_unread_counts_follow_each_side(world):
    first, second = start(world, subject="一"), start(world, subject="二")
    assert unread_count(world.company_a, side=WINDOW) == 2
    assert unread_count(world.company_a, side=COMPANY) == 0
    assert list(threads_awaiting_window(world.butler_a.user)) == [first, second]
    assert list(threads_awaiting_window(world.butler_b.user)) == []

    thread_read(actor=world.butler_a.user, thread=first)
    assert unread_count(world.company_a, side=WINDOW) == 1

    message_send(actor=world.butler_a.user, thread=second, body="答复")
    assert unread_count(world.company_a, side=WINDOW) == 0
    assert unread_count(world.company_a, side=COMPANY) == 1
    assert list(threads_awaiting_window(world.butler_a.user)) == [first]
    unread = {t.subject: t.unread for t in threads_of_company(world.company_a, side="company")}
    assert unread == {"一": False, "二": True}


def test_opening_a_thread_marks_it_read_for_that_side_only(client, world):
    thread = start(world)
    message_send(actor=world.butler_a.user, thread=thread, body="答复")
    client.force_login(world.contact_a)
    assert client.get(reverse("messaging:portal_thread", args=[thread.pk])).status_code == 200
    assert unread_count(world.company_a, side=COMPANY) == 0
    message_send(actor=world.contact_a, thread=thread, body="还有一个问题")
    assert unread_count(world.company_a, side=WINDOW) == 1
    client.force_login(world.manager)
    assert client.get(reverse("messaging:thread", args=[thread.pk])).status_code == 200
    assert unread_count(world.company_a, side=WINDOW) == 0
    assert not Notice.objects.filter(recipient=world.contact_a, read_at__isnull=True).exists()
    assert Notice.objects.filter(recipient=world.butler_a.user, read_at__isnull=True).count() == 2
    client.force_login(world.butler_a.user)
    client.get(reverse("messaging:thread", args=[thread.pk]))
    assert not Notice.objects.filter(recipient=world.butler_a.user, read_at__isnull=True).exists()


# --- pages ---------------------------------------------------------------------------------------------


def test_a_contact_starts_a_thread_with_a_photo_and_a_pdf_from_the_portal(client, world):
    client.force_login(world.contact_a)
    response = client.post(
        reverse("messaging:portal_new"),
        {"subject": "证照照片", "body": "请核对", "files": [png("IMG_0001.JPG"), pdf()]},
    )
    thread = MessageThread.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("messaging:portal_thread", args=[thread.pk])
    attachments = list(Attachment.objects.order_by("pk"))
    assert [(a.content_type, a.name) for a in attachments] == [
        ("image/png", "IMG_0001.JPG.png"),
        ("application/pdf", "licence.pdf"),
    ]
    page = client.get(response["Location"])
    photo, paper = (reverse("messaging:attachment", args=[a.pk]) for a in attachments)
    # The photo shows as a thumbnail (through the same access rule as the file); the PDF as a link only.
    assert f'src="{photo}"' in page.content.decode() and f'src="{paper}"' not in page.content.decode()
    assert f'href="{paper}"' in page.content.decode()
    assert world.butler_a.display_name in page.content.decode()
    assert "tel:" in page.content.decode()


def test_the_butler_answers_from_the_company_page(client, world):
    thread = start(world)
    client.force_login(world.butler_a.user)
    page = client.get(reverse("company:detail", args=[world.company_a.pk]))
    assert page.context["messages_card"].unread == 1
    assert reverse("messaging:thread", args=[thread.pk]) in page.content.decode()
    response = client.post(
        reverse("messaging:thread", args=[thread.pk]), {"body": "收到，可以", "files": [pdf()]}
    )
    assert response.status_code == 302
    thread.refresh_from_db()
    assert not thread.awaiting_window
    assert thread.messages.last().attachments.get().content_type == "application/pdf"


def test_the_company_page_counts_unread_threads_beyond_those_it_lists(client, world):
    for n in range(12):
        start(world, subject=f"问题{n}")
    client.force_login(world.manager)
    card = client.get(reverse("company:detail", args=[world.company_a.pk])).context["messages_card"]
    assert (len(card.threads), card.unread) == (10, 12)


def test_a_past_butler_sees_no_messages_on_the_company_page(client, world):
    start(world)
    service_period_transfer(
        actor=world.manager, period=world.period_a, to_butler=world.butler_b, reason="岗位调整"
    )
    client.force_login(world.butler_a.user)
    page = client.get(reverse("company:detail", args=[world.company_a.pk]))
    assert page.status_code == 200
    assert page.context["messages_card"] is None
    assert b"company-messages" not in page.content


def test_a_file_that_is_not_what_its_name_says_is_refused_and_the_message_kept(client, world):
    client.force_login(world.contact_a)
    fake = SimpleUploadedFile("photo.jpg", b"just some text, not a picture", content_type="image/jpeg")
    response = client.post(
        reverse("messaging:portal_new"), {"subject": "照片", "body": "我写了很长的一段话", "files": [fake]}
    )
    assert response.status_code == 200
    assert "files" in response.context["form"].errors
    assert "photo.jpg" in response.context["form"].errors["files"][0]
    assert "我写了很长的一段话" in response.content.decode()
    assert b"file-error" in response.content
    assert not MessageThread.objects.exists()


def test_an_oversized_file_is_refused_and_the_message_kept(client, world, settings):
    settings.BUTLER_ATTACHMENT_MAX_BYTES = 50
    thread = start(world)
    client.force_login(world.butler_a.user)
    big = SimpleUploadedFile("scan.pdf", b"%PDF-1.7\n" + b"0" * 100, content_type="application/pdf")
    response = client.post(
        reverse("messaging:thread", args=[thread.pk]), {"body": "请看附件", "files": [big]}
    )
    assert response.status_code == 200
    assert "scan.pdf" in response.context["form"].errors["files"][0]
    assert "请看附件" in response.content.decode()
    assert thread.messages.count() == 1


def test_at_most_three_files_go_with_one_message(client, world):
    client.force_login(world.contact_a)
    response = client.post(
        reverse("messaging:portal_new"),
        {"subject": "照片", "body": "四张", "files": [png(f"{n}.png") for n in range(4)]},
    )
    assert response.status_code == 200
    assert "files" in response.context["form"].errors
    with pytest.raises(ValidationError):
        start(world, files=[png(f"{n}.png") for n in range(4)])


@pytest.mark.parametrize(
    ("name", "kind", "stored"),
    [
        ("photo.png", "image/png", "photo.png"),
        ("photo.jpeg", "image/png", "photo.jpeg.png"),
        ("scan.JPEG", "image/jpeg", "scan.JPEG"),
        ("许可证", "application/pdf", "许可证.pdf"),
    ],
)
def test_a_file_keeps_its_name_with_the_extension_of_what_it_is(name, kind, stored):
    assert _file_name(SimpleUploadedFile(name, b""), kind) == stored


# --- the file URL --------------------------------------------------------------------------------------


@pytest.fixture
def photo(world):
    start(world, files=[png()])
    return Attachment.objects.get()


@pytest.mark.parametrize("who", ["contact_a", "butler_a", "manager"])
def test_the_company_its_butler_and_the_manager_download_the_file(client, world, photo, who):
    user = {"contact_a": world.contact_a, "butler_a": world.butler_a.user, "manager": world.manager}[who]
    client.force_login(user)
    response = client.get(reverse("messaging:attachment", args=[photo.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("inline")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == png_bytes()


@pytest.mark.parametrize("who", ["anonymous", "contact_b", "butler_b", "outsider", "past_butler"])
def test_anyone_else_gets_404_on_the_file(client, world, photo, who):
    if who == "past_butler":
        service_period_transfer(
            actor=world.manager, period=world.period_a, to_butler=world.butler_b, reason="岗位调整"
        )
        client.force_login(world.butler_a.user)
    elif who != "anonymous":
        user = {"contact_b": world.contact_b, "butler_b": world.butler_b.user, "outsider": world.outsider}[
            who
        ]
        client.force_login(user)
    assert client.get(reverse("messaging:attachment", args=[photo.pk])).status_code == 404


# --- transfer -----------------------------------------------------------------------------------------


def test_threads_follow_the_company_to_its_new_butler(client, world):
    thread = start(world)
    service_period_transfer(
        actor=world.manager, period=world.period_a, to_butler=world.butler_b, reason="岗位调整"
    )
    client.force_login(world.butler_b.user)
    url = reverse("messaging:thread", args=[thread.pk])
    assert client.get(url).status_code == 200
    assert client.post(url, {"body": "我是新管家"}).status_code == 302
    client.force_login(world.butler_a.user)
    assert client.get(url).status_code == 404
    assert client.post(url, {"body": "旧管家"}).status_code == 404
    assert list(thread.messages.values_list("body", flat=True)) == ["请看一下这张照片可以吗？", "我是新管家"]

    more = message_send(actor=world.contact_a, thread=thread, body="谢谢")
    assert Notice.objects.get(key=f"message-{more.pk}").recipient == world.butler_b.user


def test_a_deactivated_butler_no_longer_reads_the_threads(world):
    thread = start(world)
    world.butler_a.active = False
    world.butler_a.save()
    assert not threads_visible_to(world.butler_a.user).filter(pk=thread.pk).exists()


# --- query counts -------------------------------------------------------------------------------------


@pytest.fixture
def busy(world):
    """Company A with many threads, each with several messages and files."""
    other = make_user("contact_a2", "Company", email="a2@company-a.example")
    world.company_a.contacts.create(name="李二", mobile="13900000888", user=other)
    threads = []
    for n in range(12):
        thread = start(world, subject=f"问题{n}", files=[png()] if n % 3 == 0 else [])
        message_send(actor=world.butler_a.user, thread=thread, body=f"答复{n}", files=[pdf()])
        message_send(actor=other, thread=thread, body=f"追问{n}")
        threads.append(thread)
    return threads


def _conversations(world, other, first: int, stop: int):
    """Threads ``first``..``stop - 1`` of company A, as in ``busy``: each with a photo now and then, an answer
    with a file and a second contact's question."""
    for n in range(first, stop):
        thread = start(world, subject=f"问题{n}", files=[png()] if n % 3 == 0 else [])
        message_send(actor=world.butler_a.user, thread=thread, body=f"答复{n}", files=[pdf()])
        message_send(actor=other, thread=thread, body=f"追问{n}")


def _second_contact(world):
    other = make_user("contact_a2", "Company", email="a2@company-a.example")
    world.company_a.contacts.create(name="李二", mobile="13900000888", user=other)
    return other


PORTAL_MESSAGES_QUERIES = 10  # measured 8 on SQLite and PostgreSQL, every list filled


def test_list_pages_do_not_grow_with_the_threads(client, world):
    from tests.butler.feedback.test_feedback_portal import PORTAL_HOME_QUERIES, feedback_of_company_a
    from tests.butler.test_query_counts import COMPANY_PAGE_QUERIES

    other = _second_contact(world)
    threads = MessageThread.objects.filter(company=world.company_a)

    # The company page shows the newest ten threads (3, then 10) and counts the unread ones (3, then 30).
    def check_card(response, size):
        card = response.context["messages_card"]
        assert len(card.threads) == min(size, 10) and card.unread == size

    client.force_login(world.butler_a.user)
    assert_fixed_queries(
        client,
        reverse("company:detail", args=[world.company_a.pk]),
        fill=lambda first, stop: _conversations(world, other, first, stop),
        check=check_card,
        at_most=COMPANY_PAGE_QUERIES,  # measured with every list of the page filled: test_query_counts.py
    )

    # The portal lists them all: 33, then 60.
    def check_list(response, size):
        assert len(response.context["threads"]) == threads.count() == 30 + size

    client.force_login(world.contact_a)
    assert_fixed_queries(
        client,
        reverse("messaging:portal_list"),
        fill=lambda first, stop: _conversations(world, other, 30 + first, 30 + stop),
        check=check_list,
        at_most=PORTAL_MESSAGES_QUERIES,
    )

    # The portal home counts the unread threads and what waits to be rated.
    def home(first, stop):
        _conversations(world, other, 60 + first, 60 + stop)
        feedback_of_company_a(world, first, stop)

    def check_home(response, size):
        # A permit and an ended period for each row, and the butler (rated only under test keys)
        assert response.context["to_rate"] == 2 * size + 1
        assert len(response.context["periods"]) == size + 1

    assert_fixed_queries(
        client, reverse("portal:home"), fill=home, check=check_home, at_most=PORTAL_HOME_QUERIES
    )


# measured 14 (the window's page) and 15 (the portal's, with the butler to call) on SQLite and PostgreSQL
THREAD_PAGE_QUERIES = {"window": 16, "company": 16}


@pytest.mark.parametrize("side", ["window", "company"])
def test_a_thread_page_does_not_grow_with_its_messages(client, world, side):
    """Messages from both sides, each with a file: their authors and attachments come in fixed queries."""
    other = _second_contact(world)
    thread = start(world)

    def fill(first, stop):
        for n in range(first, stop):
            message_send(actor=world.butler_a.user, thread=thread, body=f"补充{n}", files=[png()])
            message_send(actor=other, thread=thread, body=f"追问{n}", files=[pdf()])

    def check(response, size):
        messages = response.context["page"].messages
        assert len(messages) == 2 * size + 1
        assert sum(len(message.attachments.all()) for message in messages) == 2 * size
        assert {message.author_name for message in messages} >= {"王丽娜", "李二"}

    if side == "window":
        client.force_login(world.butler_a.user)
        url = reverse("messaging:thread", args=[thread.pk])
    else:
        client.force_login(world.contact_a)
        url = reverse("messaging:portal_thread", args=[thread.pk])
    assert_fixed_queries(client, url, fill=fill, check=check, at_most=THREAD_PAGE_QUERIES[side])


def test_the_messages_selectors_are_bounded(world):
    other = _second_contact(world)
    counts = []
    for first, stop in ((0, 3), (3, 30)):
        _conversations(world, other, first, stop)
        with CaptureQueriesContext(connection) as of_company:
            assert len(list(threads_of_company(world.company_a, side=WINDOW))) == stop
        with CaptureQueriesContext(connection) as awaiting:
            assert len(list(threads_awaiting_window(world.butler_a.user))) == stop
        counts.append((len(of_company), len(awaiting)))
    assert counts == [(1, 1), (1, 1)]  # measured on SQLite and PostgreSQL
    assert Message.objects.count() == 90


def test_a_message_written_before_nine_is_mailed_at_once_not_at_nine(world):
    import time_machine

    with time_machine.travel(at(2026, 11, 3, 8, 5), tick=False):
        thread = start(world)
    planned = Reminder.objects.get(subject=f"message:{thread.messages.get().pk}")
    assert planned.scheduled_at == at(2026, 11, 3, 8, 5)
    morning = at(2026, 11, 3, 8, 6)
    reminders_send_due(now=morning)
    assert len(mail.outbox) == 1
