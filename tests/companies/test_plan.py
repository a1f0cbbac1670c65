from collections import Counter
from datetime import date

import pytest

from companies.models import BusinessType, CompanyLicence, LicenceStatus
from companies.services import company_update, licence_plan_sync, licence_transition, trip_record
from tests.companies.licence_world import freight_company

pytestmark = pytest.mark.django_db


def _plan(company) -> Counter:
    return Counter(
        licence.licence_type.code
        for licence in CompanyLicence.objects.filter(company=company).exclude(
            status=LicenceStatus.NOT_REQUIRED
        )
    )


def test_freight_company_needs_its_licence_a_certificate_per_heavy_vehicle_and_driver_qualifications(world):
    company = freight_company(world.manager, 101, heavy=2, light=1, drivers=2)
    assert _plan(company) == Counter(
        {"road_freight_licence": 1, "vehicle_certificate": 2, "driver_qualification": 2}
    )


def test_light_ordinary_freight_is_exempt(world):
    company = freight_company(world.manager, 102, heavy=0, light=2, drivers=1)
    assert _plan(company) == Counter()


def test_dangerous_goods_vehicles_are_never_exempt(world):
    company = freight_company(world.manager, 103, types=("dangerous_goods",), heavy=0, light=1, drivers=1)
    assert _plan(company) == Counter(
        {"dangerous_goods_licence": 1, "vehicle_certificate": 1, "driver_qualification": 1}
    )


def test_plan_is_idempotent(world):
    company = freight_company(world.manager, 104)
    before = list(CompanyLicence.objects.filter(company=company).values_list("pk", "status"))
    result = licence_plan_sync(company=company)
    assert (result.created, result.reactivated, result.removed, result.marked_not_required) == (0, 0, 0, 0)
    assert list(CompanyLicence.objects.filter(company=company).values_list("pk", "status")) == before


def test_obtain_by_counts_from_the_service_start(world):
    company = freight_company(world.manager, 105, heavy=0, drivers=0)
    CompanyLicence.objects.filter(company=company).delete()
    from datetime import date

    licence_plan_sync(company=company, start=date(2026, 11, 2))
    licence = CompanyLicence.objects.get(company=company, licence_type__code="road_freight_licence")
    assert licence.obtain_by == date(2027, 1, 1)  # 60 days, from the catalogue


def test_a_licence_with_progress_is_kept_as_not_required_and_one_without_is_removed(world):
    company = freight_company(world.manager, 106, heavy=1, drivers=1)
    company_licence = CompanyLicence.objects.get(company=company, licence_type__code="road_freight_licence")
    trip_record(
        actor=world.manager, licence=company_licence, on=company_licence.company.registered_on, purpose="咨询"
    )
    licence_transition(actor=world.manager, licence=company_licence, to=LicenceStatus.IN_PREPARATION)
    company_update(
        actor=world.manager, company=company, business_types=list(BusinessType.objects.filter(code="repair"))
    )
    company_licence.refresh_from_db()
    assert company_licence.status == LicenceStatus.NOT_REQUIRED
    assert not CompanyLicence.objects.filter(
        company=company, licence_type__code="vehicle_certificate"
    ).exists()
    assert _plan(company) == Counter({"repair_filing": 1})
    # Back to freight: the kept licence is required again, not duplicated.
    company_update(
        actor=world.manager,
        company=company,
        business_types=list(BusinessType.objects.filter(code="road_freight")),
    )
    company_licence.refresh_from_db()
    assert company_licence.status == LicenceStatus.IN_PREPARATION  # back where it was
    assert not company_licence.set_aside_by_plan
    assert (
        CompanyLicence.objects.filter(company=company, licence_type__code="road_freight_licence").count() == 1
    )


def test_a_licence_the_butler_marked_not_required_stays_so(world):
    from companies.services import person_add

    company = freight_company(world.manager, 107, heavy=1, drivers=0)
    licence = CompanyLicence.objects.get(company=company, licence_type__code="road_freight_licence")
    licence_transition(actor=world.butler_a.user, licence=licence, to=LicenceStatus.NOT_REQUIRED)
    person_add(actor=world.manager, company=company, name="新司机", role="driver")
    licence.refresh_from_db()
    assert licence.status == LicenceStatus.NOT_REQUIRED


def test_a_need_that_arises_later_counts_from_that_day(world):
    from companies.services import vehicle_add

    company = freight_company(world.manager, 108, heavy=0, drivers=0)
    vehicle = vehicle_add(
        actor=world.manager, company=company, plate="浙B99881", vehicle_type="truck", total_mass_kg=18000
    )
    licence = CompanyLicence.objects.get(vehicle=vehicle)
    assert licence.obtain_by == date(2026, 12, 2)  # added on the world's day, 2026-11-02, + 30 days


def test_light_buses_are_not_exempt(world):
    from companies.services import vehicle_add

    company = freight_company(world.manager, 109, types=("passenger",), heavy=0, drivers=0)
    vehicle_add(
        actor=world.manager, company=company, plate="浙B77661", vehicle_type="bus", total_mass_kg=3500
    )
    assert (
        CompanyLicence.objects.filter(company=company, licence_type__code="vehicle_certificate").count() == 1
    )
