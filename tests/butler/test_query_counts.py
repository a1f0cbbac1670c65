"""Pages keep a fixed number of queries whatever the data size."""

from datetime import date

import pytest
from django.urls import reverse

from butler.models import ServicePeriod
from companies.models import BusinessType
from tests.factories import CompanyFactory, ContactFactory, ServicePeriodFactory, credit_code


def _portfolio(butler, size: int):
    types = list(BusinessType.objects.all()[:2])
    for n in range(size):
        company = CompanyFactory(credit_code=credit_code(50_000 + n))
        company.business_types.set(types)
        ContactFactory(company=company, mobile=f"137{n:08d}")
        ServicePeriodFactory(company=company, butler=butler, start_date=date(2026, 11, 1))


@pytest.mark.parametrize("size", [5, 200])
def test_portfolio_queries_do_not_grow_with_the_portfolio(client, world, django_assert_max_num_queries, size):
    _portfolio(world.butler_a, size)
    client.force_login(world.butler_a.user)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("portfolio:list"))
    assert len(response.context["periods"]) == size + 1


def test_past_periods_list_is_bounded(client, world, django_assert_max_num_queries):
    _portfolio(world.butler_a, 60)
    ServicePeriod.objects.filter(butler=world.butler_a).update(status="completed", ended_on=date(2027, 4, 30))
    client.force_login(world.butler_a.user)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("portfolio:list"), {"show": "past"})
    assert len(response.context["past_periods"]) == 50


@pytest.mark.parametrize("changes", [1, 60])
def test_company_page_queries_do_not_grow_with_its_history(
    client, world, django_assert_max_num_queries, changes
):
    from companies.services import company_update, contact_add

    company = world.company_a
    for n in range(changes):
        company_update(actor=world.butler_a.user, company=company, address=f"宁波市北仑区明州路{n}号")
        contact_add(actor=world.butler_a.user, company=company, name=f"联系人{n}", mobile=f"136{n:08d}")
    client.force_login(world.butler_a.user)
    with django_assert_max_num_queries(24):
        response = client.get(reverse("companies:detail", args=[company.pk]))
    assert len(response.context["contacts"]) == changes + 1
    assert len(response.context["history"]) >= min(changes * 2, 100)


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
    with django_assert_max_num_queries(24):
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
