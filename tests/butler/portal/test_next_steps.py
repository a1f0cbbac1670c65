"""The portal puts the company's next steps first: the one to three most urgent things it must do, each with
its date and one button; its licences page lists what needs attention first and folds the rest.

The clock: Monday 2 November 2026, 09:30 in Ningbo (``frozen_clock``).
"""

from datetime import date

import pytest
from django.urls import reverse

from butler.fleet.services import obligation_met
from butler.licences.services import licence_step
from companies.models import BusinessType, CompanyLicence, Obligation
from companies.models import LicenceStatus as S
from companies.services import company_update, licence_record_held, vehicle_add
from tests.conftest import build_world, built_once_per_module

ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def _build():
    world = build_world()
    company = world.company_a
    company_update(
        actor=world.manager,
        company=company,
        business_types=list(BusinessType.objects.filter(code__in=["road_freight"])),
    )
    world.truck = vehicle_add(
        actor=world.manager,
        company=company,
        plate="浙B81001",
        vehicle_type="truck",
        total_mass_kg=18000,
        registered_on=date(2013, 3, 1),
    )
    # The truck's 交强险 runs out on 11-09: a week from today.
    obligation_met(
        actor=world.butler_a.user,
        obligation=Obligation.objects.get(
            company=company,
            obligation_type__code="compulsory_insurance",
            subject_key=f"vehicle:{world.truck.pk}",
        ),
        done_on=date(2025, 11, 10),
        reference="P1",
        valid_until=date(2026, 11, 9),
    )
    # The company's road freight licence came in incomplete: two materials to bring by 11-06.
    licence = CompanyLicence.objects.get(company=company, licence_type__code="road_freight_licence")
    first, second = list(licence.licence_type.materials.order_by("position")[:2])
    world.freight = licence_step(
        actor=world.butler_a.user,
        licence=licence,
        to=S.MATERIALS_MISSING,
        submitted_on=date(2026, 10, 30),
        on=date(2026, 10, 30),
        channel="window",
        materials=[first, second],
        reasons={str(first.pk): "申请表未签字", str(second.pk): "身份证复印件不清晰"},
        supply_by=date(2026, 11, 6),
    )
    world.missing = (first, second)
    # The truck's 道路运输证 is held and valid till 2028: nothing to do, folded on the licences page.
    world.certificate = licence_record_held(
        actor=world.manager,
        licence=CompanyLicence.objects.get(company=company, vehicle=world.truck),
        certificate_number="浙交运管北仑字330206001234号",
        issued_on=date(2024, 5, 10),
        expires_on=date(2028, 5, 9),
    )
    return world


shared_world = built_once_per_module(_build)


@pytest.fixture
def world(shared_world, db, frozen_clock):
    return shared_world


def test_the_portal_opens_on_the_most_urgent_steps_soonest_first(client, world):
    client.force_login(world.contact_a)
    page = client.get(reverse("portal:home"), **ZH)
    steps = page.context["next_steps"]
    first, second = world.missing
    assert [(s.what, s.subject, s.due_on, s.days) for s in steps[:2]] == [
        ("道路运输经营许可证（普通货运）", "", date(2026, 11, 6), 4),
        ("机动车交通事故责任强制保险（交强险）", "浙B81001", date(2026, 11, 9), 7),
    ]
    assert steps[0].details == [f"{first.name_zh}: 申请表未签字", f"{second.name_zh}: 身份证复印件不清晰"]
    assert steps[0].url == reverse("portal:licences") + f"#licence-{world.freight.pk}"
    assert steps[1].url == reverse("portal:fleet")
    assert len(steps) <= 3
    html = page.content.decode()
    # The block comes before the butler's card, each step with its date and its button.
    assert html.index('data-testid="next-steps"') < html.index("butler-card")
    assert "2026-11-06" in html and "申请表未签字" in html


def test_the_steps_read_in_english_for_an_english_reader(client, world):
    client.force_login(world.contact_a)
    html = client.get(reverse("portal:home"), **EN).content.decode()
    assert "What to do next" in html
    assert "Bring the missing materials" in html and "By 2026-11-06, in 4 days" in html


def test_a_rating_waiting_fills_a_free_place(client, world):
    """Only the steps with a date come first; a rating waiting takes a place left free."""
    client.force_login(world.contact_a)
    steps = client.get(reverse("portal:home"), **EN).context["next_steps"]
    dated = [s for s in steps if s.due_on]
    assert all(a.due_on <= b.due_on for a, b in zip(dated, dated[1:], strict=False))
    assert steps[: len(dated)] == dated


def test_the_licences_page_lists_what_needs_attention_first_and_folds_the_rest(client, world):
    client.force_login(world.contact_a)
    page = client.get(reverse("portal:licences"), **ZH)
    assert page.context["attention"] == [world.freight]
    assert [(group.scope, group.licences) for group in page.context["groups"]] == [
        ("vehicle", [world.certificate])
    ]
    html = page.content.decode()
    assert html.index('data-testid="licences-attention"') < html.index("<details")
    assert html.count(f'id="licence-{world.freight.pk}"') == 1
