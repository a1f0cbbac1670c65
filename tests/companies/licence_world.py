"""Helpers to build companies with vehicles, people and licences through the services."""

from companies.models import BusinessType
from companies.services import company_update, person_add, vehicle_add
from tests.conftest import register


def freight_company(actor, n: int, *, types=("road_freight",), heavy=2, light=0, drivers=2):
    company = register(actor, n)
    company_update(
        actor=actor, company=company, business_types=list(BusinessType.objects.filter(code__in=types))
    )
    for i in range(heavy):
        vehicle_add(
            actor=actor,
            company=company,
            plate=f"浙B{n % 10}{i:04d}",
            vehicle_type="truck",
            total_mass_kg=18000,
        )
    for i in range(light):
        vehicle_add(
            actor=actor, company=company, plate=f"浙BL{n % 10}{i:03d}", vehicle_type="van", total_mass_kg=3500
        )
    for i in range(drivers):
        person_add(actor=actor, company=company, name=f"司机{i}", role="driver")
    return company
