from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from butler.firstvisit import services as first_visit_services
from butler.firstvisit.services import FirstVisit, first_visit_accept, first_visit_register
from butler.models import PortalInvitation, ServicePeriod
from butler.service.invitations import invitation_accept, invitation_by_token, invitation_issue
from butler.service.services import (
    _period_open,
    butler_create,
    service_period_end_early,
    service_period_transfer,
    service_periods_complete_due,
)
from companies.models import Company
from tests.conftest import make_butler, make_user, register, registration
from tests.factories import credit_code


def test_first_visit_makes_the_accepting_clerk_the_butler_for_180_days(world):
    company = register(world.butler_a.user, 10)
    visit = first_visit_accept(actor=world.butler_b.user, company_id=company.pk, today=date(2026, 3, 2))
    assert visit.created
    assert visit.period.butler == world.butler_b
    assert visit.period.start_date == date(2026, 3, 2)
    assert visit.period.end_date == date(2026, 8, 29)
    assert visit.period.status == ServicePeriod.Status.ACTIVE
    assert visit.period.card_number == "BL-2026-0003"  # the world's two periods took 0001 and 0002


def test_card_numbers_run_per_year(world):
    first = first_visit_accept(
        actor=world.butler_a.user, company_id=register(world.manager, 11).pk, today=date(2027, 1, 4)
    ).period
    second = first_visit_accept(
        actor=world.butler_a.user, company_id=register(world.manager, 12).pk, today=date(2027, 1, 5)
    ).period
    assert (first.card_number, second.card_number) == ("BL-2027-0001", "BL-2027-0002")


def test_second_acceptance_of_same_company_keeps_first_butler(world):
    again = first_visit_accept(actor=world.butler_b.user, company_id=world.company_a.pk)
    assert not again.created
    assert again.period == world.period_a
    assert again.period.butler == world.butler_a
    assert ServicePeriod.objects.filter(company=world.company_a).count() == 1


def test_a_company_whose_service_ended_gets_no_second_first_visit(world):
    service_period_end_early(actor=world.manager, period=world.period_a, reason="企业已注销")
    again = first_visit_accept(actor=world.butler_b.user, company_id=world.company_a.pk)
    assert not again.created
    assert again.period.status == ServicePeriod.Status.ENDED_EARLY


def test_only_active_butlers_accept_companies(world):
    inactive = make_butler("retired", "退休", active=False)
    with pytest.raises(ValidationError):
        first_visit_accept(actor=inactive.user, company_id=register(world.manager, 13).pk)
    with pytest.raises(ValidationError):
        first_visit_accept(actor=world.manager, company_id=register(world.manager, 14).pk)


def test_first_visit_issues_a_portal_invitation_for_the_primary_contact(world):
    company = register(world.butler_a.user, 15)
    visit = first_visit_accept(actor=world.butler_a.user, company_id=company.pk)
    invitation = invitation_by_token(visit.invitation_token)
    assert invitation.contact == company.contacts.get(is_primary=True)
    assert invitation.is_usable()
    assert visit.invitation_token not in invitation.token_hash  # only the hash is stored


def test_registering_an_existing_code_returns_the_existing_company(world):
    visit = first_visit_register(
        actor=world.butler_b.user,
        registration=registration(1, name="另一个名字", credit_code=world.company_a.credit_code),
    )
    assert not visit.company_created and not visit.created
    assert visit.period == world.period_a
    assert Company.objects.filter(credit_code=world.company_a.credit_code).get().name == world.company_a.name


def test_first_visit_register_creates_company_contact_and_period(world):
    visit = first_visit_register(
        actor=world.butler_a.user,
        registration=registration(
            77,
            name="宁波北仑港泰危险品运输有限公司",
            credit_code=credit_code(77).lower(),
            registered_on=date(2026, 11, 2),
            contact_mobile="+86 138 0574 0077",
        ),
    )
    assert visit.created and visit.company_created
    company = visit.period.company
    assert company.credit_code == credit_code(77)
    assert company.contacts.get().mobile == "13805740077"
    assert company.contacts.get().is_primary


def test_history_records_the_acting_user(world):
    assert world.company_a.history.earliest().history_user == world.butler_a.user
    assert world.period_a.history.earliest().history_user == world.butler_a.user
    service_period_transfer(
        actor=world.manager, period=world.period_a, to_butler=world.butler_b, reason="岗位调整"
    )
    assert world.period_a.history.latest().history_user == world.manager
    assert world.period_a.history.latest().status == ServicePeriod.Status.TRANSFERRED


def test_transfer_keeps_end_date_issues_new_card_and_tells_the_company(
    world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        new = service_period_transfer(
            actor=world.manager, period=world.period_a, to_butler=world.butler_b, reason="原管家岗位调整"
        )
    old = ServicePeriod.objects.get(pk=world.period_a.pk)
    assert old.status == ServicePeriod.Status.TRANSFERRED
    assert old.reason == "原管家岗位调整"
    assert old.ended_on is not None
    assert new.butler == world.butler_b
    assert new.end_date == old.end_date
    assert new.card_number != old.card_number
    assert new.previous == old
    assert ServicePeriod.objects.active().get(company=world.company_a) == new
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["a@company-a.example"]
    assert "张伟" in mail.outbox[0].body and new.card_number in mail.outbox[0].body


@pytest.mark.parametrize("reason", ["", "   "])
def test_transfer_and_early_end_need_a_reason(world, reason):
    with pytest.raises(ValidationError) as caught:
        service_period_transfer(
            actor=world.manager, period=world.period_a, to_butler=world.butler_b, reason=reason
        )
    assert "reason" in caught.value.message_dict
    with pytest.raises(ValidationError):
        service_period_end_early(actor=world.manager, period=world.period_a, reason=reason)
    assert ServicePeriod.objects.get(pk=world.period_a.pk).is_active


def test_transfer_to_the_same_or_an_inactive_butler_is_refused(world):
    with pytest.raises(ValidationError):
        service_period_transfer(
            actor=world.manager, period=world.period_a, to_butler=world.butler_a, reason="x"
        )
    inactive = make_butler("gone", "离岗", active=False)
    with pytest.raises(ValidationError):
        service_period_transfer(actor=world.manager, period=world.period_a, to_butler=inactive, reason="x")


def test_early_end_keeps_reason_and_date(world):
    period = service_period_end_early(
        actor=world.manager, period=world.period_b, reason="企业整体迁出北仑区", today=date(2026, 12, 1)
    )
    assert period.status == ServicePeriod.Status.ENDED_EARLY
    assert period.ended_on == date(2026, 12, 1)
    with pytest.raises(ValidationError):
        service_period_end_early(actor=world.manager, period=period, reason="again")


def test_periods_complete_on_day_180(world):
    end = world.period_a.end_date
    assert service_periods_complete_due(today=end - timedelta(days=1)) == 0
    assert service_periods_complete_due(today=end) == 2
    period = ServicePeriod.objects.get(pk=world.period_a.pk)
    assert period.status == ServicePeriod.Status.COMPLETED
    assert period.ended_on == end
    assert service_periods_complete_due(today=end) == 0


def test_invitation_accept_creates_a_company_account(world):
    company = register(world.butler_a.user, 20, email="boss@example.com")
    token = first_visit_accept(actor=world.butler_a.user, company_id=company.pk).invitation_token
    user = invitation_accept(raw_token=token, mobile="13900000020", password="a-Long-pass-2026")
    contact = company.contacts.get()
    assert contact.user == user
    assert user.groups.filter(name="Company").exists()
    assert user.check_password("a-Long-pass-2026")
    with pytest.raises(ValidationError):  # single use
        invitation_accept(raw_token=token, mobile="13900000020", password="a-Long-pass-2026")


def test_invitation_needs_the_mobile_on_record(world):
    company = register(world.butler_a.user, 21)
    token = first_visit_accept(actor=world.butler_a.user, company_id=company.pk).invitation_token
    with pytest.raises(ValidationError) as caught:
        invitation_accept(raw_token=token, mobile="13912345678", password="a-Long-pass-2026")
    assert "mobile" in caught.value.message_dict
    assert company.contacts.get().user is None


def test_expired_and_replaced_invitations_do_not_work(world):
    company = register(world.butler_a.user, 22)
    contact = company.contacts.get()
    old_invitation, old_token = invitation_issue(actor=world.butler_a.user, contact=contact)
    _new, new_token = invitation_issue(actor=world.butler_a.user, contact=contact)
    with pytest.raises(ValidationError):
        invitation_accept(raw_token=old_token, mobile=contact.mobile, password="a-Long-pass-2026")
    PortalInvitation.objects.filter(pk=_new.pk).update(expires_at=_new.created_at)
    with pytest.raises(ValidationError):
        invitation_accept(raw_token=new_token, mobile=contact.mobile, password="a-Long-pass-2026")


def test_contact_can_sign_in_with_mobile(world, client):
    from django.contrib.auth import authenticate

    assert (
        authenticate(username=world.contact_a.contact.mobile, password="correct-horse-battery")
        == world.contact_a
    )
    assert authenticate(username="+86 " + world.contact_a.contact.mobile, password="correct-horse-battery")
    assert authenticate(username=world.contact_a.contact.mobile, password="wrong") is None


def test_butler_profile_requires_valid_phones(world):
    with pytest.raises(ValidationError):
        butler_create(
            actor=None, user=make_user("bad"), display_name="x", window="w", office_phone="123", mobile=""
        )


def test_simultaneous_acceptance_without_the_lock_is_stopped_by_the_database(world, monkeypatch):
    """Even if the row lock were lost, the partial unique index keeps one active period, and the loser
    is told who the butler is."""

    company = register(world.manager, 30)
    winner = first_visit_accept(actor=world.butler_a.user, company_id=company.pk).period
    monkeypatch.setattr(
        first_visit_services,
        "_first_visit_accept_locked",
        lambda **kwargs: FirstVisit(
            period=_period_open(
                actor=kwargs["actor"],
                company=company,
                butler=kwargs["butler"],
                start=date(2026, 11, 2),
                end=date(2027, 5, 1),
            ),
            created=True,
        ),
    )
    again = first_visit_accept(actor=world.butler_b.user, company_id=company.pk)
    assert not again.created
    assert again.period == winner
    assert ServicePeriod.objects.filter(company=company).count() == 1


def test_history_records_actor_of_early_end_contact_edit_and_activation(world):
    from companies.services import contact_update

    service_period_end_early(actor=world.manager, period=world.period_b, reason="企业已注销")
    assert world.period_b.history.latest().history_user == world.manager
    contact = world.company_a.contacts.get()
    contact_update(actor=world.butler_a.user, contact=contact, position="总经理")
    assert contact.history.latest().history_user == world.butler_a.user
    extra = world.company_a.contacts.create(name="孙丽", mobile="13900000888")
    _invitation, token = invitation_issue(actor=world.butler_a.user, contact=extra)
    user = invitation_accept(raw_token=token, mobile="13900000888", password="Beilun-2026!")
    assert extra.history.latest().history_user == user


def test_staff_cannot_redirect_a_portal_account_by_editing_the_contact_email(world):
    from companies.services import contact_update

    contact = world.contact_a.contact
    world.contact_a.email = "owner@company-a.example"
    world.contact_a.save()
    contact_update(actor=world.butler_a.user, contact=contact, email="someone-else@example.com")
    world.contact_a.refresh_from_db()
    assert world.contact_a.email == "owner@company-a.example"


def test_a_second_primary_contact_takes_over_the_role(world):
    from companies.services import contact_add

    first = world.company_a.contacts.get()
    second = contact_add(
        actor=world.butler_a.user,
        company=world.company_a,
        name="新联系人",
        mobile="13900000555",
        is_primary=True,
    )
    first.refresh_from_db()
    assert second.is_primary and not first.is_primary


def test_a_future_registration_date_is_refused(world):
    from companies.services import company_register

    with pytest.raises(ValidationError) as caught:
        company_register(actor=world.manager, registration=registration(31, registered_on=date(2027, 1, 1)))
    assert "registered_on" in caught.value.message_dict


def test_contact_errors_name_the_contact_field(world):
    from companies.services import company_register

    with pytest.raises(ValidationError) as caught:
        company_register(
            actor=world.manager, registration=registration(32, contact_email="x" * 250 + "@ex.com")
        )
    assert "contact_email" in caught.value.message_dict
    assert not Company.objects.filter(credit_code=credit_code(32)).exists()


def test_inactive_butler_can_no_longer_change_their_companies(world):
    from butler.service.access import can_serve

    assert can_serve(world.butler_a.user, world.company_a)
    world.butler_a.active = False
    world.butler_a.save()
    assert not can_serve(world.butler_a.user, world.company_a)
