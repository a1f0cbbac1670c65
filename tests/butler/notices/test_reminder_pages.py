"""The bell and the notifications of every role, reminders on the company page, the manager's delivery page
with retry, and a company contact's choice of how reminders reach them."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from reminders.models import Notice, Reminder
from reminders.notices import notice_send
from reminders.services import reminder_plan
from tests.conftest import NOW
from tests.queries import assert_fixed_queries

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize("who", ["contact_a", "butler", "manager"])
def test_every_role_sees_its_unread_count_and_opening_a_notice_reads_it(client, world, who):
    user = {"contact_a": world.contact_a, "butler": world.butler_a.user, "manager": world.manager}[who]
    notice_send(recipients=[user], title="营运证 2026-12-01 前申请换证", url="/notices/")
    notice_send(recipients=[user], title="第二条", url="https://evil.example/")
    client.force_login(user)
    page = client.get(reverse("notices:index")).content.decode()
    assert "营运证 2026-12-01 前申请换证" in page
    assert 'badge rounded-pill text-bg-danger">2<' in page
    first = Notice.objects.get(title="第二条")
    response = client.get(reverse("notices:open", args=[first.pk]))
    assert response["Location"] == reverse("notices:index")  # a link off the site is not followed
    first.refresh_from_db()
    assert first.read_at is not None
    assert 'text-bg-danger">1<' in client.get(reverse("notices:index")).content.decode()
    client.post(reverse("notices:read_all"))
    assert not Notice.objects.filter(recipient=user, read_at__isnull=True).exists()
    assert "bi-bell-fill" not in client.get(reverse("notices:index")).content.decode()


def test_nobody_opens_another_persons_notice(client, world):
    notice_send(recipients=[world.contact_a], title="仅限本人")
    notice = Notice.objects.get()
    for user in (world.contact_b, world.butler_a.user, world.manager):
        client.force_login(user)
        assert client.get(reverse("notices:open", args=[notice.pk])).status_code == 404
    notice.refresh_from_db()
    assert notice.read_at is None


NOTICES_QUERIES = 8  # measured 7 on SQLite and PostgreSQL, the list filled


def test_the_notification_list_has_a_fixed_number_of_queries(client, world):
    def fill(first, stop):
        for n in range(first, stop):
            notice_send(recipients=[world.butler_a.user], title=f"提醒 {n}", body=f"第{n}条", url="/notices/")
        Notice.objects.filter(
            recipient=world.butler_a.user, title__in=[f"提醒 {n}" for n in range(first, stop, 2)]
        ).update(read_at=NOW)

    def check(response, size):
        page = response.context["page"]
        assert len(page) == page.paginator.count == size  # 30 a page
        assert {notice.read_at is None for notice in page} == {True, False}

    client.force_login(world.butler_a.user)
    assert_fixed_queries(client, reverse("notices:index"), fill=fill, check=check, at_most=NOTICES_QUERIES)


def test_the_company_page_shows_reminders_planned_and_sent(client, world):
    planned = Reminder.objects.filter(scope=f"company:{world.company_a.pk}", status="pending")
    assert planned.exists()  # the first visit planned the period's tasks and the licences' deadlines
    sent = planned.first()
    Reminder.objects.filter(pk=sent.pk).update(status="sent", sent_at=NOW, late=True)
    client.force_login(world.butler_a.user)
    response = client.get(reverse("company:detail", args=[world.company_a.pk]))
    reminders = response.context["reminders"]
    assert [[r.pk for r in group.reminders] for group in reminders.recent] == [[sent.pk]]
    assert reminders.recent[0].late
    upcoming = [r.pk for group in reminders.upcoming for r in group.reminders]
    assert upcoming and sent.pk not in upcoming
    # One reminder to several people by several channels is one line.
    widest = max(reminders.upcoming, key=lambda group: len(group.reminders))
    assert len(widest.reminders) == len({(r.recipient_id, r.channel) for r in widest.reminders}) > 1
    assert len(widest.recipients) == len({r.recipient_id for r in widest.reminders})
    assert response.content.decode().count("reminder-group") == len(reminders.upcoming) + 1


@pytest.fixture
def failed(world):
    reminder_plan(
        subject=f"period:{world.period_a.pk}",
        kind="period_ending",
        due_on=date(2026, 11, 5),  # three days after the world's day
        offsets=(7,),
        channels=("sms",),
        recipients=[world.butler_a.user],
        scope=f"company:{world.company_a.pk}",
        label="顺达 · BL-2026-0001",
    )
    reminder = Reminder.objects.get(channel="sms")
    Reminder.objects.filter(pk=reminder.pk).update(status="failed", last_error="no mobile number", attempts=1)
    return reminder


def test_the_manager_sees_failed_reminders_and_sends_them_again(client, world, failed):
    client.force_login(world.manager)
    response = client.get(reverse("oversight:deliveries"))
    assert response.context["counts"].failed == 1
    assert [r.pk for r in response.context["page"]] == [failed.pk]
    assert "没有手机号码" in response.content.decode()  # the engine's reason, in the reader's language
    response = client.post(
        reverse("oversight:deliveries_retry"), {"ids": [failed.pk, "x"], "next": "status=failed"}
    )
    assert response["Location"] == reverse("oversight:deliveries") + "?status=failed"
    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == ("pending", 0)
    # A reminder that has not failed is never sent again by this button.
    sent = Reminder.objects.exclude(pk=failed.pk).first()
    Reminder.objects.filter(pk=sent.pk).update(status="sent")
    client.post(reverse("oversight:deliveries_retry"), {"ids": [sent.pk]})
    sent.refresh_from_db()
    assert sent.status == "sent"


def test_the_delivery_page_filters_by_outcome_and_refuses_a_reversed_period(client, world, failed):
    client.force_login(world.manager)
    response = client.get(reverse("oversight:deliveries"), {"status": "pending"})
    assert failed.pk not in [r.pk for r in response.context["page"]]
    response = client.get(reverse("oversight:deliveries"), {"since": "2026-12-01", "until": "2026-11-01"})
    assert response.status_code == 200
    assert "until" in response.context["form"].errors
    response = client.get(reverse("oversight:deliveries"), {"since": "not a date", "status": "everything"})
    assert response.status_code == 200
    assert response.context["form"].errors


DELIVERIES_QUERIES = 9  # measured 7 on SQLite and PostgreSQL, the list filled


def test_the_delivery_page_has_a_fixed_number_of_queries(client, world):
    """Reminders ``first``..``stop - 1``, each to four people by SMS and in the portal, failed after tries."""
    people = [world.butler_a.user, world.butler_b.user, world.contact_a, world.contact_b]

    def fill(first, stop):
        for n in range(first, stop):
            reminder_plan(
                subject=f"test:{n}",
                kind="renew_by",
                due_on=date(2026, 11, 2),
                offsets=(1,),
                channels=("in_app", "sms"),
                recipients=people,
                label=f"道路运输证 {n}",
                now=datetime(2026, 10, 1, tzinfo=SHANGHAI),
            )
        Reminder.objects.filter(subject__in=[f"test:{n}" for n in range(first, stop)]).update(
            status="failed", attempts=3, last_error="no mobile number", late=True
        )

    def check(response, size):
        page = response.context["page"]
        assert len(page) == min(8 * size, 50)
        assert len({reminder.recipient_id for reminder in page}) == 4

    client.force_login(world.manager)
    assert_fixed_queries(
        client, reverse("oversight:deliveries"), fill=fill, check=check, at_most=DELIVERIES_QUERIES
    )


def test_a_contact_chooses_how_other_reminders_reach_them(client, world):
    client.force_login(world.contact_a)
    page = client.get(reverse("portal:reminders")).content.decode()
    assert "不能关闭" in page  # statutory deadlines cannot be switched off
    response = client.post(reverse("portal:reminders"), {"channel": "in_app"})
    assert response.status_code == 302
    contact = world.company_a.contacts.get()
    contact.refresh_from_db()
    assert contact.reminder_channel == "in_app"


def test_email_is_refused_without_an_address_and_the_choice_is_kept(client, world):
    contact = world.company_b.contacts.get()
    assert not contact.email and not world.contact_b.email
    client.force_login(world.contact_b)
    response = client.post(reverse("portal:reminders"), {"channel": "email"})
    assert response.status_code == 200
    assert "没有您的电子邮箱" in response.content.decode()
    assert response.context["form"]["channel"].value() == "email"
    contact.refresh_from_db()
    assert contact.reminder_channel == "sms"
