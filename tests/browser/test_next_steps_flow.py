"""A company owner opens the portal on a phone: what to do next is the first thing on the screen, with its
date and a button that leads to the place where it is done."""

import re
from datetime import date

import pytest
from playwright.sync_api import expect

from butler.fleet.services import obligation_met
from butler.licences.services import licence_step
from companies.models import BusinessType, CompanyLicence, Obligation
from companies.models import LicenceStatus as S
from companies.services import company_update, vehicle_add
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}


def test_the_owner_sees_the_next_steps_first_on_a_phone(live_server, browser, world, artifacts):
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
    policy = Obligation.objects.get(vehicle=truck, obligation_type__code="compulsory_insurance")
    obligation_met(
        actor=world.butler_a.user,
        obligation=policy,
        done_on=date(2025, 11, 10),
        reference="P1",
        valid_until=date(2026, 11, 9),
    )
    licence = CompanyLicence.objects.get(company=company, licence_type__code="road_freight_licence")
    first = licence.licence_type.materials.order_by("position").first()
    licence_step(
        actor=world.butler_a.user,
        licence=licence,
        to=S.MATERIALS_MISSING,
        submitted_on=date(2026, 10, 30),
        on=date(2026, 10, 30),
        channel="window",
        materials=[first],
        reasons={str(first.pk): "申请表未签字"},
        supply_by=date(2026, 11, 6),
    )

    phone = browser.new_context(locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    phone.goto(live_server.url + "/accounts/login/")
    phone.locator("#id_username").fill(world.contact_a.username)
    phone.locator("#id_password").fill(PASSWORD)
    phone.locator("form:has(#id_username) button[type=submit]").click()

    steps = phone.get_by_test_id("next-steps")
    expect(steps).to_be_visible()
    box = steps.bounding_box()
    assert box["y"] < 200 and box["y"] + 120 < PHONE["height"]  # at the top, not below the butler's card
    items = steps.locator("li.next-step")
    expect(items.first).to_contain_text("2026-11-06")
    expect(items.first).to_contain_text("申请表未签字")
    expect(items.nth(1)).to_contain_text("浙B83001")
    phone.screenshot(path=str(artifacts / "portal-home-next-steps.png"), full_page=True)

    items.first.get_by_role("link").click()
    expect(phone).to_have_url(re.compile(rf"/portal/licences/#licence-{licence.pk}$"))
    expect(phone.locator(f"#licence-{licence.pk}")).to_be_in_viewport()
    phone.screenshot(path=str(artifacts / "portal-licences-attention.png"), full_page=True)
