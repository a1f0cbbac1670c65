from datetime import date

import pytest
from django.urls import reverse

from companies.models import BusinessScope, CompanyLicence, LicenceStatus, Trip
from companies.services import licence_transition
from tests.companies.licence_world import freight_company
from tests.factories import ContactFactory
from tests.queries import assert_fixed_queries

S = LicenceStatus


@pytest.fixture
def licence(world):
    """Company A's road freight licence, applied for."""
    licence = CompanyLicence.objects.get(company=world.company_a, licence_type__code="road_freight_licence")
    return licence_transition(actor=world.butler_a.user, licence=licence, to=S.APPLIED, on=date(2026, 11, 2))


def test_checklist_groups_licences_and_shows_deadlines(client, world, licence):
    client.force_login(world.butler_a.user)
    response = client.get(reverse("licences:checklist", args=[world.company_a.pk]), HTTP_ACCEPT_LANGUAGE="en")
    body = response.content.decode()
    assert "Road transport business licence (ordinary freight)" in body
    assert licence.committed_due_on.isoformat() in body and licence.statutory_due_on.isoformat() in body
    assert [group.scope for group in response.context["groups"]] == ["company"]


def test_incomplete_materials_get_one_complete_notice_with_reasons_a_date_and_signature_lines(client, world):
    licence = CompanyLicence.objects.get(company=world.company_a, licence_type__code="road_freight_licence")
    materials = list(licence.licence_type.materials.order_by("position")[:2])
    client.force_login(world.butler_a.user)
    response = client.post(
        reverse("licences:step", args=[licence.pk]),
        {
            "to": S.MATERIALS_MISSING,
            "submitted_on": "2026-10-30",
            "on": "2026-11-02",
            "channel": "window",
            "materials": [m.pk for m in materials],
            f"reason_{materials[0].pk}": "行驶证复印件不清晰",
            "supply_by": "2026-11-09",
        },
    )
    assert response.status_code == 302
    licence.refresh_from_db()
    assert licence.status == S.MATERIALS_MISSING and licence.accepted_on is None
    notice = client.get(reverse("licences:notice", args=[licence.pk])).content.decode()
    assert all(material.name_zh in notice for material in materials)
    for text in (
        "行驶证复印件不清晰",
        "请于 2026-11-09 前补正",
        "2026-10-30",
        "暂不予受理",
        "告知人：",
        "申请人签收：",
    ):
        assert text in notice
    assert "告知人： 王丽娜" in notice  # the butler who gave it
    # The company reads it on the portal, whichever contact signs in, whenever.
    client.force_login(world.contact_a)
    portal = client.get(reverse("portal:licences")).content.decode()
    assert all(material.name_zh in portal for material in materials)
    assert 'class="alert alert-warning notice"' in portal  # an unread notice
    assert "请于 2026-11-09 前补正以下材料" in portal
    own = client.get(reverse("portal:notice", args=[licence.pk])).content.decode()
    assert "行驶证复印件不清晰" in own and "告知人：" in own
    client.force_login(world.contact_b)
    assert materials[0].name_zh not in client.get(reverse("portal:licences")).content.decode()
    assert client.get(reverse("portal:notice", args=[licence.pk])).status_code == 404


def test_a_refusal_without_reasons_keeps_the_form_and_with_them_reaches_the_company(client, world, licence):
    client.force_login(world.butler_a.user)
    step = reverse("licences:step", args=[licence.pk])
    response = client.post(step, {"to": S.REFUSED, "on": "2026-11-02", "note": "经科室会审"})
    assert response.status_code == 200
    assert "请填写不予许可的理由。" in response.content.decode() and "经科室会审" in response.content.decode()
    response = client.post(
        step, {"to": S.REFUSED, "on": "2026-11-02", "refusal_reasons": "停车场地面积不足。"}
    )
    assert response.status_code == 302
    client.force_login(world.contact_a)
    portal = client.get(reverse("portal:licences")).content.decode()
    assert "不予许可，理由如下：" in portal and "停车场地面积不足。" in portal


def test_a_refused_step_keeps_what_was_typed(client, world, licence):
    client.force_login(world.butler_a.user)
    response = client.post(
        reverse("licences:step", args=[licence.pk]),
        {
            "to": S.ISSUED,
            "on": "2026-11-02",
            "certificate_number": "",
            "business_scopes": [BusinessScope.objects.get(code="general").pk],
            "note": "窗口领证",
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "Enter the certificate number." in body and "窗口领证" in body
    licence.refresh_from_db()
    assert licence.status == S.APPLIED


def test_a_step_the_life_cycle_does_not_allow_is_refused(client, world, licence):
    client.force_login(world.butler_a.user)
    response = client.post(reverse("licences:step", args=[licence.pk]), {"to": S.EXPIRED, "on": "2026-11-03"})
    assert response.status_code == 200
    licence.refresh_from_db()
    assert licence.status == S.APPLIED


def test_trips_come_from_the_window_and_a_visit_can_be_taken_back(client, world):
    licence = CompanyLicence.objects.get(company=world.company_a, licence_type__code="road_freight_licence")
    client.force_login(world.butler_a.user)
    client.post(
        reverse("licences:step", args=[licence.pk]),
        {"to": S.APPLIED, "on": "2026-11-02", "channel": "window"},
    )
    trip = Trip.objects.get(licence=licence)
    assert (trip.event, trip.date) == ("accepted", date(2026, 11, 2))
    page = client.get(reverse("licences:checklist", args=[world.company_a.pk]))
    assert page.context["measures"].trips_per_matter == 1.0
    response = client.post(reverse("licences:trip_delete", args=[licence.pk, trip.pk]))
    assert response.status_code == 302 and not Trip.objects.filter(licence=licence).exists()
    page = client.get(reverse("licences:checklist", args=[world.company_a.pk]))
    assert page.context["measures"].zero_trip_share == 1.0


def test_adding_a_vehicle_extends_the_plan(client, world):
    client.force_login(world.butler_a.user)
    response = client.post(
        reverse("licences:subject_add", args=[world.company_a.pk, "vehicle"]),
        {"plate": "浙b 12345", "vehicle_type": "truck", "total_mass_kg": "18000"},
    )
    assert response.status_code == 302
    assert CompanyLicence.objects.filter(
        company=world.company_a, licence_type__code="vehicle_certificate", vehicle__plate="浙B12345"
    ).exists()
    bad = client.post(
        reverse("licences:subject_add", args=[world.company_a.pk, "vehicle"]),
        {"plate": "浙BO1234", "vehicle_type": "truck", "total_mass_kg": "18000"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert bad.status_code == 200 and "浙BO1234" in bad.content.decode()


def test_portfolio_puts_the_company_at_risk_first(client, world):
    CompanyLicence.objects.filter(company=world.company_b).update(obtain_by=date(2026, 10, 1))
    client.force_login(world.butler_b.user)
    from butler.firstvisit.services import first_visit_accept
    from tests.conftest import register

    safe = register(world.butler_b.user, 40)
    first_visit_accept(actor=world.butler_b.user, company_id=safe.pk)
    response = client.get(reverse("portfolio:list"))
    periods = response.context["periods"]
    assert periods[0].company == world.company_b and periods[0].risk_level == 3


def every_kind_of_licence(world, first: int, stop: int):
    """Rows ``first``..``stop - 1`` in each group of company A's checklist: a vehicle's certificate waiting
    for a missing material, a driver's qualification applied for, a ship's certificate issued and a per-trip
    permit with a trip; and an unread notice to its contact (the portal shows five)."""
    from companies.models import LicenceType, Person, Trip, Vehicle, Vessel
    from reminders.notices import notice_send

    company = world.company_a
    types = {t.code: t for t in LicenceType.objects.all()}
    material = types["vehicle_certificate"].materials.first()
    for n in range(first, stop):
        vehicle = Vehicle.objects.create(
            company=company, plate=f"浙B{n:05d}", vehicle_type="truck", total_mass_kg=18000
        )
        person = Person.objects.create(company=company, name=f"司机{n}", role="driver")
        vessel = Vessel.objects.create(company=company, name=f"甬运{n}", registration_number=f"CN-{n:06d}")
        licence = CompanyLicence.objects.create(
            company=company,
            licence_type=types["vehicle_certificate"],
            vehicle=vehicle,
            subject_key=f"vehicle:{vehicle.pk}",
            status=LicenceStatus.MATERIALS_MISSING,
            obtain_by=date(2026, 11, 20),
        )
        licence.missing_materials.set([material])
        CompanyLicence.objects.create(
            company=company,
            licence_type=types["driver_qualification"],
            person=person,
            subject_key=f"person:{person.pk}",
            status=LicenceStatus.APPLIED,
            accepted_on=date(2026, 10, 28),
            committed_due_on=date(2026, 11, 4),
            statutory_due_on=date(2026, 11, 18),
        )
        CompanyLicence.objects.create(
            company=company,
            licence_type=types["ship_certificate"],
            vessel=vessel,
            subject_key=f"vessel:{vessel.pk}",
            status=LicenceStatus.ISSUED,
            issued_on=date(2025, 12, 1),
            expires_on=date(2026, 11, 30),
            renew_by=date(2026, 11, 15),
        )
        permit = CompanyLicence.objects.create(
            company=company,
            licence_type=types["oversize_permit"],
            subject_key=f"trip:{n}",
            status=LicenceStatus.REQUIRED,
            obtain_by=date(2026, 11, 6),
            notes=f"大件运输{n}",
        )
        Trip.objects.create(licence=permit, date=date(2026, 10, 30), purpose="递交材料")
        notice_send(recipients=[world.contact_a], title=f"提醒{n}")


def _groups(response) -> dict[str, int]:
    return {group.scope: len(group.licences) for group in response.context["groups"]}


CHECKLIST_QUERIES = 14  # measured 14 on SQLite and PostgreSQL, every group filled


def test_checklist_queries_do_not_grow_with_vehicles(client, world):
    def check(response, size):
        groups = _groups(response)
        assert groups.pop("company") >= 1 and groups == dict.fromkeys(
            ["vehicle", "person", "vessel", "trip"], size
        )
        page = response.content.decode()
        assert page.count("material missing") + page.count("materials missing") == size

    client.force_login(world.butler_a.user)
    assert_fixed_queries(
        client,
        reverse("licences:checklist", args=[world.company_a.pk]),
        fill=lambda first, stop: every_kind_of_licence(world, first, stop),
        check=check,
        at_most=CHECKLIST_QUERIES,
        HTTP_ACCEPT_LANGUAGE="en",
    )


def test_a_company_never_sees_another_companys_licences(client, world):
    other = freight_company(world.manager, 60)
    ContactFactory(company=other, mobile="13700000060", is_primary=False)
    client.force_login(world.contact_a)
    body = client.get(reverse("portal:licences")).content.decode()
    assert other.name not in body
    assert client.get(reverse("licences:checklist", args=[other.pk])).status_code == 403


PORTAL_CHECKLIST_QUERIES = 11  # measured 9 on SQLite and PostgreSQL, every list filled


def test_portal_checklist_queries_do_not_grow(client, world):
    def check(response, size):
        # Every licence once: those that need attention first, the rest folded by scope.
        groups = _groups(response)
        for licence in response.context["attention"]:
            scope = licence.licence_type.scope
            groups[scope] = groups.get(scope, 0) + 1
        assert groups.pop("company") >= 1 and groups == dict.fromkeys(
            ["vehicle", "person", "vessel", "trip"], size
        )
        assert len(response.context["notices"]) == min(size, 5)

    client.force_login(world.contact_a)
    assert_fixed_queries(
        client,
        reverse("portal:licences"),
        fill=lambda first, stop: every_kind_of_licence(world, first, stop),
        check=check,
        at_most=PORTAL_CHECKLIST_QUERIES,
    )
