"""The butler's day starts on one page: what is overdue or due today, each one click from its action."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import time_machine
from django.urls import reverse

from butler.contactlog.services import contact_record
from butler.models import ContactRecord, MessageThread
from companies.models import CompanyLicence, LicenceType, Obligation, ObligationType
from tests.butler.test_query_counts import _portfolio
from tests.factories import CompanyFactory, ServicePeriodFactory, credit_code
from tests.queries import assert_fixed_queries

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
    thread = MessageThread.objects.create(
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
    assert reverse("contactlog:return_visit", args=[visit.pk]) in page
    assert reverse("licences:checklist", args=[company.pk]) in page
    # "Answer" opens the thread at its answer form, not the top of a long company page.
    assert reverse("messaging:thread", args=[thread.pk]) + "#reply" in page
    # Company B is another butler's: nothing of it here.
    assert world.company_b.name not in page


def test_periods_ending_within_fourteen_days_are_listed(client, world):
    from butler.models import ServicePeriod

    ServicePeriod.objects.filter(pk=world.period_a.pk).update(
        end_date=date(2026, 11, 12)  # ten days after the world's day
    )
    client.force_login(world.butler_a.user)
    day = client.get(reverse("portfolio:today")).context["day"]
    assert [p.company for p in day.ending] == [world.company_a]


def test_an_empty_day_says_so(client, world):
    client.force_login(world.butler_a.user)
    page = client.get(reverse("portfolio:today")).content.decode()
    assert "today-risk" not in page and "bi-check2-circle fs-1" in page


def _busy_day(butler, first: int, stop: int):
    """Companies ``first``..``stop - 1`` in the butler's portfolio, each on all six lists of the day: a
    licence past its obtain-by date, a return visit due, a message unanswered, no contact since 1 September,
    a period ending on 10 November and a truck's inspection overdue since 30 October."""
    freight = LicenceType.objects.order_by("position", "pk").first()
    inspection = ObligationType.objects.get(code="vehicle_inspection")
    for n in range(first, stop):
        company = CompanyFactory(credit_code=credit_code(60_000 + n))
        ServicePeriodFactory(
            company=company, butler=butler, start_date=date(2026, 5, 14), end_date=date(2026, 11, 10)
        )
        CompanyLicence.objects.create(
            company=company, licence_type=freight, subject_key="company", obtain_by=date(2026, 10, 20)
        )
        ContactRecord.objects.create(
            company=company,
            recorded_by=butler.user,
            channel=ContactRecord.Channel.PHONE,
            occurred_at=datetime(2026, 9, 1, 10, 0, tzinfo=SHANGHAI),
            summary=f"核实车辆挂靠问题{n}",
            return_visit_due=date(2026, 10, 30),
        )
        MessageThread.objects.create(
            company=company, subject=f"道路运输证年审{n}", started_by=butler.user, awaiting_window=True
        )
        Obligation.objects.create(
            company=company, obligation_type=inspection, subject_key=f"vehicle:{n}", due_on=date(2026, 10, 30)
        )


def test_today_has_a_fixed_number_of_queries(client, world):
    _portfolio(world.butler_a, 30)  # companies on no list of the day
    client.force_login(world.butler_a.user)

    def check(response, size):
        day = response.context["day"]
        assert len(day.at_risk) == len(day.return_visits) == len(day.unanswered) == size
        assert len(day.not_contacted) == len(day.ending) == size  # 1 September is 62 days ago
        assert [(p.fleet_overdue, p.fleet_soon) for p in day.fleet] == [(1, 0)] * size
        page = response.content.decode()
        assert page.count('href="/licences/company/') >= 2 * size and page.count("?next=today") == size

    assert_fixed_queries(
        client,
        reverse("portfolio:today"),
        fill=lambda first, stop: _busy_day(world.butler_a, first, stop),
        check=check,
        at_most=12,
    )
