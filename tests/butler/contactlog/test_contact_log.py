"""Every contact recorded; an important one gets a return visit that becomes a butler task and, once
overdue, an escalation to the manager."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError

from butler.contactlog.services import contact_record, return_visit_complete
from butler.service.services import service_period_transfer
from companies.models import CompanyLicence
from reminders.models import Reminder
from reminders.services import reminders_send_due

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _tasks(record, kind, **filters):
    return Reminder.objects.filter(subject=f"contact:{record.pk}", kind=kind, status="pending", **filters)


def test_a_return_visit_becomes_a_butler_task_in_working_days(world):
    # Monday 2 November 2026; three working days later is Thursday the 5th.
    record = contact_record(
        actor=world.butler_a.user,
        company=world.company_a,
        channel="phone",
        summary="询问危货运输资质办理条件",
        return_visit_in=3,
    )
    assert record.return_visit_due == date(2026, 11, 5) and record.important
    task = _tasks(record, "return_visit", channel="in_app")
    assert set(task.values_list("recipient", flat=True)) == {world.butler_a.user.pk}
    assert set(task.values_list("offset_days", flat=True)) == {1, 0}
    late = _tasks(record, "return_visit_late")
    assert world.manager.pk in set(late.values_list("recipient", flat=True))
    assert late.first().scheduled_at.astimezone(SHANGHAI).date() == date(2026, 11, 6)


def test_completing_the_return_visit_closes_the_task_and_its_escalation(world):
    record = contact_record(
        actor=world.butler_a.user,
        company=world.company_a,
        channel="visit",
        summary="材料咨询",
        return_visit_in=2,
    )
    return_visit_complete(actor=world.butler_a.user, record=record, outcome="企业已按要求补齐材料")
    assert not Reminder.objects.filter(subject=f"contact:{record.pk}", status="pending").exists()
    with pytest.raises(ValidationError):
        return_visit_complete(actor=world.butler_a.user, record=record, outcome="again")


def test_an_overdue_return_visit_escalates_to_the_manager(world):
    contact_record(
        actor=world.butler_a.user,
        company=world.company_a,
        channel="phone",
        summary="投诉处理",
        return_visit_in=1,
    )
    late = datetime(2026, 11, 4, 9, 5, tzinfo=SHANGHAI)  # due Tuesday the 3rd, not made
    reminders_send_due(now=late)
    notice = world.manager.notices.get()
    assert "2026-11-03" in notice.title and world.company_a.name in notice.title
    assert "投诉处理" in notice.body


def test_a_contact_moves_the_no_contact_task(world):
    task = Reminder.objects.filter(subject=f"period:{world.period_a.pk}", kind="no_contact", status="pending")
    assert task.get().due_on == world.period_a.start_date
    with time_machine.travel(datetime(2026, 11, 20, 10, tzinfo=SHANGHAI), tick=True):
        contact_record(
            actor=world.butler_a.user, company=world.company_a, channel="wechat", summary="微信答复年审问题"
        )
    assert task.get().due_on == date(2026, 11, 20)


def test_a_contact_needs_a_summary_a_past_time_and_a_licence_of_its_own_company(world):
    other = CompanyLicence.objects.filter(company=world.company_b).first()
    with pytest.raises(ValidationError) as error:
        contact_record(
            actor=world.butler_a.user,
            company=world.company_a,
            channel="phone",
            summary="  ",
            occurred_at=datetime(2026, 11, 2, 9, tzinfo=SHANGHAI) + timedelta(days=3),
            licence=other,
            return_visit_in=90,
        )
    assert set(error.value.message_dict) == {"summary", "occurred_at", "licence", "return_visit_in"}
    assert not world.company_a.contact_records.exists()


def test_the_butler_records_a_contact_from_the_company_page_in_two_fields(client, world):
    from django.urls import reverse

    client.force_login(world.butler_a.user)
    url = reverse("contactlog:add", args=[world.company_a.pk])
    response = client.post(
        url, {"channel": "phone", "summary": "电话咨询道路运输证年审"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert (
        response.content.decode().count("contact-record") == 1
        and "电话咨询道路运输证年审" in response.content.decode()
    )
    record = world.company_a.contact_records.get()
    assert (record.recorded_by, record.period) == (world.butler_a.user, world.period_a)
    # A refused entry comes back with its errors and with what was typed.
    response = client.post(
        url, {"channel": "phone", "summary": "约定回访", "return_visit_in": "99"}, HTTP_HX_REQUEST="true"
    )
    page = response.content.decode()
    assert "约定回访" in page and "is-invalid" in page
    assert world.company_a.contact_records.count() == 1


def test_the_return_visit_is_recorded_on_its_page(client, world):
    from django.urls import reverse

    record = contact_record(
        actor=world.butler_a.user,
        company=world.company_a,
        channel="visit",
        summary="材料问题",
        return_visit_in=2,
    )
    client.force_login(world.butler_a.user)
    url = reverse("contactlog:return_visit", args=[record.pk])
    assert client.post(url, {"outcome": ""}).status_code == 200
    assert client.post(url, {"outcome": "企业已补齐"}).status_code == 302
    record.refresh_from_db()
    assert not record.return_visit_open and record.return_visit_outcome == "企业已补齐"
    assert client.get(url).status_code == 404  # nothing left to record


def test_a_past_butler_reads_the_log_but_cannot_add_to_it(client, world):
    from django.urls import reverse

    contact_record(actor=world.butler_a.user, company=world.company_a, channel="phone", summary="首次咨询")
    service_period_transfer(
        actor=world.manager, period=world.period_a, to_butler=world.butler_b, reason="岗位调整"
    )
    client.force_login(world.butler_a.user)
    page = client.get(reverse("company:detail", args=[world.company_a.pk])).content.decode()
    assert "首次咨询" in page and "contact-log-form" not in page
    response = client.post(
        reverse("contactlog:add", args=[world.company_a.pk]), {"channel": "phone", "summary": "x"}
    )
    assert response.status_code == 403


def test_after_a_transfer_the_old_butler_reads_only_the_contacts_they_recorded(client, world):
    from django.urls import reverse

    contact_record(
        actor=world.butler_a.user, company=world.company_a, channel="phone", summary="我记录的联系"
    )
    service_period_transfer(
        actor=world.manager, period=world.period_a, to_butler=world.butler_b, reason="岗位调整"
    )
    contact_record(
        actor=world.butler_b.user, company=world.company_a, channel="visit", summary="新管家的联系"
    )
    client.force_login(world.butler_a.user)
    page = client.get(reverse("company:detail", args=[world.company_a.pk])).content.decode()
    assert "我记录的联系" in page and "新管家的联系" not in page
    events = client.get(reverse("company:timeline", args=[world.company_a.pk])).context["events"]
    texts = [event.text for event in events if event.kind == "contact"]
    assert texts == ["我记录的联系"]
    client.force_login(world.butler_b.user)
    page = client.get(reverse("company:detail", args=[world.company_a.pk])).content.decode()
    assert "我记录的联系" in page and "新管家的联系" in page


def test_a_contact_is_recorded_from_a_portfolio_row(client, world):
    from django.urls import reverse

    client.force_login(world.butler_a.user)
    page = client.get(reverse("portfolio:list")).content.decode()
    url = reverse("contactlog:quick", args=[world.company_a.pk])
    assert url in page
    assert 'name="summary"' in client.get(url, HTTP_HX_REQUEST="true").content.decode()
    refused = client.post(url, {"channel": "phone", "summary": ""}, HTTP_HX_REQUEST="true").content.decode()
    assert "is-invalid" in refused and not world.company_a.contact_records.exists()
    done = client.post(url, {"channel": "wechat", "summary": "微信答复年审时间"}, HTTP_HX_REQUEST="true")
    assert "contact-log" in done.content.decode()
    assert world.company_a.contact_records.get().summary == "微信答复年审时间"


def test_the_licence_choice_leaves_out_fleet_certificates_that_are_in_order(world):
    from butler.contactlog.forms import ContactRecordForm
    from companies.services import vehicle_add

    for n in range(3):
        vehicle_add(
            actor=world.butler_a.user,
            company=world.company_a,
            plate=f"浙B5432{n}",
            vehicle_type="truck",
            total_mass_kg=18000,
        )
    certificates = CompanyLicence.objects.filter(company=world.company_a, vehicle__isnull=False)
    in_order, missing = certificates[0], certificates[1]
    CompanyLicence.objects.filter(pk=in_order.pk).update(status="issued")
    CompanyLicence.objects.filter(pk=missing.pk).update(status="missing")
    offered = set(ContactRecordForm(company=world.company_a).fields["licence"].queryset)
    company_own = CompanyLicence.objects.get(
        company=world.company_a, licence_type__code="road_freight_licence"
    )
    assert company_own in offered and missing in offered
    assert in_order not in offered
