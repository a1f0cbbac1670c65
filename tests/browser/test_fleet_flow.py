"""A fleet owner's month on a phone: what each plate and driver needs, by when; the butler records the
inspection at the desk and it leaves the owner's month."""

import re
from datetime import date

import pytest

from butler.fleet.services import obligation_met
from companies.models import BusinessType, Obligation
from companies.services import company_update, vehicle_add
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(page, url, username):
    page.goto(url + "/accounts/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("form:has(#id_username) button[type=submit]").click()
    page.wait_for_load_state()


def test_the_owner_sees_the_month_and_the_butler_records_the_inspection(
    live_server, browser, world, artifacts
):
    company = world.company_a
    company_update(
        actor=world.manager,
        company=company,
        business_types=list(BusinessType.objects.filter(code="road_freight")),
    )
    truck = vehicle_add(
        actor=world.manager,
        company=company,
        plate="浙B83001",
        vehicle_type="truck",
        total_mass_kg=18000,
        registered_on=date(2014, 4, 1),
    )
    inspection = Obligation.objects.get(vehicle=truck, obligation_type__code="vehicle_inspection")
    obligation_met(actor=world.butler_a.user, obligation=inspection, done_on=date(2026, 5, 10))  # due 11-10
    policy = Obligation.objects.get(vehicle=truck, obligation_type__code="compulsory_insurance")
    obligation_met(
        actor=world.butler_a.user,
        obligation=policy,
        done_on=date(2026, 3, 1),
        reference="PDZA202633020612",
        valid_until=date(2027, 2, 28),
    )

    phone = browser.new_context(
        locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    ).new_page()
    _sign_in(phone, live_server.url, world.contact_a.username)
    phone.get_by_role("link", name=re.compile("本月车队事项")).click()
    phone.wait_for_load_state()
    month = phone.locator(".fleet-subject")
    assert month.count() == 1
    text = month.first.inner_text()
    assert "浙B83001" in text and "机动车安全技术检验" in text and "还有 8 天" in text
    assert "交强险" not in text  # valid until February: not this month's business
    phone.screenshot(path=str(artifacts / "fleet-month-phone.png"), full_page=True)

    desk = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}).new_page()
    _sign_in(desk, live_server.url, world.butler_a.user.username)
    desk.goto(f"{live_server.url}/fleet/company/{company.pk}/")
    desk.locator(f"a[href='/fleet/obligation/{inspection.pk}/']").click()
    desk.wait_for_load_state()
    desk.get_by_label("完成日期").fill("2026-11-02")
    with desk.expect_navigation():
        desk.get_by_role("button", name="记录").click()
    assert "已记录" in desk.locator(".alert").first.inner_text()
    desk.screenshot(path=str(artifacts / "fleet-calendar-desk.png"), full_page=True)
    inspection.refresh_from_db()
    assert inspection.due_on == date(2027, 5, 2)  # 12 years old: every six months

    phone.reload()
    assert phone.locator(".fleet-subject").count() == 0
    assert "一个月内没有到期事项" in phone.locator("main").inner_text()
