"""Pages keep a fixed number of queries whatever the data size."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from butler.models import ServicePeriod
from companies.models import BusinessType, CompanyLicence
from companies.phones import tel_uri
from companies.selectors import Risk
from tests.factories import CompanyFactory, ContactFactory, ServicePeriodFactory, credit_code


def _portfolio(butler, size: int, *, first: int = 0):
    types = list(BusinessType.objects.all()[:2])
    for n in range(first, first + size):
        company = CompanyFactory(credit_code=credit_code(50_000 + n))
        company.business_types.set(types)
        ContactFactory(company=company, mobile=f"137{n:08d}")
        ServicePeriodFactory(company=company, butler=butler, start_date=date(2026, 11, 1))


PAGE_BUDGET = 15  # queries per page, whatever the size of the data


def _queries(client, url: str, **params) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(queries), response


def test_portfolio_queries_do_not_grow_with_the_portfolio(client, world):
    client.force_login(world.butler_a.user)
    _portfolio(world.butler_a, 5)
    small, _response = _queries(client, reverse("portfolio:list"))
    _portfolio(world.butler_a, 200, first=5)
    large, response = _queries(client, reverse("portfolio:list"))
    assert len(response.context["rows"]) == 206
    assert large == small <= PAGE_BUDGET


def test_portfolio_rows_show_what_the_butler_needs(client, world):
    """Each row is computed once in Python: the same links, contact, dates, days left and risk as before."""
    CompanyLicence.objects.filter(company=world.company_b).update(obtain_by=date(2026, 10, 1))
    client.force_login(world.butler_b.user)
    response = client.get(reverse("portfolio:list"))
    body = response.content.decode()
    company, period = world.company_b, world.period_b
    contact = company.contacts.get(is_primary=True)
    for url in (
        reverse("companies:detail", args=[company.pk]),
        reverse("log:quick", args=[company.pk]),
        reverse("periods:card", args=[period.pk]),
        reverse("licences:checklist", args=[company.pk]),
    ):
        assert f'"{url}"' in body
    assert f"{period.start_date:%Y-%m-%d} – {period.end_date:%Y-%m-%d}" in body
    assert contact.name in body and f'href="{tel_uri(contact.mobile)}"' in body
    assert f'<span class="fw-semibold">{period.days_left()}</span>' in body
    row = next(row for row in response.context["rows"] if row.period == period)
    assert '<span class="badge text-bg-danger"><i class="bi bi-exclamation-octagon"></i>' in row.risk
    assert row.risk in body and row.overdue and row.overdue in body


def test_past_periods_list_is_bounded(client, world, django_assert_max_num_queries):
    _portfolio(world.butler_a, 60)
    ServicePeriod.objects.filter(butler=world.butler_a).update(status="completed", ended_on=date(2027, 4, 30))
    client.force_login(world.butler_a.user)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("portfolio:list"), {"show": "past"})
    assert len(response.context["past_periods"]) == 50


def _change_company(world, changes: int, *, first: int = 0):
    from companies.services import company_update, contact_add

    for n in range(first, first + changes):
        company_update(actor=world.butler_a.user, company=world.company_a, address=f"宁波市北仑区明州路{n}号")
        contact_add(
            actor=world.butler_a.user, company=world.company_a, name=f"联系人{n}", mobile=f"136{n:08d}"
        )


def test_company_page_queries_do_not_grow_with_its_history(client, world):
    url = reverse("companies:detail", args=[world.company_a.pk])
    client.force_login(world.butler_a.user)
    _change_company(world, 1)
    small, _response = _queries(client, url)
    _change_company(world, 59, first=1)
    large, response = _queries(client, url)
    assert len(response.context["contacts"]) == 61
    assert len(response.context["history"]) == 100
    assert large == small <= PAGE_BUDGET


@pytest.mark.parametrize("role", ["butler", "manager"])
def test_company_page_queries_do_not_grow_with_its_licences(client, world, role):
    """A fleet of 300 vehicles, each with its certificate: the page reads them in the same queries as five."""
    from companies.models import Vehicle
    from companies.services import licence_plan_sync

    company = world.company_a
    url = reverse("companies:detail", args=[company.pk])
    client.force_login(world.butler_a.user if role == "butler" else world.manager)
    counts = []
    for first, size in ((0, 5), (5, 295)):
        Vehicle.objects.bulk_create(
            Vehicle(company=company, plate=f"浙B{n:05d}", vehicle_type="truck", total_mass_kg=18000)
            for n in range(first, first + size)
        )
        licence_plan_sync(company=company)
        CompanyLicence.objects.filter(company=company, vehicle__isnull=False).update(
            obtain_by=date(2026, 10, 1)
        )
        count, response = _queries(client, url)
        counts.append(count)
        assert response.context["risk"] == Risk.HIGH
    assert company.licences.count() > 300
    assert counts[1] == counts[0] <= PAGE_BUDGET


def test_company_page_reads_business_types_with_the_company(client, world):
    """The badges and the history's business-type changes come with the company and its history rows."""
    from companies.services import company_update

    company = world.company_a
    freight, *others = BusinessType.objects.order_by("position", "code")
    company_update(actor=world.butler_a.user, company=company, business_types=[freight, others[0]])
    company_update(actor=world.butler_a.user, company=company, business_types=[others[0]])
    client.force_login(world.butler_a.user)
    response = client.get(reverse("companies:detail", args=[company.pk]))
    assert [t.pk for t in response.context["business_types"]] == [others[0].pk]
    changes = [change for entry in response.context["history"] for change in entry.changes]
    names = sorted([freight.name, others[0].name])
    assert (", ".join(names), others[0].name) in [(old, new) for _label, old, new in changes]


def test_manager_period_list_is_bounded(client, world, django_assert_max_num_queries):
    _portfolio(world.butler_b, 200)
    client.force_login(world.manager)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("manager:periods"))
    assert len(response.context["page"]) == 50


def test_card_page_is_bounded(client, world, django_assert_max_num_queries):
    client.force_login(world.butler_a.user)
    with django_assert_max_num_queries(10):
        assert client.get(reverse("periods:card", args=[world.period_a.pk])).status_code == 200


def test_company_page_with_transfers_is_bounded(client, world, django_assert_max_num_queries):
    from butler import services
    from tests.conftest import make_butler

    period = world.period_a
    for n in range(8):
        period = services.service_period_transfer(
            actor=world.manager,
            period=period,
            to_butler=make_butler(f"relay{n}", f"接力{n}"),
            reason=f"调整{n}",
        )
    client.force_login(world.manager)
    with django_assert_max_num_queries(PAGE_BUDGET):
        response = client.get(reverse("companies:detail", args=[world.company_a.pk]))
    assert len(response.context["periods"]) == 9


def test_first_visit_search_is_bounded(client, world, django_assert_max_num_queries):
    _portfolio(world.butler_b, 40)
    client.force_login(world.butler_a.user)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("firstvisit:search"), {"q": "测试"})
    assert len(response.context["lookup"].companies) == 20
    assert response.context["lookup"].more


@pytest.mark.parametrize("size", [5, 120])
def test_manager_company_list_is_bounded(client, world, django_assert_max_num_queries, size):
    _portfolio(world.butler_b, size)
    client.force_login(world.manager)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("manager:companies"))
    assert len(response.context["page"]) == min(size + 2, 50)
