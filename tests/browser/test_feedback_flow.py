"""A company gives a ★1 rating from a phone; the manager verifies, classifies, rectifies, records the return
visit and closes the case; the dashboard's rates change accordingly."""

from datetime import date

import pytest

from butler.licences.services import licence_step
from butler.models import AuditCase, Rating
from companies.models import CompanyLicence, LicenceStatus
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(page, url, username):
    page.goto(url + "/accounts/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("form:has(#id_username) button[type=submit]").click()
    page.wait_for_load_state()


def _figure(page, key: str) -> str:
    return page.get_by_test_id(f"figure-{key}").locator(".figure-value").inner_text().strip()


def _step(page, button_text: str):
    page.locator("form[action*='/audit/'] button[type=submit]", has_text=button_text).click()
    page.wait_for_load_state()


def test_a_bad_rating_is_audited_to_the_end_and_the_dashboard_follows(live_server, browser, world, artifacts):
    licence = CompanyLicence.objects.get(company=world.company_a, licence_type__code="road_freight_licence")
    butler = world.butler_a.user
    licence_step(actor=butler, licence=licence, to=LicenceStatus.APPLIED, on=date(2026, 11, 2))
    licence_step(
        actor=butler, licence=licence, to=LicenceStatus.ISSUED, on=date(2026, 11, 2), certificate_number="A-7"
    )

    manager = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}).new_page()
    _sign_in(manager, live_server.url, world.manager.username)
    assert manager.url.endswith("/manager/dashboard/")
    assert _figure(manager, "bad_rate") == "—"  # no ratings yet

    phone = browser.new_context(
        locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    ).new_page()
    _sign_in(phone, live_server.url, world.contact_a.username)
    phone.goto(live_server.url + "/feedback/")
    assert phone.get_by_test_id("to-rate").inner_text() == "2"  # the licence just issued and the butler
    phone.locator(f"a[href='/feedback/rate/matter/{licence.pk}/']").click()
    phone.wait_for_load_state()
    phone.locator("label[for='overall-1']").click()
    phone.locator("textarea[name=comment]").fill("材料要求前后说法不一，跑了三趟")
    phone.screenshot(path=str(artifacts / "rating-phone.png"), full_page=True)
    phone.get_by_test_id("send-rating").click()
    phone.wait_for_load_state()
    assert "一个工作日内" in phone.locator(".alert").first.inner_text()  # the head of the window calls back

    rating = Rating.objects.get()
    assert (rating.overall, rating.licence_id) == (1, licence.pk)
    case = AuditCase.objects.get(rating=rating)

    manager.reload()
    assert _figure(manager, "bad_rate") == "100.0%"
    assert _figure(manager, "return_visit_rate") == "—"  # not due yet: the rate counts only what is due

    manager.goto(f"{live_server.url}/audit/{case.pk}/")
    assert "材料要求前后说法不一" in manager.locator("main").inner_text()
    manager.locator("textarea[name=note]").fill("电话核实：窗口两次告知的材料清单不一致")
    _step(manager, "核实回电")
    manager.locator("input[name=finding][value=valid]").check()
    _step(manager, "定性")
    manager.locator("textarea[name=rectification]").fill("统一材料清单并在窗口公示，对经办人员培训")
    _step(manager, "整改")
    manager.locator("textarea[name=note]").fill("已告知企业整改措施")
    _step(manager, "反馈")
    manager.screenshot(path=str(artifacts / "audit-case-before-close.png"), full_page=True)
    _step(manager, "办结")
    case.refresh_from_db()
    assert case.is_closed and case.return_visit_note == "已告知企业整改措施"
    assert case.history.count() == 6

    manager.goto(live_server.url + "/manager/dashboard/")
    assert _figure(manager, "return_visit_rate") == "100.0%"
    assert _figure(manager, "rectification_rate") == "100.0%"
    assert _figure(manager, "bad_rate") == "100.0%"  # the rating stands: it cannot be changed
    manager.screenshot(path=str(artifacts / "dashboard-after-audit.png"), full_page=True)
