"""The catalogue as the rules have it, and what it decides: business scope, the oversize permit's classes,
issuer and pass, the roles of dangerous goods transport, commitment-based approval.

The clock reads 2026-11-02 09:30 Beijing (a Monday).
"""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from companies.models import BusinessScope, CompanyLicence, LicenceStatus, LicenceType
from companies.services import (
    commitment_verify,
    licence_add_trip_permit,
    licence_transition,
    person_add,
)
from tests.companies.licence_world import freight_company
from tests.conftest import build_world, built_once_per_module

S = LicenceStatus


def _build():
    world = build_world()
    world.freight = freight_company(world.manager, 311, heavy=2, drivers=1)
    world.dangerous = freight_company(world.manager, 312, types=("dangerous_goods",), heavy=2, drivers=1)
    return world


shared_world = built_once_per_module(_build)


@pytest.fixture
def world(shared_world, db, frozen_clock):
    return shared_world


def _scopes(*codes):
    return list(BusinessScope.objects.filter(code__in=codes))


def _issue_freight_licence(world, *scopes):
    licence = CompanyLicence.objects.get(company=world.freight, licence_type__code="road_freight_licence")
    licence = licence_transition(
        actor=world.butler_a.user, licence=licence, to=S.APPLIED, on=date(2026, 10, 20)
    )
    return licence_transition(
        actor=world.butler_a.user,
        licence=licence,
        to=S.ISSUED,
        on=date(2026, 10, 28),
        certificate_number="浙交运管许可甬字330206000311号",
        business_scopes=_scopes(*scopes),
    )


def test_the_catalogue_holds_the_rules_checked_against_the_regulations(world):
    kinds = {kind.code: kind for kind in LicenceType.objects.select_related("needs_scope")}
    oversize = [kinds[f"oversize_permit_class{n}"] for n in (1, 2)] + [kinds["oversize_permit"]]
    assert [kind.statutory_limit_days for kind in oversize] == [2, 5, 15]
    assert {(kind.needs_scope.name_zh, kind.issuer_by_route, kind.max_pass_months) for kind in oversize} == {
        ("大件", True, 6)
    }
    # The national materials: form, the carrier's licence with the agent's ID, the vehicle licence; class 3
    # adds the outline drawing and the escort plan.
    assert [m.name_zh for m in kinds["oversize_permit_class1"].materials.all()] == [
        "超限运输车辆行驶公路申请表",
        "承运人道路运输经营许可证及经办人身份证件或授权委托书",
        "车辆行驶证",
    ]
    assert [m.name_zh for m in kinds["oversize_permit"].materials.all()][3:] == [
        "车货总体外廓尺寸示意图",
        "护送方案",
    ]
    assert (kinds["port_licence"].statutory_limit_days, kinds["waterway_licence"].statutory_limit_days) == (
        20,
        20,
    )
    assert kinds["vehicle_certificate"].renewal_kind == "annual_review"
    assert kinds["driver_qualification"].renewal_kind == "exchange"
    assert {kind.code for kind in kinds.values() if kind.has_business_scope} == {
        "road_freight_licence",
        "dangerous_goods_licence",
    }
    assert list(BusinessScope.objects.values_list("name_zh", flat=True)) == [
        "普通货运",
        "集装箱",
        "大件",
        "冷藏",
        "罐式",
        "危险货物",
    ]


def test_escorts_and_loading_managers_belong_to_dangerous_goods_transport_only(world):
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        person_add(actor=world.manager, company=world.freight, name="押运员甲", role="escort")
    assert caught.value.message_dict == {
        "role": [
            "Escorts and loading managers work in dangerous goods transport only; this company does not "
            "carry dangerous goods."
        ]
    }
    escort = person_add(actor=world.manager, company=world.dangerous, name="押运员乙", role="escort")
    loader = person_add(actor=world.manager, company=world.dangerous, name="装卸员丙", role="loader")
    held_by = set(
        CompanyLicence.objects.filter(
            company=world.dangerous, licence_type__code="driver_qualification"
        ).values_list("person__name", flat=True)
    )
    assert {escort.name, loader.name} <= held_by


def test_an_oversize_permit_needs_the_oversize_scope_on_the_company_licence(world):
    class1 = LicenceType.objects.get(code="oversize_permit_class1")
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        licence_add_trip_permit(
            actor=world.manager, company=world.freight, licence_type=class1, route_span="city"
        )
    assert caught.value.message_dict == {
        "licence_type": [
            "The company's licence does not cover the business scope “Oversize loads” this permit needs."
        ]
    }
    held = _issue_freight_licence(world, "general", "container")
    assert sorted(held.business_scopes.values_list("code", flat=True)) == ["container", "general"]
    with pytest.raises(ValidationError):
        licence_add_trip_permit(
            actor=world.manager, company=world.freight, licence_type=class1, route_span="city"
        )
    # 大件 added to the scope: the permit can be applied for.
    held.business_scopes.add(BusinessScope.objects.get(code="oversize"))
    permit = licence_add_trip_permit(
        actor=world.manager, company=world.freight, licence_type=class1, route_span="city"
    )
    assert (permit.status, permit.route_span) == (S.REQUIRED, "city")


def test_the_issuer_follows_the_route_and_the_route_is_required(world):
    _issue_freight_licence(world, "general", "oversize")
    class2 = LicenceType.objects.get(code="oversize_permit_class2")
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        licence_add_trip_permit(actor=world.manager, company=world.freight, licence_type=class2)
    assert list(caught.value.message_dict) == ["route_span"]
    with translation.override("en"):
        issuers = [
            str(
                licence_add_trip_permit(
                    actor=world.manager, company=world.freight, licence_type=class2, route_span=span
                ).issuer
            )
            for span in ("county", "city", "province")
        ]
    assert issuers == ["County authority", "City authority", "Provincial authority"]


def test_a_pass_for_repeated_trips_runs_six_months_at_most(world):
    _issue_freight_licence(world, "general", "oversize")
    class1 = LicenceType.objects.get(code="oversize_permit_class1")
    permit = licence_add_trip_permit(
        actor=world.manager, company=world.freight, licence_type=class1, route_span="county", is_pass=True
    )
    permit = licence_transition(actor=world.butler_a.user, licence=permit, to=S.APPLIED, channel="online")

    def issue(expires_on):
        return licence_transition(
            actor=world.butler_a.user,
            licence=permit,
            to=S.ISSUED,
            certificate_number="浙甬超限202601001",
            expires_on=expires_on,
        )

    with translation.override("en"):
        for expires_on, error in (
            (None, "Give the last day the pass is valid."),
            (date(2027, 5, 2), "A pass is valid for 6 months at most: until 2027-05-01."),
        ):
            with pytest.raises(ValidationError) as caught:
                issue(expires_on)
            assert caught.value.message_dict == {"expires_on": [error]}
    assert issue(date(2027, 5, 1)).expires_on == date(2027, 5, 1)
    single = LicenceType.objects.create(
        code="single_journey",
        name_zh="单次通行许可",
        name_en="Single journey permit",
        scope="trip",
        issuing_level="highway",
    )
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        licence_add_trip_permit(actor=world.manager, company=world.freight, licence_type=single, is_pass=True)
    assert caught.value.message_dict == {"is_pass": ["This permit has no pass for repeated trips."]}


def test_a_commitment_based_approval_is_decided_on_the_spot_and_checked_later(world):
    kind = LicenceType.objects.get(code="road_freight_licence")
    LicenceType.objects.filter(pk=kind.pk).update(by_commitment=True, verify_within_days=60)
    licence = CompanyLicence.objects.get(company=world.freight, licence_type=kind)
    licence = licence_transition(actor=world.butler_a.user, licence=licence, to=S.APPLIED, channel="window")
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        licence_transition(
            actor=world.butler_a.user, licence=licence, to=S.ISSUED, certificate_number="甬001"
        )
    assert list(caught.value.message_dict) == ["commitment"]
    licence = licence_transition(
        actor=world.butler_a.user,
        licence=licence,
        to=S.ISSUED,
        certificate_number="甬001",
        commitment="承诺书 甬运承〔2026〕17号",
    )
    assert (licence.decided_on, licence.commitment, licence.verify_by) == (
        date(2026, 11, 2),
        "承诺书 甬运承〔2026〕17号",
        date(2027, 1, 1),
    )
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        commitment_verify(actor=world.butler_a.user, licence=licence, on=date(2026, 11, 2), kept=False)
    assert caught.value.message_dict == {"note": ["Write down what was found not to match the commitment."]}
    licence = commitment_verify(
        actor=world.butler_a.user,
        licence=licence,
        on=date(2026, 11, 2),
        kept=False,
        note="停车场地为租赁，租期不足一年",
    )
    assert (licence.status, licence.verified_on, licence.verification_note) == (
        S.CANCELLED,
        date(2026, 11, 2),
        "停车场地为租赁，租期不足一年",
    )
    with pytest.raises(ValidationError):
        commitment_verify(actor=world.butler_a.user, licence=licence, on=date(2026, 11, 2), kept=True)
