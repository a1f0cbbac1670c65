"""At day 180 the period completes; its summary says what was obtained, what is open, and how it went."""

from datetime import date

from django.urls import reverse

from butler.company.selectors import period_summary
from butler.contactlog.services import contact_record
from butler.licences.services import licence_step, trip_add
from butler.models import ServicePeriod
from butler.service.services import service_periods_complete_due
from companies.models import CompanyLicence, LicenceStatus
from reminders.models import Reminder

S = LicenceStatus


def test_the_period_completes_at_day_180_and_the_company_is_asked_how_it_went(world):
    end = world.period_a.end_date
    assert (end - world.period_a.start_date).days == 180
    assert service_periods_complete_due(today=end - date.resolution) == 0
    assert service_periods_complete_due(today=end) >= 1
    period = ServicePeriod.objects.get(pk=world.period_a.pk)
    assert (period.status, period.ended_on) == (ServicePeriod.Status.COMPLETED, end)
    invitations = Reminder.objects.filter(subject=f"rate-period:{period.pk}", recipient=world.contact_a)
    assert {(r.kind, r.due_on, r.offset_days) for r in invitations} == {
        ("rate_period", end, 0),
        ("rate_period", end, -3),
    }
    planned = invitations.count()
    service_periods_complete_due(today=end)  # again: nothing more
    assert invitations.count() == planned


def test_the_summary_counts_what_the_period_did_on_a_known_fixture(client, world):
    freight = CompanyLicence.objects.get(company=world.company_a, licence_type__code="road_freight_licence")
    licence_step(actor=world.butler_a.user, licence=freight, to=S.APPLIED, on=date(2026, 11, 2))
    trip_add(actor=world.butler_a.user, licence=freight, on=date(2026, 11, 2), purpose="提交申请材料")
    licence_step(
        actor=world.butler_a.user,
        licence=freight,
        to=S.ISSUED,
        on=date(2026, 11, 2),
        certificate_number="A-9",
    )
    contact_record(
        actor=world.butler_a.user, company=world.company_a, channel="phone", summary="回访", return_visit_in=5
    )
    summary = period_summary(world.period_a)
    assert [licence.pk for licence in summary.obtained] == [freight.pk]
    assert summary.measures.matters == 1 and summary.measures.trips == 1
    assert summary.contacts == 1 and len(summary.open_return_visits) == 1
    client.force_login(world.butler_a.user)
    response = client.post(
        reverse("company:period_summary", args=[world.period_a.pk]),
        {"note": "营运证 2027 年到期，提前一个月办理"},
    )
    assert response.status_code == 302
    world.period_a.refresh_from_db()
    assert world.period_a.handover_note.startswith("营运证")
    page = client.get(reverse("company:period_summary", args=[world.period_a.pk])).content.decode()
    assert str(freight.licence_type) in page
    assert "period-figures" in page
