"""One chronological page per company: contacts, licence steps, visits, reminders sent and messages."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from butler.contactlog.services import contact_record
from butler.licences.services import licence_step, trip_add
from butler.models import ContactRecord
from companies.models import CompanyLicence, LicenceStatus
from tests.queries import assert_fixed_queries, page_queries

SHANGHAI = ZoneInfo("Asia/Shanghai")
S = LicenceStatus


@pytest.fixture
def story(world):
    freight = CompanyLicence.objects.get(company=world.company_a, licence_type__code="road_freight_licence")
    licence_step(actor=world.butler_a.user, licence=freight, to=S.APPLIED, on=date(2026, 11, 2))
    trip_add(actor=world.butler_a.user, licence=freight, on=date(2026, 11, 2), purpose="提交申请材料")
    contact_record(
        actor=world.butler_a.user, company=world.company_a, channel="phone", summary="电话确认受理情况"
    )
    return freight


def test_the_timeline_merges_every_kind_newest_first(client, world, story):
    client.force_login(world.butler_a.user)
    events = client.get(reverse("company:timeline", args=[world.company_a.pk])).context["events"]
    kinds = {event.kind for event in events}
    assert {"contact", "licence", "trip"} <= kinds
    assert [event.when for event in events] == sorted((event.when for event in events), reverse=True)
    assert any(event.kind == "contact" and "电话确认受理情况" in event.text for event in events)


def test_the_timeline_filters_by_kind(client, world, story):
    client.force_login(world.butler_a.user)
    url = reverse("company:timeline", args=[world.company_a.pk])
    events = client.get(url, {"kind": "contact"}).context["events"]
    assert {event.kind for event in events} == {"contact"}
    assert client.get(url, {"kind": "nonsense", "before": "not a date"}).status_code == 200


def _events_of_june_2025(world, first: int, stop: int):
    """Events ``first``..``stop - 1`` of every kind: a licence created for a vehicle (now), and on 1, 2, 3 …
    June 2025 a visit to the window, a contact, a reminder sent and a message."""
    from butler.messaging.services import thread_start
    from companies.models import LicenceType, Trip, Vehicle
    from reminders.models import Reminder

    freight = CompanyLicence.objects.get(company=world.company_a, licence_type__code="road_freight_licence")
    certificate = LicenceType.objects.get(code="vehicle_certificate")
    for n in range(first, stop):
        moment = datetime(2025, 6, 1, 10, 0, tzinfo=SHANGHAI) + timedelta(days=n)
        ContactRecord.objects.create(
            company=world.company_a,
            recorded_by=world.butler_a.user,
            channel="phone",
            summary=f"六月联系{n}",
            occurred_at=moment,
        )
        vehicle = Vehicle.objects.create(
            company=world.company_a, plate=f"浙B{n:05d}", vehicle_type="truck", total_mass_kg=18000
        )
        CompanyLicence.objects.create(
            company=world.company_a,
            licence_type=certificate,
            vehicle=vehicle,
            subject_key=f"vehicle:{vehicle.pk}",
        )
        Trip.objects.create(licence=freight, date=moment.date(), purpose=f"递交材料{n}")
        Reminder.objects.create(
            subject=f"test:{n}",
            scope=f"company:{world.company_a.pk}",
            label=f"道路运输证 · 车辆{n}",
            kind="renew_by",
            due_on=date(2025, 7, 1),
            offset_days=30,
            channel="in_app",
            recipient=world.butler_a.user,
            scheduled_at=moment + timedelta(hours=1),
            sent_at=moment + timedelta(hours=1),
            status=Reminder.Status.SENT,
        )
        thread_start(
            actor=world.contact_a,
            company=world.company_a,
            subject=f"问题{n}",
            body=f"请问{n}",
            now=moment + timedelta(hours=2),
        )


TIMELINE_QUERIES = 14  # measured 12 on SQLite and PostgreSQL, every kind of event filled


def test_a_thousand_events_page_by_cursor_in_a_fixed_number_of_queries(client, world):
    client.force_login(world.butler_a.user)
    url = reverse("company:timeline", args=[world.company_a.pk])

    def check(response, size):
        events = response.context["events"]
        assert len(events) == 50 if size > 20 else len(events) >= 5 * size
        assert {event.kind for event in events} == {"contact", "licence", "trip", "reminder", "message"}

    assert_fixed_queries(
        client,
        url,
        fill=lambda first, stop: _events_of_june_2025(world, first, stop),
        check=check,
        sizes=(3, 30),
        at_most=TIMELINE_QUERIES,
    )
    # A thousand contacts after June 2025, every six hours from 28 September 2025: paged by cursor.
    start = datetime(2025, 9, 28, 9, 30, tzinfo=SHANGHAI)
    ContactRecord.objects.bulk_create(
        ContactRecord(
            company=world.company_a,
            recorded_by=world.butler_a.user,
            channel="phone",
            summary=f"第 {n} 次联系",
            occurred_at=start + timedelta(hours=6 * n),
        )
        for n in range(1000)
    )
    queries, response = page_queries(client, url)
    assert len(response.context["events"]) == 50 and queries <= TIMELINE_QUERIES
    response = client.get(url, {"kind": "contact"})
    first = response.context["events"]
    assert len(first) == 50 and response.context["older"]
    second = client.get(url, {"kind": "contact", "before": response.context["older"]}).context["events"]
    assert len(second) == 50 and second[0].when < first[-1].when
    assert first[0].text == "第 999 次联系"


def test_another_butler_never_sees_the_timeline(client, world, story):
    client.force_login(world.butler_b.user)
    assert client.get(reverse("company:timeline", args=[world.company_a.pk])).status_code == 404
