"""A company stops for a while (停业), resumes, closes down (歇业) or is deregistered (注销): what it holds
ends with it, its reminders stop, and the steps the rules do not allow are refused in words.

The clock reads 2026-11-02 09:30 Beijing (a Monday).
"""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from butler.company.services import company_exit
from butler.models import ServicePeriod
from companies.models import Company, CompanyLicence, LicenceStatus, Obligation
from companies.services import licence_transition, obligation_record, vehicle_add
from reminders.models import Reminder


@pytest.fixture
def fleet(world):
    truck = vehicle_add(
        actor=world.manager,
        company=world.company_a,
        plate="浙B84001",
        vehicle_type="truck",
        total_mass_kg=18000,
    )
    licence = CompanyLicence.objects.get(company=world.company_a, licence_type__code="road_freight_licence")
    licence = licence_transition(actor=world.manager, licence=licence, to=LicenceStatus.APPLIED)
    licence_transition(
        actor=world.manager, licence=licence, to=LicenceStatus.ISSUED, certificate_number="甬1"
    )
    inspection = Obligation.objects.get(vehicle=truck, obligation_type__code="vehicle_inspection")
    obligation_record(actor=world.manager, obligation=inspection, done_on=date(2026, 6, 1))
    return truck


def test_stopping_keeps_the_licences_and_their_reminders(world, fleet):
    company_exit(
        actor=world.butler_a.user,
        company=world.company_a,
        status="suspended",
        on=date(2026, 11, 2),
        reason="冬季停运",
    )
    company = Company.objects.get(pk=world.company_a.pk)
    assert (company.status, company.status_since, company.status_reason) == (
        "suspended",
        date(2026, 11, 2),
        "冬季停运",
    )
    assert (
        CompanyLicence.objects.get(company=company, licence_type__code="road_freight_licence").status
        == "issued"
    )
    assert Reminder.objects.filter(scope=f"company:{company.pk}", status="pending").exists()
    assert ServicePeriod.objects.active().filter(company=company).exists()


def test_closing_down_ends_licences_obligations_period_and_reminders(world, fleet):
    company_exit(
        actor=world.butler_a.user,
        company=world.company_a,
        status="closed",
        on=date(2026, 10, 30),
        reason="企业决定歇业，已交回证件",
    )
    licences = dict(
        CompanyLicence.objects.filter(company=world.company_a).values_list("licence_type__code", "status")
    )
    assert licences == {"road_freight_licence": "cancelled", "vehicle_certificate": "not_required"}
    freight = CompanyLicence.objects.get(company=world.company_a, licence_type__code="road_freight_licence")
    assert "2026-10-30" in freight.notes and "企业决定歇业，已交回证件" in freight.notes
    assert set(Obligation.objects.filter(company=world.company_a).values_list("ended_on", flat=True)) == {
        date(2026, 10, 30)
    }
    period = ServicePeriod.objects.get(pk=world.period_a.pk)
    assert (period.status, period.reason) == (ServicePeriod.Status.ENDED_EARLY, "企业决定歇业，已交回证件")
    pending = Reminder.objects.filter(scope=f"company:{world.company_a.pk}", status="pending")
    assert not pending.exclude(kind__in=["rate_period"]).exists()  # only the invitation to rate the service


def test_steps_the_rules_do_not_allow_are_refused_in_words(world):
    with translation.override("en"):
        with pytest.raises(ValidationError) as caught:
            company_exit(
                actor=world.manager, company=world.company_a, status="closed", on=date(2026, 11, 2), reason=""
            )
        assert caught.value.message_dict == {"reason": ["Give the reason; it is kept in the record."]}
        company_exit(
            actor=world.manager,
            company=world.company_a,
            status="deregistered",
            on=date(2026, 11, 2),
            reason="注销登记",
        )
        with pytest.raises(ValidationError) as caught:
            company_exit(
                actor=world.manager,
                company=world.company_a,
                status="operating",
                on=date(2026, 11, 2),
                reason="x",
            )
        assert caught.value.message_dict == {
            "status": ["A company that is “Deregistered” cannot become “Operating”."]
        }


def test_the_page_offers_only_the_allowed_steps_and_keeps_what_was_typed(client, world):
    client.force_login(world.butler_a.user)
    url = reverse("company:status", args=[world.company_a.pk])
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert [value for value, _label in page.context["form"].fields["status"].choices] == [
        "suspended",
        "closed",
        "deregistered",
    ]
    response = client.post(
        url, {"status": "closed", "on": "2026-11-09", "reason": "歇业"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200
    assert (
        "The date cannot be in the future." in response.content.decode()
        and "歇业" in response.content.decode()
    )
    response = client.post(url, {"status": "suspended", "on": "2026-11-02", "reason": "停运检修"})
    assert response.status_code == 302
    assert Company.objects.get(pk=world.company_a.pk).status == "suspended"
    detail = client.get(reverse("company:detail", args=[world.company_a.pk])).content.decode()
    assert "停业 · 2026-11-02" in detail
