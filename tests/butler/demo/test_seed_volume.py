"""``seed_volume``: an empty database filled with a city's or a province's data, valid and usable afterwards.

The volume is written with PostgreSQL's COPY and set-based SQL. On PostgreSQL these tests seed 300
companies once for the module (rolled back after it) and look at what was written; elsewhere they are skipped
(CI runs them). What the command refuses is in ``test_seed_volume_refusals.py``.
"""

from collections import Counter
from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from django.db.models import Count, F, Q

from butler.contactlog.services import contact_record
from butler.demo.data import DEMO_PASSWORD
from butler.firstvisit.services import first_visit_accept
from butler.models import AuditCase, Butler, CardCounter, ContactRecord, Rating, ReminderRule, ServicePeriod
from butler.security import roles
from butler.service.rule_defaults import seed_reminder_rules
from butler.service.services import service_periods_complete_due
from companies.business_types import seed_business_types
from companies.catalogue_seed import seed_catalogue, seed_obligations
from companies.credit_code import validate_credit_code
from companies.models import (
    BusinessType,
    Cadence,
    Company,
    CompanyLicence,
    Contact,
    LicenceMaterial,
    LicenceType,
    Obligation,
    ObligationType,
    Vehicle,
)
from companies.phones import validate_mobile, validate_phone
from companies.plates import validate_plate
from companies.services import company_register, licence_statuses_refresh
from reminders.models import Reminder
from tests.conftest import NOW, registration, rolled_back_after

# Each test in a savepoint of the module's transaction, on the world's day (2026-11-02).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_clock")]

COMPANIES = 300


def _seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_volume", *args, stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """300 companies seeded on PostgreSQL, five minutes before the world's clock: the command's output."""
    if connection.vendor != "postgresql":
        pytest.skip("seed_volume writes with PostgreSQL's COPY: run with DATABASE_URL=postgres://…")
    with rolled_back_after(django_db_blocker):
        with django_db_blocker.unblock(), time_machine.travel(NOW - timedelta(minutes=5), tick=True):
            # The catalogue the migrations wrote (a transactional test before this one may have flushed it).
            seed_business_types(BusinessType)
            seed_catalogue(LicenceType, LicenceMaterial, BusinessType)
            seed_obligations(ObligationType, Cadence, BusinessType)
            seed_reminder_rules(ReminderRule)
            output = _seed("--companies", str(COMPANIES))
            with connection.cursor() as cursor:  # the load ran without triggers; the tests run with them
                cursor.execute("SET LOCAL session_replication_role = origin")
        yield output


def _busy_butler() -> Butler:
    return Butler.objects.get(user__username="butler1")


def test_output_names_every_table_with_its_rows_and_time(seeded):
    assert f"Seeded {COMPANIES} companies in" in seeded
    for table in ("companies_company", "companies_companylicence", "reminders_reminder", "butler_rating"):
        assert any(table in line and line.rstrip().endswith(" s") for line in seeded.splitlines())
    assert "(ANALYZE)" in seeded


def test_companies_have_valid_unique_credit_codes_contacts_and_one_period_each(seeded):
    companies = list(Company.objects.all())
    assert len(companies) == COMPANIES
    codes = [company.credit_code for company in companies]
    assert len(set(codes)) == COMPANIES
    for code in codes:
        validate_credit_code(code)  # the check character is right
        assert code[2:6] == "3302"  # Ningbo
    assert len({company.name for company in companies}) == COMPANIES
    assert all(company.name.endswith("有限公司") for company in companies)
    primaries = Contact.objects.filter(is_primary=True)
    assert primaries.count() == COMPANIES
    for contact in Contact.objects.all():
        validate_mobile(contact.mobile)
    assert Company.objects.annotate(n=Count("service_periods")).filter(~Q(n=1)).count() == 0
    periods = ServicePeriod.objects.all()
    assert len({period.card_number for period in periods}) == COMPANIES
    active = periods.filter(status=ServicePeriod.Status.ACTIVE).count()
    assert COMPANIES * 0.2 < active < COMPANIES * 0.5  # about one third in service, the rest completed
    assert periods.filter(status=ServicePeriod.Status.COMPLETED).count() == COMPANIES - active
    counters = dict(CardCounter.objects.values_list("year", "last"))
    assert sum(counters.values()) == COMPANIES


def test_staff_and_portal_accounts_hold_their_roles_and_the_demo_password(seeded):
    users = get_user_model().objects
    manager = users.get(username="manager")
    assert list(manager.groups.values_list("name", flat=True)) == [roles.MANAGER]
    butlers = Butler.objects.select_related("user")
    assert butlers.count() == 3
    for butler in butlers:
        assert roles.is_butler(butler.user)
        validate_phone(butler.office_phone)
        validate_mobile(butler.mobile)
    portal = users.filter(groups__name=roles.COMPANY)
    assert COMPANIES * 0.4 < portal.count() < COMPANIES * 0.8
    assert Contact.objects.filter(user__in=portal, is_primary=True).count() == portal.count()
    assert portal.first().check_password(DEMO_PASSWORD)


def test_the_busiest_butler_and_the_largest_fleet_are_there(seeded):
    busy = _busy_butler()
    in_service = Counter(
        ServicePeriod.objects.active().values_list("butler_id", flat=True)
    )  # the busiest portfolio
    assert in_service.most_common(1)[0][0] == busy.pk
    big = Company.objects.annotate(n=Count("licences")).order_by("-n").first()
    assert big.n >= 500
    assert ServicePeriod.objects.active().get(company=big).butler == busy
    sizes = Counter(Company.objects.annotate(n=Count("licences")).values_list("n", flat=True))
    small = sum(count for size, count in sizes.items() if 1 <= size <= 10)
    assert small > COMPANIES / 2  # most companies are small
    licences = CompanyLicence.objects.count()
    assert COMPANIES * 8 < licences < COMPANIES * 14
    for vehicle in big.vehicles.all()[:50]:
        validate_plate(vehicle.plate)
        assert vehicle.plate.startswith("浙B")


def test_licences_spread_over_statuses_and_dates_with_reminders(seeded):
    statuses = Counter(CompanyLicence.objects.values_list("status", flat=True))
    for status in ("issued", "renewal_due", "renewal_applied", "expired", "required", "applied", "missing"):
        assert statuses[status] > 0, status
    assert statuses["issued"] > sum(statuses.values()) / 2
    months = {
        d.month for d in CompanyLicence.objects.exclude(renew_by=None).values_list("renew_by", flat=True)
    }
    assert len(months) == 12  # renewals fall due all through the year
    assert CompanyLicence.objects.filter(expires_on=None).exists()
    licence = CompanyLicence.objects.filter(status="issued", renew_by__isnull=False, company_id=1).first()
    reminders = Reminder.objects.filter(subject=f"licence:{licence.pk}", kind="renew_by")
    assert {r.offset_days for r in reminders} == {60, 30, 7, 1}
    assert {r.scope for r in reminders} == {"company:1"}
    assert Counter(Reminder.objects.values_list("status", flat=True)).keys() >= {"sent", "pending"}


def test_ratings_mostly_five_stars_and_every_bad_one_has_its_audit_case(seeded):
    ratings = Rating.objects.all()
    assert COMPANIES / 5 < ratings.count() < COMPANIES / 2
    stars = Counter(ratings.values_list("overall", flat=True))
    assert stars[5] > ratings.count() / 2
    bad = ratings.filter(overall__lte=2)
    assert AuditCase.objects.filter(rating__in=bad).count() == bad.count()
    assert ContactRecord.objects.count() >= COMPANIES


def test_every_foreign_key_holds_though_the_load_ran_without_their_triggers(seeded):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.conrelid::regclass::text, a.attname, c.confrelid::regclass::text, fa.attname "
            "FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1] "
            "JOIN pg_attribute fa ON fa.attrelid = c.confrelid AND fa.attnum = c.confkey[1] "
            "WHERE c.contype = 'f' AND c.connamespace = 'public'::regnamespace"
        )
        orphans = []
        for table, column, target, key in cursor.fetchall():
            cursor.execute(
                f"SELECT count(*) FROM {table} t WHERE t.{column} IS NOT NULL AND NOT EXISTS "  # noqa: S608 - names from pg_catalog
                f"(SELECT 1 FROM {target} f WHERE f.{key} = t.{column})"
            )
            if count := cursor.fetchone()[0]:
                orphans.append((table, column, count))
    assert orphans == []


def test_the_products_own_jobs_find_nothing_to_catch_up_after_seeding(seeded):
    assert licence_statuses_refresh() == {"expired": 0, "renewal_due": 0, "cancelled": 0}
    assert service_periods_complete_due() == 0
    assert not Reminder.objects.pending_due(NOW + timedelta(minutes=1)).exists()  # a sweep sends nothing
    assert not Reminder.objects.filter(scheduled_at__gt=NOW + timedelta(minutes=1), status="sent").exists()


def test_the_product_inserts_normally_after_seeding(seeded):
    manager = get_user_model().objects.get(username="manager")
    before = Company.objects.order_by("-pk").values_list("pk", flat=True).first()
    data = registration(900_001)
    assert not Company.objects.filter(credit_code=data.credit_code).exists()
    company = company_register(actor=manager, registration=data).company
    assert company.pk > before
    assert company.licences.exists()
    busy = _busy_butler()
    visit = first_visit_accept(actor=busy.user, company_id=company.pk)
    assert visit.created
    year = visit.period.start_date.year
    assert visit.period.card_number == f"BL-{year}-{CardCounter.objects.get(year=year).last:04d}"
    record = contact_record(actor=busy.user, company=company, channel="phone", summary="电话确认材料")
    assert record.pk > ContactRecord.objects.exclude(pk=record.pk).order_by("-pk").first().pk
    assert Reminder.objects.filter(scope=f"company:{company.pk}").exists()  # planned, ids from the sequence


@pytest.mark.parametrize(
    ("username", "paths"),
    [
        ("manager", ["/manager/dashboard/", "/manager/companies/", "/companies/1/"]),
        ("butler1", ["/portfolio/", "/portfolio/today/", "/companies/1/", "/companies/1/timeline/"]),
        ("company000001", ["/portal/licences/", "/portal/reminders/", "/portal/"]),
    ],
)
def test_pages_render_for_the_manager_the_busiest_butler_and_a_portal_user(seeded, client, username, paths):
    client.force_login(get_user_model().objects.get(username=username))
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path
    big = Company.objects.get(pk=1)
    assert big.name in client.get(paths[-1]).content.decode()


def test_the_fleet_carries_its_obligations_and_their_reminders(seeded):
    vehicles = Vehicle.objects.exclude(vehicle_type="training").count()
    on_vehicles = Obligation.objects.filter(vehicle__isnull=False)
    # Every vehicle carries at least its inspection and its 交强险; tankers and dangerous goods carry more.
    assert on_vehicles.count() >= 2 * vehicles
    assert not on_vehicles.exclude(company=F("vehicle__company")).exists()
    tank = on_vehicles.filter(obligation_type__code="tank_inspection")
    assert tank.exists() and not tank.exclude(vehicle__vehicle_type="tanker").exists()
    undated = Obligation.objects.filter(due_on__isnull=True).count() / Obligation.objects.count()
    assert 0.05 < undated < 0.15  # one in ten not given yet
    reminded = Reminder.objects.filter(subject__startswith="obligation:", kind="obligation_due")
    assert reminded.filter(status="pending").exists() and reminded.filter(status="sent").exists()
