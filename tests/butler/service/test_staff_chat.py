"""The staff chat reaches the window's own people — the butler and the managers — for their urgent items,
and never a company's contact (nor the reviewer outside the window), whatever a rule or a contact's choice
says."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.test import override_settings

from butler.models import Butler, ReminderRule
from butler.service.planning import reminders_reconcile
from butler.service.rule_defaults import chat_for_urgent_staff_items
from butler.service.rules import Audience, managers
from companies.models import CompanyLicence, LicenceType
from reminders.models import OutboxMessage, Reminder
from reminders.services import reminders_send_due
from tests.conftest import issue_road_freight_licence, make_user
from tests.integration.sinks import ChatRobot

K = ReminderRule.Kind
SHANGHAI = ZoneInfo("Asia/Shanghai")
URGENT_FOR_STAFF = {
    "obtain_missed",
    "expired",
    "obligation_late",
    "return_visit",
    "return_visit_late",
    "audit_step",
    "audit_late",
}


def _channels(subject, kind, user) -> set[str]:
    pending = Reminder.objects.filter(subject=subject, kind=kind, recipient=user, status="pending")
    return set(pending.values_list("channel", flat=True))


@pytest.fixture
def robot():
    robot = ChatRobot().start()
    with override_settings(
        BUTLER_CHAT_BACKEND="http", BUTLER_CHAT_WEBHOOK_URL=robot.url, BUTLER_CHAT_SECRET=robot.secret
    ):
        yield robot
    robot.stop()


def test_the_default_rules_put_the_staffs_urgent_items_in_the_chat(world):
    with_chat = ReminderRule.objects.filter(licence_type=None, by_chat=True)
    assert set(with_chat.values_list("kind", flat=True)) == URGENT_FOR_STAFF


def test_the_migration_switches_the_chat_on_for_the_default_urgent_rules_only(world):
    ReminderRule.objects.update(by_chat=False)
    own = ReminderRule.objects.create(
        kind=K.EXPIRED, licence_type=LicenceType.objects.first(), days="1", to_butler=True
    )
    assert chat_for_urgent_staff_items(ReminderRule) == len(URGENT_FOR_STAFF)
    with_chat = ReminderRule.objects.filter(by_chat=True)
    assert set(with_chat.values_list("kind", "licence_type")) == {(kind, None) for kind in URGENT_FOR_STAFF}
    own.refresh_from_db()
    assert own.by_chat is False  # a licence type's own rule is the administrator's: left as it is


def give_mobile(user, mobile: str):
    """A manager's mobile is recorded as a butler's record of theirs, in the admin."""
    Butler.objects.create(
        user=user,
        display_name="周主任",
        window="北仑区行政服务中心",
        office_phone="0574-86860000",
        mobile=mobile,
    )
    return user


def test_an_expiry_reaches_the_butler_and_the_manager_in_the_chat_and_the_contact_without_it(world):
    give_mobile(world.manager, "13705740001")
    licence = issue_road_freight_licence(world)
    subject = f"licence:{licence.pk}"
    # Statutory, to the company, the butler and the managers, with the staff chat: the contact gets the
    # rest of the rule's channels.
    assert _channels(subject, K.EXPIRED, world.contact_a) == {"in_app", "email"}
    assert _channels(subject, K.EXPIRED, world.butler_a.user) == {"in_app", "email", "chat"}
    assert _channels(subject, K.EXPIRED, world.manager) == {"in_app", "email", "chat"}
    # Not an urgent item: no chat.
    assert _channels(subject, K.RENEW_BY, world.butler_a.user) == {"in_app", "email", "sms"}


def test_a_contact_whose_choice_reads_chat_is_still_not_reminded_in_the_staff_chat(world):
    freight = CompanyLicence.objects.get(company=world.company_a, licence_type__code="road_freight_licence")
    ReminderRule.objects.filter(kind=K.OBTAIN_BY, licence_type=None).update(statutory=False, by_chat=True)
    world.company_a.contacts.update(reminder_channel="chat")  # written behind the form's back
    reminders_reconcile()
    subject = f"licence:{freight.pk}"
    assert _channels(subject, K.OBTAIN_BY, world.contact_a) == {"in_app"}
    assert _channels(subject, K.OBTAIN_BY, world.butler_a.user) == {"in_app", "email", "chat"}


def test_the_reviewer_outside_the_window_gets_the_rules_channels_but_not_the_staff_chat(world):
    give_mobile(world.manager, "13705740001")
    reviewer = make_user("reviewer", email="reviewer@zwfw.example")
    rule = ReminderRule(kind=K.AUDIT_STEP, days="1,0", to_butler=True, to_manager=True, by_chat=True)
    routes = Audience(butler=world.butler_a.user, managers=managers(), reviewers=[reviewer]).routes(rule)
    assert routes == [
        (world.butler_a.user, ("in_app", "email", "chat")),
        (world.manager, ("in_app", "email", "chat")),
        (reviewer, ("in_app", "email")),
    ]


def test_a_manager_without_a_mobile_is_left_out_of_the_chat_not_failed(world):
    rule = ReminderRule(kind=K.AUDIT_STEP, days="1,0", to_butler=True, to_manager=True, by_chat=True)

    routes = Audience(butler=world.butler_a.user, managers=managers()).routes(rule)

    assert routes == [
        (world.butler_a.user, ("in_app", "email", "chat")),
        (world.manager, ("in_app", "email")),
    ]


def test_an_escalation_in_the_chat_mentions_the_butler_and_never_the_companys_contact(world, robot):
    freight = CompanyLicence.objects.get(company=world.company_a, licence_type__code="road_freight_licence")
    # The administrator sends this escalation to the company too, as a statutory one.
    ReminderRule.objects.filter(kind=K.OBTAIN_MISSED, licence_type=None).update(
        to_company=True, statutory=True
    )
    CompanyLicence.objects.filter(pk=freight.pk).update(obtain_by=date(2026, 11, 10))
    reminders_reconcile()

    reminders_send_due(now=datetime(2026, 11, 11, 9, 5, tzinfo=SHANGHAI))

    contact_mobile = world.company_a.contacts.get().mobile
    (post,) = robot.accepted
    assert post.at_mobiles == (world.butler_a.mobile,) and post.mentioned == (world.butler_a.mobile,)
    assert post.content.endswith(f"\n@{world.butler_a.mobile}")
    assert "2026-11-10" in post.content and world.company_a.name in post.content
    assert all(contact_mobile not in (*p.at_mobiles, *p.mentioned, p.content) for p in robot.received)
    # The manager has no mobile on record: the chat is left out for them (they still get the rest).
    assert not OutboxMessage.objects.filter(recipient=world.manager, channel="chat").exists()
    assert OutboxMessage.objects.filter(recipient=world.manager, channel="in_app").exists()
    assert not OutboxMessage.objects.filter(recipient=world.contact_a, channel="chat").exists()
