"""Filing several licences as one matter, for the company or by the butler for it (帮办代办); issuing a
freight licence with its business scope; a trip permit by its route; the later check of a commitment.

The clock reads 2026-11-02 09:30 Beijing (a Monday).
"""

from datetime import date

import pytest
from django.urls import reverse

from butler.firstvisit.services import first_visit_accept
from companies.models import Application, BusinessScope, CompanyLicence, LicenceStatus, LicenceType, Trip
from companies.services import licence_transition
from tests.companies.licence_world import freight_company
from tests.conftest import build_world, built_once_per_module

S = LicenceStatus


def _build():
    world = build_world()
    world.fleet = freight_company(world.butler_a.user, 401, heavy=3, drivers=0)
    first_visit_accept(actor=world.butler_a.user, company_id=world.fleet.pk)  # in butler A's portfolio
    return world


shared_world = built_once_per_module(_build)


@pytest.fixture
def world(shared_world, db, frozen_clock):
    return shared_world


def _certificates(world):
    return list(CompanyLicence.objects.filter(company=world.fleet, licence_type__code="vehicle_certificate"))


def test_the_butler_files_a_fleet_as_one_matter_with_one_visit(client, world):
    certificates = _certificates(world)
    client.force_login(world.butler_a.user)
    url = reverse("licences:file", args=[world.fleet.pk])
    page = client.get(url, {"licence": [certificates[0].pk]}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert page.count('name="licences"') == 4  # the company licence and three vehicle certificates
    assert "浙B10000 · Required · first application" in page
    response = client.post(
        url,
        {
            "licences": [licence.pk for licence in certificates],
            "on": "2026-11-02",
            "channel": "window",
            "result_by": "in_person",
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 302
    application = Application.objects.get(company=world.fleet)
    assert sorted(application.licences.values_list("status", flat=True)) == [S.APPLIED] * 3
    assert list(Trip.objects.filter(application=application).values_list("event", flat=True)) == ["accepted"]
    follow = client.get(response.url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "One matter filed: 3 licences accepted." in follow


def test_a_proxy_filing_without_its_authorisation_is_refused_and_keeps_what_was_typed(client, world):
    certificates = _certificates(world)
    client.force_login(world.butler_a.user)
    url = reverse("licences:file", args=[world.fleet.pk])
    data = {
        "licences": [certificates[1].pk],
        "on": "2026-11-02",
        "channel": "window",
        "result_by": "post",
        "by_proxy": "on",
        "note": "企业委托窗口代办年审",
    }
    response = client.post(url, data, HTTP_ACCEPT_LANGUAGE="en")
    page = response.content.decode()
    assert response.status_code == 200
    assert "Note the letter of authorisation the company signed." in page and "企业委托窗口代办年审" in page
    assert not Application.objects.filter(company=world.fleet).exists()
    response = client.post(url, {**data, "authorisation": "授权委托书 2026-11-02"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 302
    application = Application.objects.get(company=world.fleet)
    assert (application.by_proxy, application.authorisation, application.result_by) == (
        True,
        "授权委托书 2026-11-02",
        "post",
    )
    assert not Trip.objects.filter(application=application).exists()  # the company never came


def test_filing_nothing_is_refused_in_chinese(client, world):
    client.force_login(world.butler_a.user)
    response = client.post(
        reverse("licences:file", args=[world.fleet.pk]),
        {"on": "2026-11-02", "channel": "window", "result_by": "in_person"},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.status_code == 200 and "请勾选一并申请的证照。" in response.content.decode()


def test_issuing_a_freight_licence_first_time_asks_for_its_business_scope(client, world):
    licence = CompanyLicence.objects.get(company=world.fleet, licence_type__code="road_freight_licence")
    licence_transition(actor=world.butler_a.user, licence=licence, to=S.APPLIED, on=date(2026, 10, 26))
    client.force_login(world.butler_a.user)
    url = reverse("licences:step", args=[licence.pk])
    data = {"to": S.ISSUED, "on": "2026-11-02", "certificate_number": "浙交运管许可甬字330206000401号"}
    response = client.post(url, data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200 and "This field is required." in response.content.decode()
    scopes = BusinessScope.objects.filter(code__in=["general", "oversize"])
    response = client.post(
        url, {**data, "business_scopes": [s.pk for s in scopes]}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 302
    page = client.get(reverse("licences:detail", args=[licence.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "普通货运" in page.content.decode() and "大件" in page.content.decode()


def test_an_oversize_permit_by_its_route_shows_who_issues_it(client, world):
    licence = CompanyLicence.objects.get(company=world.fleet, licence_type__code="road_freight_licence")
    CompanyLicence.objects.filter(pk=licence.pk).update(status=S.ISSUED, issued_on=date(2026, 10, 1))
    licence.business_scopes.set(BusinessScope.objects.filter(code="oversize"))
    client.force_login(world.butler_a.user)
    class3 = LicenceType.objects.get(code="oversize_permit")
    response = client.post(
        reverse("licences:trip_permit", args=[world.fleet.pk]),
        {"licence_type": class3.pk, "route_span": "province", "note": "宁波—温州 风电叶片"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    permit = CompanyLicence.objects.get(company=world.fleet, licence_type=class3)
    assert response.url == reverse("licences:detail", args=[permit.pk])
    page = client.get(response.url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Provincial authority" in page and "Across cities of the province" in page


def test_a_commitment_is_checked_from_the_licence_page(client, world):
    licence = CompanyLicence.objects.get(company=world.fleet, licence_type__code="road_freight_licence")
    CompanyLicence.objects.filter(pk=licence.pk).update(
        status=S.ISSUED,
        issued_on=date(2026, 10, 1),
        decided_on=date(2026, 10, 1),
        commitment="承诺书 甬运承〔2026〕9号",
        verify_by=date(2026, 11, 30),
    )
    client.force_login(world.butler_a.user)
    detail = client.get(reverse("licences:detail", args=[licence.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert "to be checked by 2026-11-30" in detail.content.decode()
    response = client.post(
        reverse("licences:verify", args=[licence.pk]),
        {"on": "2026-11-02", "kept": "1", "note": "现场核查车辆、场地与承诺一致"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 302
    licence.refresh_from_db()
    assert (licence.status, licence.verified_on) == (S.ISSUED, date(2026, 11, 2))
    page = client.get(response.url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "checked on 2026-11-02: 现场核查车辆、场地与承诺一致" in page
    # Nothing left to check: the form is gone and a second check is refused.
    assert reverse("licences:verify", args=[licence.pk]) not in page
    again = client.post(reverse("licences:verify", args=[licence.pk]), {"on": "2026-11-02", "kept": "1"})
    assert again.status_code == 404
