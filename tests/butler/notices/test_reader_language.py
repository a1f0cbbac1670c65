"""What the system writes is read in the reader's language: notices on every page, e-mails and texts in the
language the person chose. Each person's choice is kept when they switch language and follows them to
another browser. Notices come by their deadline, and what was told to a company before a contact's account
existed reaches them when they join."""

import json
import logging
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from butler.licences.services import licence_step
from butler.models import ReminderRule
from butler.service.invitations import invitation_accept, invitation_issue
from butler.service.planning import reminders_reconcile
from companies.models import CompanyLicence, LicenceStatus, LicenceType, ReminderChoice
from reminders.models import LanguagePreference, Notice
from reminders.notices import notice_send
from reminders.people import language_set
from reminders.services import reminders_send_due
from reminders.texts import named, render, text
from tests.conftest import NOW, PASSWORD, issue_road_freight_licence
from tests.integration.sinks import SmsGateway

S = LicenceStatus
SHANGHAI = ZoneInfo("Asia/Shanghai")
DAY_BEFORE_RENEWAL = datetime(2030, 10, 1, 10, 0, tzinfo=SHANGHAI)  # the renewal is due by 2030-10-02

TITLE_EN = "Road transport business licence (ordinary freight): apply for renewal by 2030-10-02"
TITLE_ZH = "道路运输经营许可证（普通货运）：请于 2030-10-02 前申请延续"
BRING_EN = "What to bring: Application form for road freight business, Identity of the person in charge"
BRING_ZH = "需携带材料：道路货物运输经营申请表、负责人身份证明及经办人授权委托书"


@pytest.fixture
def issued(world):
    licence = issue_road_freight_licence(world)
    # Only the renewal here: the invitation to rate the licence just issued would have gone in 2026.
    ReminderRule.objects.filter(kind__startswith="rate_").update(active=False)
    reminders_reconcile()
    return licence


def test_a_text_is_kept_as_its_key_and_read_in_either_language(world):
    road = named(LicenceType.objects.get(code="road_freight_licence"))
    spec = text("%(licence)s: apply for renewal by %(date)s", licence=road, date="2026-12-12")
    assert (
        render(spec, "en")
        == "Road transport business licence (ordinary freight): apply for renewal by 2026-12-12"
    )
    assert render(spec, "zh-hans") == "道路运输经营许可证（普通货运）：请于 2026-12-12 前申请延续"
    assert spec == json.loads(json.dumps(spec))  # stored as it is in a JSON column


def test_one_reminder_notice_reads_in_the_language_of_each_readers_page(client, world, issued):
    reminders_send_due(now=DAY_BEFORE_RENEWAL)
    client.force_login(world.contact_a)

    english = client.get(reverse("notices:index"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert TITLE_EN in english
    assert BRING_EN in english
    assert "Your butler 王丽娜: 0574-86861234" in english
    assert "申请延续" not in english and "需携带材料" not in english and "您的管家" not in english

    chinese = client.get(reverse("notices:index"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert TITLE_ZH in chinese
    assert BRING_ZH in chinese
    assert "您的管家王丽娜，电话：0574-86861234" in chinese
    # The plain column keeps what the window reads, for the admin and a search.
    renewal = Notice.objects.filter(recipient=world.contact_a, title__contains="申请延续")
    assert set(renewal.values_list("due_on", flat=True)) == {date(2030, 10, 2)}


def test_the_butlers_reminder_list_names_the_licence_in_the_readers_language(client, world, issued):
    client.force_login(world.butler_a.user)
    page = client.get(reverse("company:detail", args=[world.company_a.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert "Road transport business licence (ordinary freight)" in page.content.decode()
    page = client.get(reverse("company:detail", args=[world.company_a.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "道路运输经营许可证（普通货运）" in page.content.decode()


def test_an_email_is_written_in_the_language_its_reader_chose(world, issued, settings):
    settings.BUTLER_PUBLIC_URL = "https://butler.example.gov.cn"
    contact = world.company_a.contacts.get()
    contact.reminder_channel = ReminderChoice.EMAIL
    contact.email = world.contact_a.email = "a@company-a.example"
    contact.save()
    world.contact_a.save()
    language_set(user=world.contact_a, language="en")
    reminders_reconcile()

    reminders_send_due(now=DAY_BEFORE_RENEWAL)

    to_contact = [message for message in mail.outbox if message.to == ["a@company-a.example"]]
    assert [message.subject for message in to_contact] == [TITLE_EN]
    assert BRING_EN in to_contact[0].body
    assert "Your butler 王丽娜: 0574-86861234" in to_contact[0].body
    assert "https://butler.example.gov.cn/portal/licences/" in to_contact[0].body
    to_butler = [message for message in mail.outbox if message.to == [world.butler_a.user.email]]
    assert to_butler and all("申请延续" in message.body for message in to_butler)  # no choice: Chinese


def test_a_text_message_is_fit_for_the_operator(world, issued, settings, caplog):
    settings.BUTLER_PUBLIC_URL = "https://butler.example.gov.cn"
    contact = world.company_a.contacts.get()
    contact.reminder_channel = ReminderChoice.SMS
    contact.save()
    reminders_reconcile()

    with caplog.at_level(logging.INFO, logger="reminders.sms"):
        reminders_send_due(now=DAY_BEFORE_RENEWAL)

    texts = [
        r.getMessage()
        for r in caplog.records
        if r.name == "reminders.sms" and contact.mobile in r.getMessage()
    ]
    assert len(texts) == 1
    assert texts[0].endswith(
        "【北仑区交通运输局】道路运输经营许可证（普通货运）：请于 2030-10-02 前申请延续；"
        "您的管家王丽娜，电话：0574-86861234 https://butler.example.gov.cn/"
    )


def test_switching_language_signed_in_is_kept_for_the_next_visit_from_another_browser(world):
    browser = Client()
    browser.login(username=world.contact_a.username, password=PASSWORD)
    browser.post(reverse("set_language"), {"language": "en", "next": reverse("portal:home")})
    assert LanguagePreference.objects.get(user=world.contact_a).language == "en"

    elsewhere = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")  # a browser that asks for Chinese, no cookie
    elsewhere.login(username=world.contact_a.username, password=PASSWORD)
    page = elsewhere.get(reverse("portal:home"))
    assert '<html lang="en">' in page.content.decode()


def test_someone_who_never_chose_reads_their_browsers_language_and_switching_signed_out_keeps_nothing(world):
    browser = Client()
    browser.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert not LanguagePreference.objects.exists()
    browser.login(username=world.butler_a.user.username, password=PASSWORD)
    page = browser.get(reverse("portfolio:today"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert '<html lang="en">' in page.content.decode()  # the switcher's cookie, as before signing in


def test_unread_notices_come_by_their_deadline_then_those_read(client, world):
    user = world.butler_a.user
    notice_send(recipients=[user], title="2027 年的期限", due_on=date(2027, 3, 1))
    notice_send(recipients=[user], title="下周的期限", due_on=date(2026, 11, 9))
    notice_send(recipients=[user], title="没有期限的消息")  # given today, 2026-11-02
    notice_send(recipients=[user], title="已读的旧通知", due_on=date(2026, 11, 3))
    notice_send(recipients=[user], title="已过期限", due_on=date(2026, 10, 30))
    Notice.objects.filter(title="已读的旧通知").update(read_at=NOW)
    client.force_login(user)
    page = client.get(reverse("notices:index"))
    assert [notice.title for notice in page.context["page"]] == [
        "已过期限",
        "没有期限的消息",
        "下周的期限",
        "2027 年的期限",
        "已读的旧通知",
    ]


def test_a_contact_who_joins_later_receives_what_the_company_was_told_before(client, world):
    licence = CompanyLicence.objects.get(company=world.company_a, licence_type__code="road_freight_licence")
    material = licence.licence_type.materials.order_by("position").first()
    licence_step(
        actor=world.butler_a.user,
        licence=licence,
        to=S.MATERIALS_MISSING,
        on=date(2026, 11, 2),
        materials=[material],
        supply_by=date(2026, 11, 9),
        reasons={str(material.pk): "缺少盖章"},
    )
    told = Notice.objects.get(recipient=world.contact_a, key__startswith="missing:")
    newcomer = world.company_a.contacts.create(name="赵六", mobile="13957400001", email="")
    _invitation, token = invitation_issue(actor=world.butler_a.user, contact=newcomer)

    user = invitation_accept(raw_token=token, mobile="13957400001", password=PASSWORD, language="en")

    received = Notice.objects.get(recipient=user, key=told.key)
    assert received.read_at is None and received.created_at == told.created_at
    assert received.due_on == told.due_on
    client.force_login(user)
    page = client.get(reverse("notices:index")).content.decode()  # in English, the language they joined in
    assert "Road transport business licence (ordinary freight): materials to supply by" in page
    assert "1. Application form for road freight business (缺少盖章)" in page
    assert Notice.objects.filter(recipient=user, key=told.key).count() == 1


def test_the_service_period_prints_its_last_day(client, world):
    period = world.period_a
    assert (period.start_date, period.end_date) == (date(2026, 11, 2), date(2027, 5, 1))
    client.force_login(world.butler_a.user)
    card = client.get(reverse("service:card", args=[period.pk])).content.decode()
    assert "2026-11-02 – 2027-04-30" in card


def test_the_gateway_gets_the_template_of_the_kind_of_message_and_its_variables(world, issued, settings):
    gateway = SmsGateway().start()
    try:
        settings.BUTLER_SMS_BACKEND, settings.BUTLER_SMS_URL = "http", gateway.url
        settings.BUTLER_SMS_KEY, settings.BUTLER_SMS_RATE = gateway.api_key, 1000
        settings.BUTLER_PUBLIC_URL = "https://butler.example.gov.cn"
        settings.BUTLER_SMS_TEMPLATES = {"licence.renew_by": "SMS_100001", "digest": "SMS_100002"}
        contact = world.company_a.contacts.get()

        reminders_send_due(now=DAY_BEFORE_RENEWAL)
    finally:
        gateway.stop()

    to_contact = [sms for sms in gateway.accepted if sms.to == contact.mobile]
    assert len(to_contact) == 1
    sms = to_contact[0]
    assert (sms.template, sms.template_id, sms.sign_name) == (
        "licence.renew_by",
        "SMS_100001",
        "北仑区交通运输局",
    )
    assert sms.params == {
        "licence": "道路运输经营许可证（普通货运）",
        "date": "2030-10-02",
        "name": "王丽娜",
        "phone": "0574-86861234",
        "link": "https://butler.example.gov.cn/",
    }
