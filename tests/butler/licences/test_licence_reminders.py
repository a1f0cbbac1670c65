"""Licence deadlines become reminders for the company and its butler, and stay true to the data."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from butler.licences.services import licence_step
from butler.models import ReminderRule
from butler.service.planning import reminders_reconcile
from companies.models import CompanyLicence, LicenceStatus
from reminders.models import Reminder
from reminders.services import reminders_send_due
from tests.conftest import issue_road_freight_licence

S = LicenceStatus
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def issued(world):
    return issue_road_freight_licence(world)


def test_an_issued_licence_is_reminded_before_the_last_day_to_renew(world, issued):
    renew = Reminder.objects.filter(subject=f"licence:{issued.pk}", kind="renew_by", status="pending")
    assert set(renew.values_list("due_on", flat=True)) == {issued.renew_by}
    assert set(renew.values_list("offset_days", flat=True)) == {60, 30, 7, 1}
    assert set(renew.values_list("recipient", flat=True)) == {world.contact_a.pk, world.butler_a.user.pk}
    assert not Reminder.objects.filter(
        subject=f"licence:{issued.pk}", kind="obtain_by", status="pending"
    ).exists()


def test_applying_for_renewal_cancels_the_pending_reminders(world, issued):
    licence_step(actor=world.butler_a.user, licence=issued, to=S.RENEWAL_APPLIED, on=date(2026, 11, 2))
    assert not Reminder.objects.filter(subject=f"licence:{issued.pk}", status="pending").exists()


def test_a_date_changed_behind_the_services_back_is_planned_by_the_next_reconcile(world, issued):
    CompanyLicence.objects.filter(pk=issued.pk).update(renew_by=date(2029, 3, 1))
    reminders_reconcile()
    pending = Reminder.objects.filter(subject=f"licence:{issued.pk}", kind="renew_by", status="pending")
    assert set(pending.values_list("due_on", flat=True)) == {date(2029, 3, 1)}


def test_a_reminder_for_a_licence_resolved_meanwhile_is_skipped_with_the_reason(world, issued):
    CompanyLicence.objects.filter(pk=issued.pk).update(status=S.RENEWAL_APPLIED)
    later = datetime(2030, 12, 1, 10, 0, tzinfo=SHANGHAI)
    reminders_send_due(now=later)
    skipped = Reminder.objects.filter(subject=f"licence:{issued.pk}", status="skipped")
    assert skipped.exists()
    assert skipped.first().reason == "resolved: the licence moved on meanwhile"


def test_the_reminder_says_what_is_due_by_when_and_who_the_butler_is(world, issued):
    later = datetime(2030, 10, 1, 10, 0, tzinfo=SHANGHAI)  # the day before the last day to apply
    reminders_send_due(now=later)
    notice = world.contact_a.notices.first()
    assert issued.renew_by.isoformat() in notice.title
    assert "王丽娜" in notice.body and "0574-86861234" in notice.body


def test_the_sms_is_short_and_the_email_links_to_the_public_address(world, issued, settings, caplog):
    import logging

    from django.core import mail

    settings.BUTLER_PUBLIC_URL = "https://butler.example.gov.cn"
    # Only the renewal here: the invitation to rate the licence just issued would have gone in 2026.
    ReminderRule.objects.filter(kind__startswith="rate_").update(active=False)
    reminders_reconcile()
    later = datetime(2030, 10, 1, 10, 0, tzinfo=SHANGHAI)
    with caplog.at_level(logging.INFO, logger="reminders.sms"):
        reminders_send_due(now=later)
    # (Company B's contact chose texts for what is not statutory: its obtain-by target goes by SMS too.)
    texts = [record.getMessage() for record in caplog.records if record.name == "reminders.sms"]
    texts = [text for text in texts if "申请延续" in text]
    assert texts and all("2030-10-02" in text and "0574-86861234" in text for text in texts)
    assert not any("道路货物运输经营申请表" in text for text in texts)  # the materials are in the e-mail
    to_company = next(message for message in mail.outbox if message.to == ["a@company-a.example"])
    assert "https://butler.example.gov.cn/portal/licences/" in to_company.body
    assert "道路货物运输经营申请表" in to_company.body
