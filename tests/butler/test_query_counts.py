"""Pages keep a fixed number of queries whatever the data size."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from butler.messaging.services import message_send, thread_start
from butler.models import ServicePeriod
from butler.service.services import service_period_transfer
from companies.models import BusinessType, CompanyLicence, LicenceType
from companies.phones import tel_uri
from companies.selectors import Risk
from tests.factories import ButlerFactory, CompanyFactory, ContactFactory, ServicePeriodFactory, credit_code
from tests.queries import assert_fixed_queries, page_queries

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _portfolio(butler, size: int, *, first: int = 0):
    types = list(BusinessType.objects.all()[:2])
    for n in range(first, first + size):
        company = CompanyFactory(credit_code=credit_code(50_000 + n))
        company.business_types.set(types)
        ContactFactory(company=company, mobile=f"137{n:08d}")
        ServicePeriodFactory(company=company, butler=butler, start_date=date(2026, 11, 1))


def _portfolio_and_past(butler, first: int, stop: int):
    """Companies ``first``..``stop - 1`` in the butler's portfolio, each with two business types, a primary
    contact and a licence past its obtain-by date; and as many past periods of the butler's."""
    _portfolio(butler, stop - first, first=first)
    licence_type = LicenceType.objects.order_by("position", "pk").first()
    CompanyLicence.objects.bulk_create(
        CompanyLicence(
            company=period.company,
            licence_type=licence_type,
            subject_key="company",
            obtain_by=date(2026, 10, 1),
        )
        for period in ServicePeriod.objects.filter(
            butler=butler, company__credit_code__in=[credit_code(50_000 + n) for n in range(first, stop)]
        ).select_related("company")
    )
    for n in range(first, stop):
        ServicePeriodFactory(
            company=CompanyFactory(credit_code=credit_code(70_000 + n)),
            butler=butler,
            start_date=date(2025, 10, 1),
            end_date=date(2026, 3, 30),
            status=ServicePeriod.Status.COMPLETED,
            ended_on=date(2026, 3, 30),
        )


PORTFOLIO_QUERIES = 10  # measured 8 on SQLite and PostgreSQL, every list filled


def test_portfolio_queries_do_not_grow_with_the_portfolio(client, world):
    client.force_login(world.butler_a.user)

    def check(response, size):
        rows = response.context["rows"]
        assert len(rows) == size + 1  # and the world's company A
        assert sum(1 for row in rows if row.overdue and row.contact and "badge" in row.business_types) == size

    assert_fixed_queries(
        client,
        reverse("portfolio:list"),
        fill=lambda first, stop: _portfolio_and_past(world.butler_a, first, stop),
        check=check,
        at_most=PORTFOLIO_QUERIES,
    )


def test_portfolio_rows_show_what_the_butler_needs(client, world):
    """Each row is computed once in Python: the same links, contact, dates, days left and risk as before."""
    CompanyLicence.objects.filter(company=world.company_b).update(obtain_by=date(2026, 10, 1))
    client.force_login(world.butler_b.user)
    response = client.get(reverse("portfolio:list"))
    body = response.content.decode()
    company, period = world.company_b, world.period_b
    contact = company.contacts.get(is_primary=True)
    for url in (
        reverse("company:detail", args=[company.pk]),
        reverse("contactlog:quick", args=[company.pk]),
        reverse("service:card", args=[period.pk]),
        reverse("licences:checklist", args=[company.pk]),
    ):
        assert f'"{url}"' in body
    assert f"{period.start_date:%Y-%m-%d} – {period.end_date - timedelta(days=1):%Y-%m-%d}" in body
    assert contact.name in body and f'href="{tel_uri(contact.mobile)}"' in body
    assert f'<span class="fw-semibold">{period.days_left()}</span>' in body
    row = next(row for row in response.context["rows"] if row.period == period)
    assert '<span class="badge text-bg-danger"><i class="bi bi-exclamation-octagon"></i>' in row.risk
    assert row.risk in body and row.overdue and row.overdue in body


PAST_PERIODS_QUERIES = 10  # measured 10 on SQLite and PostgreSQL, every list filled


def test_past_periods_list_is_bounded(client, world):
    client.force_login(world.butler_a.user)

    def check(response, size):
        assert len(response.context["rows"]) == size + 1
        assert len(response.context["past_periods"]) == size

    assert_fixed_queries(
        client,
        reverse("portfolio:list"),
        data={"show": "past"},
        fill=lambda first, stop: _portfolio_and_past(world.butler_a, first, stop),
        check=check,
        at_most=PAST_PERIODS_QUERIES,
    )


def _change_company(world, changes: int, *, first: int = 0):
    from companies.services import company_update, contact_add

    for n in range(first, first + changes):
        company_update(actor=world.butler_a.user, company=world.company_a, address=f"宁波市北仑区明州路{n}号")
        contact_add(
            actor=world.butler_a.user, company=world.company_a, name=f"联系人{n}", mobile=f"136{n:08d}"
        )


def _fill_company_page(world, first: int, stop: int):
    """Rows ``first``..``stop - 1`` on every list of company A's page: a change of its profile and a contact
    (the change history), a past period of another butler (the service periods), a vehicle with its
    certificate past its obtain-by date and a trip for it (the risk and the figures; the contact form's
    licences), a message thread with an answer, a bad rating with its audit case and a suggestion with its
    case (the feedback), a contact about the vehicle's licence with a return visit (the contact log), and a
    reminder planned and one sent (the reminders)."""
    from butler.contactlog.services import contact_record
    from butler.feedback.cases import case_open
    from butler.feedback.ratings import suggestion_submit
    from butler.models import Rating
    from companies.models import Trip, Vehicle
    from companies.services import licence_plan_sync
    from reminders.models import Reminder
    from reminders.services import reminder_plan

    company, butler = world.company_a, world.butler_a
    _change_company(world, stop - first, first=first)
    Vehicle.objects.bulk_create(
        Vehicle(company=company, plate=f"浙B{n:05d}", vehicle_type="truck", total_mass_kg=18000)
        for n in range(first, stop)
    )
    licence_plan_sync(company=company)
    CompanyLicence.objects.filter(company=company, vehicle__isnull=False).update(obtain_by=date(2026, 10, 1))
    contact = world.contact_a.contact
    for n in range(first, stop):
        ServicePeriodFactory(
            company=company,
            butler=ButlerFactory(display_name=f"接力{n}"),
            start_date=date(2025, 1, 1),
            end_date=date(2025, 6, 29),
            status=ServicePeriod.Status.TRANSFERRED,
            ended_on=date(2025, 3, 1),
            reason=f"调整{n}",
        )
        licence = CompanyLicence.objects.get(company=company, vehicle__plate=f"浙B{n:05d}")
        Trip.objects.create(licence=licence, date=date(2026, 10, 20), purpose=f"递交材料{n}")
        thread = thread_start(actor=world.contact_a, company=company, subject=f"问题{n}", body=f"请问{n}")
        message_send(actor=butler.user, thread=thread, body=f"答复{n}")
        rating = Rating.objects.create(
            kind="matter",
            company=company,
            contact=contact,
            rated_by=world.contact_a,
            butler=butler,
            period=world.period_a,
            licence=licence,
            matter_key=f"test:{n}",
            overall=1,
            comment=f"评价{n}",
        )
        case_open(rating=rating)
        suggestion_submit(actor=butler.user, company=company, category="other", text=f"建议{n}")
        contact_record(
            actor=butler.user,
            company=company,
            channel="phone",
            summary=f"核实车辆{n}",
            licence=licence,
            return_visit_in=1,
        )
        for due_on in (date(2026, 12, 1), date(2026, 10, 1)):  # one to come, one sent (below)
            reminder_plan(
                subject=f"test:{n}",
                kind="renew_by",
                due_on=due_on,
                offsets=(0,),
                channels=("in_app",),
                recipients=[butler.user, world.contact_a],
                scope=f"company:{company.pk}",
                label=f"车辆{n}",
                now=datetime(2026, 9, 1, tzinfo=SHANGHAI),
            )
        Reminder.objects.filter(subject=f"test:{n}", due_on=date(2026, 10, 1)).update(status="sent")


# measured 15 on SQLite and PostgreSQL, for its butler and for the manager, every list filled
COMPANY_PAGE_QUERIES = 15


@pytest.mark.parametrize("role", ["butler", "manager"])
def test_company_page_keeps_a_fixed_number_of_queries_with_every_list_filled(client, world, role):
    client.force_login(world.butler_a.user if role == "butler" else world.manager)

    def check(response, size):
        context = response.context
        assert len(context["contacts"]) == size + 1
        assert len(context["periods"]) == size + 1
        # The profile, a contact and a period a row: the newest hundred of 12, then of 123.
        assert len(context["history"]) == min(100, 3 * (size + 1))
        assert context["risk"] == Risk.HIGH
        assert len(context["messages_card"].threads) == min(size, 10)
        assert len(context["feedback"]) == min(size, 5) * 2
        assert all(entry.case for entry in context["feedback"])
        assert len(context["log"]) == min(size, 10)
        # Planned: the licences' own deadlines fill the list too; sent: only ours.
        assert len(context["reminders"].upcoming) >= min(size, 8)
        assert len(context["reminders"].recent) == min(size, 8)
        assert len(context["log_form"].fields["licence"].queryset) >= size

    assert_fixed_queries(
        client,
        reverse("company:detail", args=[world.company_a.pk]),
        fill=lambda first, stop: _fill_company_page(world, first, stop),
        check=check,
        sizes=(3, 40),
        at_most=COMPANY_PAGE_QUERIES,
    )
    assert world.company_a.licences.filter(vehicle__isnull=False).count() == 40


def test_company_page_reads_business_types_with_the_company(client, world):
    """The badges and the history's business-type changes come with the company and its history rows."""
    from companies.services import company_update

    company = world.company_a
    freight, *others = BusinessType.objects.order_by("position", "code")
    company_update(actor=world.butler_a.user, company=company, business_types=[freight, others[0]])
    company_update(actor=world.butler_a.user, company=company, business_types=[others[0]])
    client.force_login(world.butler_a.user)
    response = client.get(reverse("company:detail", args=[company.pk]))
    assert [t.pk for t in response.context["business_types"]] == [others[0].pk]
    changes = [change for entry in response.context["history"] for change in entry.changes]
    names = sorted([freight.name, others[0].name])
    assert (", ".join(names), others[0].name) in [(old, new) for _label, old, new in changes]


def _butlers_and_companies(first: int, stop: int):
    """Butlers ``first``..``stop - 1``, each serving a company with two business types and a contact; and as
    many companies registered without a butler."""
    types = list(BusinessType.objects.all()[:2])
    for n in range(first, stop):
        _portfolio(ButlerFactory(display_name=f"管家{n}"), 1, first=n)
        company = CompanyFactory(credit_code=credit_code(80_000 + n), registered_on=date(2026, 10, 20))
        company.business_types.set(types)


MANAGER_PERIODS_QUERIES = 14  # measured 12 on SQLite and PostgreSQL, every list filled


def test_manager_period_list_is_bounded(client, world):
    client.force_login(world.manager)

    def check(response, size):
        assert len(response.context["page"]) == size + 2  # and the world's two
        assert len(response.context["workload"]) == size + 2
        assert len(response.context["unassigned"]) == min(size, 10)
        assert len(response.context["form"].fields["butler"].queryset) >= size

    assert_fixed_queries(
        client,
        reverse("oversight:periods"),
        fill=_butlers_and_companies,
        check=check,
        at_most=MANAGER_PERIODS_QUERIES,
    )


CARD_QUERIES = 10  # measured 8 on SQLite and PostgreSQL (the card lists nothing)


def test_card_page_is_bounded(client, world):
    """The card lists nothing; it shows the primary contact of a company with many."""
    from companies.services import contact_add

    def fill(first, stop):
        for n in range(first, stop):
            contact_add(
                actor=world.butler_a.user, company=world.company_a, name=f"联系人{n}", mobile=f"136{n:08d}"
            )

    def check(response, size):
        assert world.company_a.contacts.count() == size + 1
        assert response.context["primary"] == world.contact_a.contact

    client.force_login(world.butler_a.user)
    assert_fixed_queries(
        client,
        reverse("service:card", args=[world.period_a.pk]),
        fill=fill,
        check=check,
        at_most=CARD_QUERIES,
    )


def test_company_page_with_transfers_is_bounded(client, world):
    from tests.conftest import make_butler

    period = world.period_a
    for n in range(8):
        period = service_period_transfer(
            actor=world.manager,
            period=period,
            to_butler=make_butler(f"relay{n}", f"接力{n}"),
            reason=f"调整{n}",
        )
    client.force_login(world.manager)
    queries, response = page_queries(client, reverse("company:detail", args=[world.company_a.pk]))
    assert len(response.context["periods"]) == 9
    assert queries <= COMPANY_PAGE_QUERIES


FIRST_VISIT_SEARCH_QUERIES = 9  # measured 7 on SQLite and PostgreSQL, every list filled


def test_first_visit_search_is_bounded(client, world):
    """Companies found by name, each with its butler: served by a butler of its own, or by none yet."""

    def fill(first, stop):
        for n in range(first, stop):
            if n % 2:
                _portfolio(ButlerFactory(display_name=f"管家{n}"), 1, first=n)
            else:
                CompanyFactory(credit_code=credit_code(80_000 + n))

    def check(response, size):
        lookup = response.context["lookup"]
        assert len(lookup.companies) == min(size, 20) and lookup.more == (size > 20)

    client.force_login(world.butler_a.user)
    assert_fixed_queries(
        client,
        reverse("firstvisit:search"),
        data={"q": "测试"},
        fill=fill,
        check=check,
        at_most=FIRST_VISIT_SEARCH_QUERIES,
    )


MANAGER_COMPANIES_QUERIES = 11  # measured 9 on SQLite and PostgreSQL, every list filled


def test_manager_company_list_is_bounded(client, world):
    """Companies with their business types and their butler in service, and companies without a butler."""
    client.force_login(world.manager)

    def check(response, size):
        page = response.context["page"]
        assert len(page) == 2 * size + 2  # and the world's two
        assert sum(1 for company in page if company.active_periods) == size + 2
        assert len(response.context["form"].fields["butler"].queryset) >= size

    assert_fixed_queries(
        client,
        reverse("oversight:companies"),
        fill=_butlers_and_companies,
        check=check,
        sizes=(3, 24),  # 50 companies: one page
        at_most=MANAGER_COMPANIES_QUERIES,
    )
