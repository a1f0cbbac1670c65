"""Lapse risk: what the butler must look at first."""

from datetime import date, timedelta

import pytest

from companies.models import Application, CompanyLicence, LicenceStatus
from companies.selectors import Risk, lapse_risk, licence_measures
from tests.companies.licence_world import freight_company

pytestmark = pytest.mark.django_db
S = LicenceStatus
TODAY = date(2026, 11, 2)  # the world's day (tests/conftest.py)


@pytest.fixture
def company(world):
    company = freight_company(world.manager, 300, heavy=0, drivers=0)
    CompanyLicence.objects.filter(company=company).update(obtain_by=None)
    return company


def _set(company, **fields):
    CompanyLicence.objects.filter(company=company).update(**fields)


def test_nothing_due_is_on_track(company):
    assert lapse_risk(company) == Risk.NONE


def test_a_deadline_within_a_month_is_low(company):
    _set(company, obtain_by=TODAY + timedelta(days=20))
    assert lapse_risk(company) == Risk.LOW


def test_renewal_due_is_medium_and_past_the_last_day_to_apply_is_high(company):
    today = TODAY
    _set(
        company,
        status=S.RENEWAL_DUE,
        expires_on=today + timedelta(days=40),
        renew_by=today + timedelta(days=10),
    )
    assert lapse_risk(company) == Risk.MEDIUM
    _set(company, renew_by=today - timedelta(days=1))
    assert lapse_risk(company) == Risk.HIGH


def test_an_application_past_its_statutory_limit_is_flagged_even_without_a_committed_limit(company):
    today = TODAY
    _set(
        company,
        status=S.APPLIED,
        accepted_on=today - timedelta(days=60),
        statutory_due_on=today - timedelta(days=5),
    )
    assert lapse_risk(company) == Risk.MEDIUM


def test_a_missed_obtain_by_and_a_lapse_are_high(company):
    _set(company, obtain_by=TODAY - timedelta(days=1))
    assert lapse_risk(company) == Risk.HIGH
    _set(company, obtain_by=None, status=S.EXPIRED)
    assert lapse_risk(company) == Risk.HIGH


def test_measures_count_the_deadlines_missed_as_well_as_met(world):
    company = freight_company(world.manager, 301, heavy=2, drivers=0)
    licences = list(CompanyLicence.objects.filter(company=company).order_by("pk"))
    today = TODAY
    # In time, late, and not yet issued with the deadline passed; the first two filed as two matters.
    filed = [
        Application.objects.create(company=company, filed_on=date(2026, 10, 12), channel="online")
        for _ in range(2)
    ]
    CompanyLicence.objects.filter(pk=licences[0].pk).update(
        application=filed[0],
        status=S.ISSUED,
        accepted_on=date(2026, 10, 12),
        issued_on=date(2026, 10, 16),
        first_issued_on=date(2026, 10, 16),
        obtain_by=date(2026, 10, 30),
    )
    CompanyLicence.objects.filter(pk=licences[1].pk).update(
        application=filed[1],
        status=S.ISSUED,
        accepted_on=date(2026, 10, 12),
        issued_on=date(2026, 11, 10),
        first_issued_on=date(2026, 11, 10),
        obtain_by=date(2026, 10, 30),
    )
    CompanyLicence.objects.filter(pk=licences[2].pk).update(
        status=S.REQUIRED, obtain_by=today - timedelta(days=3)
    )
    measures = licence_measures(company.licences.all())
    assert measures.obtained_with_deadline == 3
    assert measures.obtained_before_deadline_share == pytest.approx(1 / 3)
    assert measures.matters == 2
    # 2026-10-12 → 10-16 is 4 working days; → 11-10 is 21.
    assert measures.average_working_days_to_issue == pytest.approx((4 + 21) / 2)
    assert measures.within_committed_share == pytest.approx(1 / 2)
