"""A butler registers a new company at the window and hands over a card that prints on one page."""

import io

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from butler.models import ServicePeriod
from companies.business_types import seed_business_types
from companies.models import BusinessType
from tests.conftest import PASSWORD, make_butler
from tests.factories import credit_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_butler_registers_a_company_and_prints_its_card(live_server, page, artifacts):
    seed_business_types(BusinessType)  # transactional tests flush the migration's rows
    butler = make_butler("butler_live", "王丽娜")
    code = credit_code(4242)

    page.goto(f"{live_server.url}/")
    page.get_by_label("用户名或手机号").fill("butler_live")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.get_by_role("link", name="首次办理").first.click()

    page.get_by_label("统一社会信用代码或企业名称").fill(code.lower())
    page.get_by_role("button", name="查找").click()
    page.get_by_role("link", name="登记该企业").click()

    # The code carried over; a wrong mobile is refused and nothing typed is lost.
    expect(page.get_by_label("统一社会信用代码")).to_have_value(code)
    page.get_by_label("企业名称").fill("宁波北仑顺捷物流有限公司")
    page.get_by_label("道路普通货物运输").check()
    page.get_by_label("住所").fill("宁波市北仑区新碶街道明州路188号")
    page.get_by_label("法定代表人").fill("陈建华")
    page.get_by_label("联系人姓名").fill("陈小红")
    page.get_by_label("联系人手机").fill("1380574")
    page.get_by_role("button", name="登记并成为其管家").click()
    expect(page.get_by_text("11 位").first).to_be_visible()
    expect(page.get_by_label("企业名称")).to_have_value("宁波北仑顺捷物流有限公司")
    page.get_by_label("联系人手机").fill("13805741234")
    page.get_by_role("button", name="登记并成为其管家").click()

    card = page.locator(".service-card")
    card.wait_for()
    period = ServicePeriod.objects.get(company__credit_code=code)
    assert period.butler == butler
    assert period.card_number in card.inner_text()
    assert "王丽娜" in card.inner_text()
    assert card.locator("svg").count() == 1
    page.screenshot(path=str(artifacts / "first-visit-card.png"), full_page=True)

    page.emulate_media(media="print")
    pdf_bytes = page.pdf(prefer_css_page_size=True, print_background=True)
    (artifacts / "first-visit-card.pdf").write_bytes(pdf_bytes)
    pdf = PdfReader(io.BytesIO(pdf_bytes))
    assert len(pdf.pages) == 1
    width_mm = float(pdf.pages[0].mediabox.width) / 72 * 25.4
    height_mm = float(pdf.pages[0].mediabox.height) / 72 * 25.4
    assert (round(width_mm), round(height_mm)) == (90, 54)
    assert period.card_number in pdf.pages[0].extract_text()
    # Every line of text lies inside the card's edge, and the card starts at the top of the page (not pushed
    # down by the screen's spacing): its first line within 8 mm of the top edge.
    placed = []

    def where(text, cm, tm, _font, _size):
        if text.strip():  # the text matrix's origin, through the current transformation, in millimetres
            x = float(tm[4]) * float(cm[0]) + float(tm[5]) * float(cm[2]) + float(cm[4])
            y = float(tm[4]) * float(cm[1]) + float(tm[5]) * float(cm[3]) + float(cm[5])
            placed.append((text.strip(), x / 72 * 25.4, y / 72 * 25.4))

    pdf.pages[0].extract_text(visitor_text=where)
    assert placed
    assert all(0 <= x < width_mm and 0 < y < height_mm for _text, x, y in placed), placed
    assert height_mm - max(y for _text, _x, y in placed) < 8, placed
