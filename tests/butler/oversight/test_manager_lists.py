"""The manager's lists at scale: the licence list by status, due month, business type and butler; keyset
pages that show every row once and never count; company search by name and by credit code prefix."""

from datetime import date, datetime, timedelta
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from companies.models import BusinessType, CompanyLicence, LicenceType, Person, Vehicle, Vessel
from reminders.models import Reminder
from tests.factories import ButlerFactory, CompanyFactory, ServicePeriodFactory, credit_code
from tests.queries import assert_fixed_queries

MARCH = "2030-03"


def _licence(company, licence_type, n, *, status, vehicle=None, **dates) -> CompanyLicence:
    return CompanyLicence.objects.create(
        company=company,
        licence_type=licence_type,
        vehicle=vehicle,
        subject_key=f"test:{n}",
        status=status,
        **dates,
    )


@pytest.fixture
def fleet(world):
    """Three companies and their licences, dated around March 2030 (far from anything the world plans).

    X: road freight, served by butler A. Y: dangerous goods, served by butler B. Z: road freight, no butler.
    """
    road = BusinessType.objects.get(code="road_freight")
    dangerous = BusinessType.objects.get(code="dangerous_goods")
    permit, certificate = LicenceType.objects.all()[:2]
    x = CompanyFactory(name="宁波顺达物流有限公司", credit_code=credit_code(1, region="330212"))
    y = CompanyFactory(name="宁波安捷危货运输有限公司", credit_code=credit_code(2, region="330212"))
    z = CompanyFactory(name="宁波远航运输有限公司", credit_code=credit_code(3, region="330211"))
    x.business_types.set([road])
    y.business_types.set([dangerous])
    z.business_types.set([road])
    ServicePeriodFactory(company=x, butler=world.butler_a)
    ServicePeriodFactory(company=y, butler=world.butler_b)
    truck = Vehicle.objects.create(company=x, plate="浙B7H123", vehicle_type="truck", total_mass_kg=18000)
    return {
        "x": x,
        "y": y,
        "z": z,
        "road": road,
        "dangerous": dangerous,
        "x_obtain": _licence(x, permit, 1, status="required", obtain_by=date(2030, 3, 5)),
        "x_renew": _licence(
            x,
            certificate,
            2,
            status="issued",
            vehicle=truck,
            renew_by=date(2030, 3, 10),
            expires_on=date(2030, 4, 9),
        ),
        "y_renew": _licence(
            y, certificate, 3, status="renewal_due", renew_by=date(2030, 3, 20), expires_on=date(2030, 4, 19)
        ),
        "z_obtain": _licence(z, permit, 4, status="required", obtain_by=date(2030, 3, 31)),
        "z_expires": _licence(
            z, certificate, 5, status="issued", renew_by=date(2030, 2, 13), expires_on=date(2030, 3, 15)
        ),
        "y_april": _licence(y, permit, 6, status="required", obtain_by=date(2030, 4, 1)),
        "x_february": _licence(x, certificate, 7, status="required", obtain_by=date(2030, 2, 28)),
    }


def _listed(client, **params) -> list[int]:
    response = client.get(reverse("oversight:licences"), {"month": MARCH, **params})
    assert response.status_code == 200
    return [licence.pk for licence in response.context["page"]]


def _pks(fleet, *names) -> list[int]:
    return [fleet[name].pk for name in names]


def test_licence_list_shows_the_licences_whose_chosen_date_falls_in_the_month(client, world, fleet):
    client.force_login(world.manager)
    assert _listed(client, date="obtain_by") == _pks(fleet, "x_obtain", "z_obtain")
    assert _listed(client, date="renew_by") == _pks(fleet, "x_renew", "y_renew")
    assert _listed(client, date="expires_on") == _pks(fleet, "z_expires")
    assert _listed(client, date="expires_on", month="2030-04") == _pks(fleet, "x_renew", "y_renew")
    page = client.get(reverse("oversight:licences"), {"month": MARCH, "date": "renew_by"}).content.decode()
    assert "宁波顺达物流有限公司" in page and "浙B7H123" in page and "2030-03-10" in page


def test_licence_list_filters_by_status_business_type_and_butler(client, world, fleet):
    client.force_login(world.manager)
    assert _listed(client, date="renew_by", status="renewal_due") == _pks(fleet, "y_renew")
    assert _listed(client, date="renew_by", status="issued") == _pks(fleet, "x_renew")
    assert _listed(client, date="obtain_by", status="issued") == []
    assert _listed(client, date="obtain_by", business_type=fleet["road"].pk) == _pks(
        fleet, "x_obtain", "z_obtain"
    )
    assert _listed(client, date="renew_by", business_type=fleet["dangerous"].pk) == _pks(fleet, "y_renew")
    assert _listed(client, date="obtain_by", butler=world.butler_a.pk) == _pks(fleet, "x_obtain")
    assert _listed(client, date="renew_by", butler=world.butler_b.pk) == _pks(fleet, "y_renew")
    assert _listed(client, date="obtain_by", butler=world.butler_b.pk, status="required") == []


def test_licence_list_opens_on_this_month_and_keeps_a_wrong_month_on_screen(client, world, fleet):
    client.force_login(world.manager)
    response = client.get(reverse("oversight:licences"))
    assert response.context["month"] == date(2026, 11, 1)  # the frozen clock's month
    response = client.get(reverse("oversight:licences"), {"month": "2030-13", "date": "obtain_by"})
    assert response.status_code == 200
    assert "month" in response.context["form"].errors
    assert 'value="2030-13"' in response.content.decode()


def _follow(client, url, params) -> tuple[list[int], int]:
    """Every row of a keyset list, page after page by its "more" link; and the number of pages."""
    seen, pages, query = [], 0, dict(params)
    while True:
        response = client.get(url, query)
        assert response.status_code == 200
        page = response.context["page"]
        pages += 1
        seen += [row.pk for row in page]
        if not page.next:
            return seen, pages
        assert len(page) == 50
        assert f"after={quote(page.next, safe='')}" in response.content.decode()  # the "more" link
        query = {**params, "after": page.next}


def test_licence_pages_show_every_licence_exactly_once_even_on_shared_dates(client, world, fleet):
    permit = LicenceType.objects.first()
    expected = [
        _licence(fleet["z"], permit, 100 + n, status="required", obtain_by=date(2030, 5, 1 + n % 3)).pk
        for n in range(120)
    ]
    expected.sort(key=lambda pk: (CompanyLicence.objects.get(pk=pk).obtain_by, pk))
    client.force_login(world.manager)
    seen, pages = _follow(client, reverse("oversight:licences"), {"month": "2030-05", "date": "obtain_by"})
    assert seen == expected
    assert pages == 3


def test_company_pages_show_every_company_exactly_once(client, world):
    for n in range(110):
        CompanyFactory(registered_on=date(2026, 3, 1 + n % 2))
    client.force_login(world.manager)
    seen, pages = _follow(client, reverse("oversight:companies"), {})
    assert len(seen) == len(set(seen)) == 112  # and the two companies of the world
    assert pages == 3


def test_delivery_pages_show_every_reminder_exactly_once(client, world):
    at = datetime(2026, 10, 20, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    Reminder.objects.bulk_create(
        Reminder(
            subject=f"test:{n}",
            kind="renew_by",
            due_on=date(2026, 11, 1),
            offset_days=1,
            channel="sms",
            recipient=world.butler_a.user,
            scheduled_at=at + timedelta(hours=n % 3),
            status="failed" if n % 2 else "sending",
        )
        for n in range(130)
    )
    client.force_login(world.manager)
    url = reverse("oversight:deliveries")
    failed, _pages = _follow(client, url, {"status": "failed"})
    assert sorted(failed) == sorted(Reminder.objects.filter(status="failed").values_list("pk", flat=True))
    assert len(failed) == len(set(failed)) == 65
    waiting, pages = _follow(client, url, {"status": "pending"})  # pending and sending, merged in order
    assert len(waiting) == len(set(waiting)) == 65
    assert pages == 2


LICENCE_LIST_QUERIES = 9  # measured 9 on SQLite and PostgreSQL, every list filled


def test_licence_list_queries_do_not_grow_with_the_licences(client, world, fleet):
    """Road freight companies ``first``..``stop - 1``, each served by a butler of its own, with a licence for
    the company, one for a vehicle, one for a driver and one for a vessel, all to be obtained in June 2030."""
    permit = LicenceType.objects.first()

    def fill(first, stop):
        for n in range(first, stop):
            company = CompanyFactory(credit_code=credit_code(2000 + n, region="330212"))
            company.business_types.set([fleet["road"]])
            ServicePeriodFactory(company=company, butler=ButlerFactory(display_name=f"管家{n}"))
            vehicle = Vehicle.objects.create(
                company=company, plate=f"浙B{n:05d}", vehicle_type="truck", total_mass_kg=18000
            )
            person = Person.objects.create(company=company, name=f"司机{n}", role="driver")
            vessel = Vessel.objects.create(
                company=company, name=f"甬运{n}", registration_number=f"CN-{n:06d}"
            )
            for k, subject in enumerate([{}, {"vehicle": vehicle}, {"person": person}, {"vessel": vessel}]):
                _licence(
                    company,
                    permit,
                    4 * (1000 + n) + k,
                    status="required",
                    obtain_by=date(2030, 6, 1),
                    **subject,
                )

    def check(response, size):
        page = response.context["page"]
        assert len(page) == min(4 * size, 50)
        subjects = {(bool(x.vehicle_id), bool(x.person_id), bool(x.vessel_id)) for x in page}
        assert subjects == {
            (False, False, False),
            (True, False, False),
            (False, True, False),
            (False, False, True),
        }

    client.force_login(world.manager)
    assert_fixed_queries(
        client,
        reverse("oversight:licences"),
        data={"month": "2030-06", "date": "obtain_by", "business_type": fleet["road"].pk},
        fill=fill,
        check=check,
        at_most=LICENCE_LIST_QUERIES,
    )


@pytest.mark.parametrize(
    ("who", "status"),
    [("manager", 200), ("butler", 403), ("company", 403), ("outsider", 403), ("anonymous", 302)],
)
def test_only_a_manager_opens_the_licence_list(client, world, who, status):
    user = {
        "manager": world.manager,
        "butler": world.butler_a.user,
        "company": world.contact_a,
        "outsider": world.outsider,
        "anonymous": None,
    }[who]
    if user is not None:
        client.force_login(user)
    response = client.get(reverse("oversight:licences"))
    assert response.status_code == status
    if who == "anonymous":
        assert reverse("login") in response["Location"]


def test_company_search_finds_a_name_by_any_part_and_a_code_by_its_start(client, world, fleet):
    client.force_login(world.manager)

    def found(q):
        return {c.pk for c in client.get(reverse("oversight:companies"), {"q": q}).context["page"]}

    assert found("顺达物流") == {fleet["x"].pk}
    assert found("危货") == {fleet["y"].pk}
    assert found(fleet["z"].credit_code) == {fleet["z"].pk}
    assert found("91330212") == {fleet["x"].pk, fleet["y"].pk}
    assert found("9133 0212") == {fleet["x"].pk, fleet["y"].pk}  # typed in groups
    assert found(fleet["x"].credit_code[2:]) == set()  # the middle of a code is not its start


def test_period_search_finds_companies_by_name_and_code_prefix(client, world, fleet):
    client.force_login(world.manager)

    def found(q):
        return {p.company_id for p in client.get(reverse("oversight:periods"), {"q": q}).context["page"]}

    assert found("顺达物流") == {fleet["x"].pk}
    assert found("91330212") == {fleet["x"].pk, fleet["y"].pk}


def test_the_delivery_page_opens_on_what_there_is_to_see(client, world):
    """Nothing failed this month: the page opens on the late ones, not on an empty "failed" tab; once one
    fails, on the failed."""
    at = datetime(2026, 10, 20, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))

    def reminder(n: int, **fields):
        return Reminder.objects.create(
            subject=f"licence:{n}",
            kind="renewal",
            due_on=date(2026, 11, 20),
            offset_days=n,
            channel="sms",
            recipient=world.butler_a.user,
            scheduled_at=at,
            **fields,
        )

    reminder(1, status="sent", late=True)
    reminder(2, status="sent")
    client.force_login(world.manager)
    url = reverse("oversight:deliveries")
    assert client.get(url).context["status"] == "late"
    assert client.get(url, {"status": "failed"}).context["status"] == "failed"  # a tab chosen stays chosen
    reminder(3, status="failed")
    assert client.get(url).context["status"] == "failed"
