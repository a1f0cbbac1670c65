"""One chronological page per company: contacts, licence steps, visits, reminders sent and messages."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from butler import services
from butler.contacts import contact_record
from butler.models import ContactRecord
from companies.models import CompanyLicence, LicenceStatus

S = LicenceStatus


@pytest.fixture
def story(world):
    freight = CompanyLicence.objects.get(company=world.company_a, licence_type__code="road_freight_licence")
    services.licence_step(actor=world.butler_a.user, licence=freight, to=S.APPLIED, on=date(2026, 11, 2))
    services.trip_add(
        actor=world.butler_a.user, licence=freight, on=date(2026, 11, 2), purpose="提交申请材料"
    )
    contact_record(
        actor=world.butler_a.user, company=world.company_a, channel="phone", summary="电话确认受理情况"
    )
    return freight


def test_the_timeline_merges_every_kind_newest_first(client, world, story):
    client.force_login(world.butler_a.user)
    events = client.get(reverse("companies:timeline", args=[world.company_a.pk])).context["events"]
    kinds = {event.kind for event in events}
    assert {"contact", "licence", "trip"} <= kinds
    assert [event.when for event in events] == sorted((event.when for event in events), reverse=True)
    assert any(event.kind == "contact" and "电话确认受理情况" in event.text for event in events)


def test_the_timeline_filters_by_kind(client, world, story):
    client.force_login(world.butler_a.user)
    url = reverse("companies:timeline", args=[world.company_a.pk])
    events = client.get(url, {"kind": "contact"}).context["events"]
    assert {event.kind for event in events} == {"contact"}
    assert client.get(url, {"kind": "nonsense", "before": "not a date"}).status_code == 200


def test_a_thousand_events_page_by_cursor_in_a_fixed_number_of_queries(
    client, world, django_assert_max_num_queries
):
    start = timezone.now() - timedelta(days=400)
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
    client.force_login(world.butler_a.user)
    url = reverse("companies:timeline", args=[world.company_a.pk])
    with django_assert_max_num_queries(14):
        assert len(client.get(url).context["events"]) == 50
    response = client.get(url, {"kind": "contact"})
    first = response.context["events"]
    assert len(first) == 50 and response.context["older"]
    second = client.get(url, {"kind": "contact", "before": response.context["older"]}).context["events"]
    assert len(second) == 50 and second[0].when < first[-1].when
    assert first[0].text == "第 999 次联系"


def test_another_butler_never_sees_the_timeline(client, world, story):
    client.force_login(world.butler_b.user)
    assert client.get(reverse("companies:timeline", args=[world.company_a.pk])).status_code == 404
