"""The administrator's rules decide who is reminded of what, when and how; escalations and butler tasks."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from butler.licences.services import commitment_check, licence_step, trip_add
from butler.models import ReminderRule
from butler.service.planning import reminders_reconcile
from butler.service.services import service_period_transfer, service_periods_complete_due
from companies.models import CompanyLicence, LicenceStatus, LicenceType
from reminders.models import Reminder
from reminders.services import reminders_send_due

S = LicenceStatus
K = ReminderRule.Kind
SHANGHAI = ZoneInfo("Asia/Shanghai")


def _pending(subject, kind, **filters):
    return Reminder.objects.filter(subject=subject, kind=kind, status="pending", **filters)


def _deliver(now):
    reminders_send_due(now=now)


@pytest.fixture
def freight(world):
    return CompanyLicence.objects.get(company=world.company_a, licence_type__code="road_freight_licence")


@pytest.fixture
def issued(world, freight):
    licence_step(actor=world.butler_a.user, licence=freight, to=S.APPLIED, on=date(2026, 11, 2))
    return licence_step(
        actor=world.butler_a.user,
        licence=freight,
        to=S.ISSUED,
        on=date(2026, 11, 2),
        certificate_number="A-1",
    )


def test_a_licence_types_own_rule_overrides_the_default(world, issued):
    ReminderRule.objects.create(
        kind=K.RENEW_BY, licence_type=issued.licence_type, days="90, 10", to_company=True, by_sms=True
    )
    reminders_reconcile()
    renew = _pending(f"licence:{issued.pk}", K.RENEW_BY)
    assert set(renew.values_list("offset_days", flat=True)) == {90, 10}
    # Only the company now, by the portal, e-mail and SMS; the butler is no longer in this rule.
    assert set(renew.values_list("recipient", "channel")) == {
        (world.contact_a.pk, "in_app"),
        (world.contact_a.pk, "email"),
        (world.contact_a.pk, "sms"),
    }
    # Another licence type's rule leaves this one alone.
    ReminderRule.objects.create(
        kind=K.RENEW_BY,
        licence_type=LicenceType.objects.exclude(pk=issued.licence_type_id).first(),
        days="5",
        to_butler=True,
    )
    reminders_reconcile()
    assert set(renew.values_list("offset_days", flat=True)) == {90, 10}


def test_switching_a_rule_off_cancels_what_it_planned(world, issued):
    ReminderRule.objects.filter(kind=K.RENEW_BY, licence_type=None).update(active=False)
    reminders_reconcile()
    assert not _pending(f"licence:{issued.pk}", K.RENEW_BY).exists()
    assert Reminder.objects.filter(subject=f"licence:{issued.pk}", kind=K.RENEW_BY, status="cancelled")


def test_a_missed_deadline_to_obtain_escalates_to_the_manager_the_day_after(world, freight):
    CompanyLicence.objects.filter(pk=freight.pk).update(obtain_by=date(2026, 11, 10))
    reminders_reconcile()
    escalation = _pending(f"licence:{freight.pk}", K.OBTAIN_MISSED, recipient=world.manager)
    # The manager has no mobile on record: no staff chat for them.
    assert set(escalation.values_list("channel", flat=True)) == {"in_app", "email"}
    assert escalation.first().scheduled_at.astimezone(SHANGHAI) == datetime(2026, 11, 11, 9, tzinfo=SHANGHAI)
    _deliver(datetime(2026, 11, 11, 9, 5, tzinfo=SHANGHAI))
    notice = world.manager.notices.get()
    assert "2026-11-10" in notice.title and world.company_a.name in notice.body


def test_a_licence_obtained_in_time_is_not_escalated(world, freight):
    CompanyLicence.objects.filter(pk=freight.pk).update(obtain_by=date(2026, 11, 10))
    reminders_reconcile()
    licence_step(actor=world.butler_a.user, licence=freight, to=S.APPLIED, on=date(2026, 11, 2))
    licence_step(
        actor=world.butler_a.user,
        licence=freight,
        to=S.ISSUED,
        on=date(2026, 11, 2),
        certificate_number="A-2",
    )
    assert not _pending(f"licence:{freight.pk}", K.OBTAIN_MISSED).exists()
    _deliver(datetime(2026, 11, 11, 9, 5, tzinfo=SHANGHAI))
    assert not world.manager.notices.exists()


def test_an_expiry_without_renewal_escalates_and_a_renewal_application_stops_it(world, issued):
    expired = _pending(f"licence:{issued.pk}", K.EXPIRED)
    assert set(expired.values_list("recipient", flat=True)) == {
        world.manager.pk,
        world.butler_a.user.pk,
        world.contact_a.pk,
    }
    assert expired.first().due_on == issued.expires_on
    licence_step(actor=world.butler_a.user, licence=issued, to=S.RENEWAL_APPLIED, on=date(2026, 11, 2))
    assert not _pending(f"licence:{issued.pk}", K.EXPIRED).exists()


def test_a_contact_chooses_sms_or_the_portal_for_reminders_that_are_not_statutory(world, freight):
    contact = world.company_a.contacts.get()
    ReminderRule.objects.filter(kind=K.OBTAIN_BY, licence_type=None).update(statutory=False)
    contact.reminder_channel = "sms"
    contact.save()
    reminders_reconcile()
    mine = _pending(f"licence:{freight.pk}", K.OBTAIN_BY, recipient=world.contact_a)
    assert set(mine.values_list("channel", flat=True)) == {"in_app", "sms"}
    contact.reminder_channel = "in_app"
    contact.save()
    reminders_reconcile()
    assert set(mine.values_list("channel", flat=True)) == {"in_app"}
    # The butler keeps the rule's channels whatever the company chose.
    butler = _pending(f"licence:{freight.pk}", K.OBTAIN_BY, recipient=world.butler_a.user)
    assert set(butler.values_list("channel", flat=True)) == {"in_app", "email"}


def test_a_statutory_renewal_deadline_reaches_the_company_by_e_mail_whatever_it_chose(world, issued):
    # The last day to apply for renewal is the law's (statutory): the contact cannot switch it off.
    contact = world.company_a.contacts.get()
    contact.reminder_channel = "in_app"
    contact.save()
    reminders_reconcile()
    mine = _pending(f"licence:{issued.pk}", K.RENEW_BY, recipient=world.contact_a)
    assert set(mine.values_list("channel", flat=True)) == {"in_app", "email", "sms"}


def test_a_commitment_to_check_is_a_task_for_the_butler_and_ends_with_the_check(world, freight):
    LicenceType.objects.filter(pk=freight.licence_type_id).update(by_commitment=True, verify_within_days=60)
    freight.licence_type.refresh_from_db()
    licence_step(actor=world.butler_a.user, licence=freight, to=S.APPLIED, on=date(2026, 11, 2))
    licence = licence_step(
        actor=world.butler_a.user,
        licence=freight,
        to=S.ISSUED,
        on=date(2026, 11, 2),
        certificate_number="A-1",
        commitment="承诺书 甬运承〔2026〕21号",
    )
    tasks = _pending(f"licence:{licence.pk}", K.VERIFY_BY)
    assert set(tasks.values_list("recipient", "due_on")) == {(world.butler_a.user.pk, date(2027, 1, 1))}
    _deliver(datetime(2026, 12, 25, 10, tzinfo=SHANGHAI))  # 7 days before
    notice = world.butler_a.user.notices.get(title__contains="承诺")
    assert notice.title == f"{licence}：请于 2027-01-01 前核查告知承诺"
    commitment_check(actor=world.butler_a.user, licence=licence, on=date(2026, 11, 2), kept=True)
    assert not tasks.exists()


def test_the_windows_target_date_follows_the_companys_choice_of_channel(world, freight):
    # The obtain-by date is the window's own target (取证期限), not a statutory deadline.
    contact = world.company_a.contacts.get()
    contact.reminder_channel = "in_app"
    contact.save()
    reminders_reconcile()
    mine = _pending(f"licence:{freight.pk}", K.OBTAIN_BY, recipient=world.contact_a)
    assert set(mine.values_list("channel", flat=True)) == {"in_app"}


def test_the_butler_gets_a_task_when_a_company_has_not_been_contacted_for_thirty_days(world, freight):
    subject = f"period:{world.period_a.pk}"
    task = _pending(subject, K.NO_CONTACT).get()
    assert task.recipient == world.butler_a.user
    assert task.scheduled_at.date() == world.period_a.start_date + timedelta(days=30)
    # A visit to the window is contact: the task moves to thirty days after it.
    trip_add(actor=world.butler_a.user, licence=freight, on=date(2026, 11, 2), purpose="咨询")
    assert _pending(subject, K.NO_CONTACT).get().due_on == date(2026, 11, 2)
    _deliver(datetime(2026, 12, 2, 9, 5, tzinfo=SHANGHAI))
    notice = world.butler_a.user.notices.get(title__contains="2026-11-02")
    assert world.company_a.name in notice.title and notice.url == f"/companies/{world.company_a.pk}/"


def test_the_butler_is_told_fourteen_days_before_the_period_ends(world):
    tasks = _pending(f"period:{world.period_a.pk}", K.PERIOD_ENDING)
    assert set(tasks.values_list("recipient", "channel")) == {
        (world.butler_a.user.pk, "in_app"),
        (world.butler_a.user.pk, "email"),
    }
    assert tasks.first().due_on == world.period_a.end_date
    assert tasks.first().scheduled_at.date() == world.period_a.end_date - timedelta(days=14)


def test_a_transfer_moves_the_tasks_and_licence_reminders_to_the_new_butler(world, issued):
    service_period_transfer(
        actor=world.manager, period=world.period_a, to_butler=world.butler_b, reason="岗位调整"
    )
    assert not _pending(f"period:{world.period_a.pk}", K.PERIOD_ENDING).exists()
    new_period = world.company_a.service_periods.get(status="active")
    assert set(_pending(f"period:{new_period.pk}", K.PERIOD_ENDING).values_list("recipient", flat=True)) == {
        world.butler_b.user.pk
    }
    renew = _pending(f"licence:{issued.pk}", K.RENEW_BY)
    assert world.butler_b.user.pk in set(renew.values_list("recipient", flat=True))
    assert world.butler_a.user.pk not in set(renew.values_list("recipient", flat=True))


def test_when_the_service_ends_butler_tasks_stop_and_licence_reminders_go_on_for_the_company(world, issued):
    service_periods_complete_due(today=world.period_a.end_date)
    assert not Reminder.objects.filter(subject=f"period:{world.period_a.pk}", status="pending").exists()
    renew = _pending(f"licence:{issued.pk}", K.RENEW_BY)
    assert set(renew.values_list("recipient", flat=True)) == {world.contact_a.pk}


def test_a_rule_needs_valid_days_and_a_recipient(db):
    from django.core.exceptions import ValidationError

    rule = ReminderRule(kind=K.RENEW_BY, days="60, 三十", to_company=True)
    with pytest.raises(ValidationError) as error:
        rule.full_clean()
    assert "days" in error.value.message_dict
    rule = ReminderRule(kind=K.NO_CONTACT, days="30", licence_type=LicenceType(pk=1))
    with pytest.raises(ValidationError) as error:
        rule.clean()
    assert "licence_type" in error.value.message_dict
    with pytest.raises(ValidationError):
        ReminderRule(kind=K.NO_CONTACT, days="30").clean()


def test_a_vehicle_added_in_the_page_has_its_deadline_reminded_at_once(client, world):
    from django.urls import reverse

    client.force_login(world.butler_a.user)
    response = client.post(
        reverse("licences:subject_add", args=[world.company_a.pk, "vehicle"]),
        {"plate": "浙B7K351", "vehicle_type": "truck", "total_mass_kg": 18000},
    )
    assert response.status_code == 302
    certificate = CompanyLicence.objects.get(company=world.company_a, vehicle__plate="浙B7K351")
    assert certificate.obtain_by is not None
    assert _pending(f"licence:{certificate.pk}", K.OBTAIN_BY, recipient=world.butler_a.user).exists()
