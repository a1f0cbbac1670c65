"""Materials handed in incomplete: the butler gives one complete notice at the desk; the company sees it
on its portal, on a phone."""

import re

import pytest
from playwright.sync_api import expect

from butler.models import Rating
from companies.models import CompanyLicence, LicenceStatus
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _open_step(page, name):
    """Open a next step's panel and wait for it to stand still (Bootstrap animates its height)."""
    page.get_by_role("button", name=name).click()
    expect(page.locator(".collapsing")).to_have_count(0)


def _sign_in(page, url, username):
    page.goto(url + "/accounts/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("form:has(#id_username) button[type=submit]").click()
    page.wait_for_load_state()


def test_butler_marks_materials_missing_and_the_company_sees_the_notice(
    live_server, browser, world, artifacts
):
    licence = CompanyLicence.objects.get(company=world.company_a, licence_type__code="road_freight_licence")
    first, second = list(licence.licence_type.materials.order_by("position")[:2])

    butler = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}).new_page()
    _sign_in(butler, live_server.url, world.butler_a.user.username)
    butler.goto(f"{live_server.url}/licences/{licence.pk}/")
    _open_step(butler, re.compile("一次性告知补正"))
    form = butler.locator("form:has(input[value=missing])")
    form.get_by_label(first.name_zh, exact=True).check()
    form.get_by_label(second.name_zh, exact=True).check()
    form.get_by_label(f"原因：{first.name_zh}").fill("未加盖公章")
    form.get_by_label("补正期限").fill("2026-11-09")
    form.locator("button[type=submit]").click()
    butler.get_by_role("link", name=re.compile("一次性告知书")).click()
    expect(butler.get_by_text(first.name_zh)).to_be_visible()
    expect(butler.get_by_text("未加盖公章")).to_be_visible()
    butler.screenshot(path=str(artifacts / "missing-materials-notice.png"), full_page=True)

    phone = browser.new_context(
        locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    ).new_page()
    _sign_in(phone, live_server.url, world.contact_a.username)
    phone.get_by_role("link", name=re.compile("我的证照")).click()
    notice = phone.locator(".notice").first
    assert first.name_zh in notice.inner_text() and second.name_zh in notice.inner_text()
    expect(phone.locator(".licence-missing").first).to_be_visible()
    phone.screenshot(path=str(artifacts / "portal-licences-phone.png"), full_page=True)
    licence.refresh_from_db()
    assert licence.status == LicenceStatus.MATERIALS_MISSING


def test_butler_accepts_then_refuses_and_the_company_reads_the_reasons_and_rates_it_on_a_phone(
    live_server, browser, world, artifacts
):
    licence = CompanyLicence.objects.get(company=world.company_a, licence_type__code="road_freight_licence")

    butler = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}).new_page()
    _sign_in(butler, live_server.url, world.butler_a.user.username)
    butler.goto(f"{live_server.url}/licences/{licence.pk}/")
    _open_step(butler, "受理申请（材料齐全）")
    with butler.expect_navigation():
        butler.locator("form:has(input[value=applied]) button[type=submit]").click()
    assert "已受理" in butler.locator(".alert").first.inner_text()

    _open_step(butler, "不予许可（书面说明理由）")
    form = butler.locator("form:has(input[value=refused])")
    with butler.expect_navigation():
        form.locator("button[type=submit]").click()  # no reasons yet: refused, nothing lost
    form = butler.locator("form:has(input[value=refused])")
    assert "请填写不予许可的理由。" in form.inner_text()
    form.get_by_label("不予许可理由").fill("停车场地面积不足，不符合许可条件。")
    with butler.expect_navigation():
        form.locator("button[type=submit]").click()
    assert "停车场地面积不足" in butler.locator("main").inner_text()
    butler.screenshot(path=str(artifacts / "refusal-desk.png"), full_page=True)
    licence.refresh_from_db()
    assert (licence.status, licence.refusal_reasons) == (
        LicenceStatus.REFUSED,
        "停车场地面积不足，不符合许可条件。",
    )

    phone = browser.new_context(
        locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    ).new_page()
    _sign_in(phone, live_server.url, world.contact_a.username)
    phone.get_by_role("link", name=re.compile("我的证照")).click()
    assert "停车场地面积不足，不符合许可条件。" in phone.locator("main").inner_text()
    phone.screenshot(path=str(artifacts / "refusal-phone.png"), full_page=True)
    phone.goto(live_server.url + "/feedback/")
    phone.locator(f"a[href='/feedback/rate/matter/{licence.pk}/']").click()
    phone.wait_for_load_state()
    phone.locator("label[for='overall-4']").click()
    with phone.expect_navigation():
        phone.get_by_test_id("send-rating").click()
    rating = Rating.objects.get(licence=licence)
    assert (rating.overall, rating.matter_key) == (
        4,
        f"licence:{licence.pk}:refused:{licence.decided_on:%Y-%m-%d}",
    )
