"""A renewal reminder reaches the company's bell on a phone; the manager sends a failed one again."""

import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from butler.models import ReminderRule
from butler.service.planning import reminders_reconcile
from reminders.models import Reminder
from reminders.services import reminders_send_due
from tests.browser.test_missing_materials_flow import _sign_in
from tests.conftest import issue_road_freight_licence

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_a_renewal_reminder_reaches_the_phone_and_the_manager_retries_a_failure(
    live_server, browser, world, artifacts
):
    licence = issue_road_freight_licence(world, certificate_number="A-7")
    # Renewals only: the invitation to rate the licence would have gone the day it was issued.
    ReminderRule.objects.filter(kind__startswith="rate_").update(active=False)
    reminders_reconcile()
    # The morning sixty days before the last day to apply for renewal: the sweep sends.
    morning = datetime.combine(licence.renew_by - timedelta(days=60), time(9, 1), tzinfo=SHANGHAI)
    reminders_send_due(now=morning)
    sms = Reminder.objects.get(recipient=world.butler_a.user, channel="sms", status="sent")
    Reminder.objects.filter(pk=sms.pk).update(status="failed", last_error="gateway timeout", attempts=5)

    phone = browser.new_context(
        locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    ).new_page()
    _sign_in(phone, live_server.url, world.contact_a.username)
    bell = phone.locator("a.bell")
    assert bell.locator(".badge").inner_text() == "1"
    bell.click()
    item = phone.locator(".notice-item.unread").first
    assert licence.renew_by.isoformat() in item.inner_text() and "王丽娜" in item.inner_text()
    phone.screenshot(path=str(artifacts / "notifications-phone.png"), full_page=True)
    item.click()
    phone.wait_for_url(re.compile("/portal/licences/"))
    assert phone.locator("a.bell .badge").count() == 0

    # The contact reads English: one switch, and the same notice says it in English — on this phone and
    # wherever they sign in next (their choice is kept).
    phone.locator(".language-switcher button[value=en]").first.click()
    phone.goto(live_server.url + "/notices/")
    english = phone.locator(".notice-item").first
    renewal = f"apply for renewal by {licence.renew_by.isoformat()}"
    expect(english).to_contain_text(f"Road transport business licence (ordinary freight): {renewal}")
    expect(english).to_contain_text("Your butler 王丽娜: 0574-86861234")
    phone.screenshot(path=str(artifacts / "notifications-phone-en.png"), full_page=True)
    other = browser.new_context(
        locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True
    ).new_page()
    _sign_in(other, live_server.url, world.contact_a.username)
    other.goto(live_server.url + "/notices/")
    expect(other.locator("html")).to_have_attribute("lang", "en")
    expect(other.locator(".notice-item").first).to_contain_text("apply for renewal by")

    desk = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}).new_page()
    _sign_in(desk, live_server.url, world.manager.username)
    desk.get_by_role("link", name=re.compile("提醒")).first.click()
    desk.get_by_label("计划发送日期自").fill(morning.date().isoformat())  # the reminder's day, years ahead
    desk.get_by_label("至").fill(morning.date().isoformat())
    desk.get_by_role("button", name=re.compile("筛选")).click()
    desk.get_by_role("link", name=re.compile("发送失败")).click()
    row = desk.locator("tr", has_text="gateway timeout")
    expect(row).to_have_count(1)
    desk.screenshot(path=str(artifacts / "reminder-delivery.png"), full_page=True)
    row.get_by_role("button", name=re.compile("重新发送")).click()
    expect(desk.get_by_text(re.compile("1 条提醒将在一分钟内重新发送"))).to_be_visible()
    sms.refresh_from_db()
    assert (sms.status, sms.attempts) == ("pending", 0)
