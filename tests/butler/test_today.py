"""The butler's day starts on one page: what is overdue or due today, each one click from its action."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import time_machine
from django.urls import reverse

from butler.contacts import contact_record
from butler.models import MessageThread
from companies.models import CompanyLicence
from tests.butler.test_query_counts import _portfolio

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_a_butler_lands_on_today(client, world):
    client.force_login(world.butler_a.user)
    assert client.get(reverse("home"))["Location"] == reverse("portfolio:today")


def test_today_lists_what_is_due_with_its_action(client, world):
    company = world.company_a
    CompanyLicence.objects.filter(company=company).update(obtain_by=date(2026, 10, 20))  # missed
    visit = contact_record(
        actor=world.butler_a.user,
        company=company,
        channel="phone",
        summary="核实车辆挂靠问题",
        return_visit_in=1,
    )
    MessageThread.objects.create(
        company=company, subject="道路运输证年审", started_by=world.contact_a, awaiting_window=True
    )
    with time_machine.travel(datetime(2026, 12, 10, 9, 0, tzinfo=SHANGHAI), tick=False):
        client.force_login(world.butler_a.user)
        response = client.get(reverse("portfolio:today"))
    day = response.context["day"]
    assert [p.company for p in day.at_risk] == [company]
    assert day.return_visits == [visit]
    assert [t.subject for t in day.unanswered] == ["道路运输证年审"]
    # A phone call on 2 November was the last contact; 38 days later the company is waiting to hear again.
    assert [(p.company, p.silent_days) for p in day.not_contacted] == [(company, 38)]
    assert day.ending == []
    page = response.content.decode()
    assert reverse("log:return_visit", args=[visit.pk]) in page
    assert reverse("licences:checklist", args=[company.pk]) in page
    # Company B is another butler's: nothing of it here.
    assert world.company_b.name not in page


def test_periods_ending_within_fourteen_days_are_listed(client, world):
    from django.utils import timezone

    from butler.models import ServicePeriod

    ServicePeriod.objects.filter(pk=world.period_a.pk).update(
        end_date=timezone.localdate() + timedelta(days=10)
    )
    client.force_login(world.butler_a.user)
    day = client.get(reverse("portfolio:today")).context["day"]
    assert [p.company for p in day.ending] == [world.company_a]


def test_an_empty_day_says_so(client, world):
    client.force_login(world.butler_a.user)
    page = client.get(reverse("portfolio:today")).content.decode()
    assert "today-risk" not in page and "bi-check2-circle fs-1" in page


def test_today_has_a_fixed_number_of_queries(client, world, django_assert_max_num_queries):
    _portfolio(world.butler_a, 200)
    client.force_login(world.butler_a.user)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("portfolio:today"))
    assert len(response.context["day"].ending) == 0
