"""Ratings and suggestions as given, the audit of each with its working-day deadlines, the invitations to
rate, and improvement actions measured in materials."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.utils import DatabaseError
from django.utils import translation

from butler.feedback import cases
from butler.feedback.improvements import (
    improvement_create,
    licence_type_counts,
    material_reduction,
)
from butler.feedback.ratings import rateable_for, rating_submit, suggestion_submit
from butler.licences.services import licence_step
from butler.models import AuditCase, ContactRecord, FeedbackImmutable, Rating, ReminderRule, Suggestion
from butler.oversight.dashboard import dashboard_figures
from butler.security import roles
from butler.service.planning import reminders_reconcile
from companies.models import CompanyLicence, LicenceMaterial, LicenceStatus
from reminders.models import Reminder
from reminders.services import reminders_send_due
from tests.conftest import make_user

S = LicenceStatus
K = ReminderRule.Kind
Step = AuditCase.Step
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def in_english():
    with translation.override("en"):
        yield


def _at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI)


def _deliver(now):
    reminders_send_due(now=now)


@pytest.fixture
def issued(world):
    licence = CompanyLicence.objects.get(company=world.company_a, licence_type__code="road_freight_licence")
    licence_step(actor=world.butler_a.user, licence=licence, to=S.APPLIED, on=date(2026, 11, 2))
    return licence_step(
        actor=world.butler_a.user,
        licence=licence,
        to=S.ISSUED,
        on=date(2026, 11, 2),
        certificate_number="A-1",
    )


@pytest.fixture
def bad(world, issued) -> AuditCase:
    rating = rating_submit(
        actor=world.contact_a, kind="matter", licence=issued, overall=1, attitude=2, comment="跑了三趟"
    )
    return rating.case


# --- ratings ----------------------------------------------------------------------------------------------


def test_a_good_rating_is_kept_with_its_dimensions_and_opens_no_case(world, issued):
    rating = rating_submit(
        actor=world.contact_a,
        kind="matter",
        licence=issued,
        overall=5,
        efficiency=4,
        service_level=5,
        attitude=5,
        comment=" 一次办好 ",
    )
    assert (rating.overall, rating.efficiency, rating.comment) == (5, 4, "一次办好")
    assert rating.butler == world.butler_a and rating.company == world.company_a
    assert not AuditCase.objects.exists()
    assert issued not in rateable_for(world.contact_a.contact).licences


def test_one_rating_per_matter_per_contact(world, issued):
    rating_submit(actor=world.contact_a, kind="matter", licence=issued, overall=4)
    with pytest.raises(ValidationError, match="already rated"):
        rating_submit(actor=world.contact_a, kind="matter", licence=issued, overall=1, comment="跑了三趟")
    assert Rating.objects.count() == 1
    assert not AuditCase.objects.exists()


@pytest.mark.parametrize("stars", [0, 6, "five", None])
def test_stars_outside_one_to_five_are_refused(world, stars):
    with pytest.raises(ValidationError) as error:
        rating_submit(actor=world.contact_a, kind="butler", overall=stars)
    assert "overall" in error.value.message_dict
    assert not Rating.objects.exists()


def test_a_company_cannot_rate_another_companys_licence_or_a_licence_not_issued(world, issued):
    with pytest.raises(ValidationError):
        rating_submit(actor=world.contact_b, kind="matter", licence=issued, overall=5)
    unissued = CompanyLicence.objects.filter(company=world.company_a).exclude(pk=issued.pk).first()
    with pytest.raises(ValidationError):
        rating_submit(actor=world.contact_a, kind="matter", licence=unissued, overall=5)
    with pytest.raises(PermissionDenied):
        rating_submit(actor=world.butler_a.user, kind="butler", overall=5)
    assert not Rating.objects.exists()


def test_a_licence_issued_longer_ago_than_the_window_can_no_longer_be_rated(world, issued, settings):
    later = _at(date(2026, 11, 2) + timedelta(days=settings.BUTLER_RATING_WINDOW_DAYS + 1))
    with time_machine.travel(later), pytest.raises(ValidationError, match="cannot be rated"):
        rating_submit(actor=world.contact_a, kind="matter", licence=issued, overall=5)


def test_nobody_can_change_or_delete_a_rating_or_a_suggestion(world, issued):
    rating = rating_submit(
        actor=world.contact_a, kind="matter", licence=issued, overall=1, comment="跑了三趟"
    )
    suggestion = suggestion_submit(actor=world.contact_a, category="materials", text="复印件太多")
    for record in (rating, suggestion):
        with pytest.raises(FeedbackImmutable):
            record.save()
        with pytest.raises(FeedbackImmutable):
            record.delete()
        with pytest.raises(FeedbackImmutable):
            type(record).objects.filter(pk=record.pk).update(company=world.company_b)
        with pytest.raises(FeedbackImmutable):
            type(record).objects.filter(pk=record.pk).delete()
    # Below the models, the database itself refuses a change.
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE butler_rating SET overall = 5 WHERE id = %s", [rating.pk])
    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DELETE FROM butler_suggestion WHERE id = %s", [suggestion.pk])
    assert Rating.objects.get(pk=rating.pk).overall == 1
    assert Suggestion.objects.filter(pk=suggestion.pk).exists()


# --- invitations to rate ------------------------------------------------------------------------------------


def test_an_issued_licence_invites_the_contact_until_they_rate(world, issued):
    invitations = Reminder.objects.filter(subject=f"rate-licence:{issued.pk}", recipient=world.contact_a)
    assert invitations.filter(status="pending").exists()
    assert set(invitations.values_list("due_on", flat=True)) == {issued.issued_on}
    rating_submit(actor=world.contact_a, kind="matter", licence=issued, overall=5)
    assert not invitations.filter(status="pending").exists()
    assert set(invitations.values_list("reason", flat=True)) == {"resolved: rated"}
    reminders_reconcile()  # the reconcile does not invite them again
    assert not invitations.filter(status="pending").exists()


def test_a_refused_application_is_a_matter_the_company_may_rate(world):
    licence = CompanyLicence.objects.get(company=world.company_a, licence_type__code="road_freight_licence")
    licence_step(actor=world.butler_a.user, licence=licence, to=S.APPLIED, on=date(2026, 10, 26))
    refused = licence_step(
        actor=world.butler_a.user,
        licence=licence,
        to=S.REFUSED,
        on=date(2026, 11, 2),
        refusal_reasons="停车场地面积不足，不符合许可条件。",
    )
    invitations = Reminder.objects.filter(subject=f"rate-licence:{refused.pk}", recipient=world.contact_a)
    assert set(invitations.values_list("due_on", "status")) == {(date(2026, 11, 2), "pending")}
    assert [item.pk for item in rateable_for(world.contact_a.contact).licences] == [refused.pk]
    rating = rating_submit(
        actor=world.contact_a, kind="matter", licence=refused, overall=2, comment="理由没讲清"
    )
    assert rating.matter_key == f"licence:{refused.pk}:refused:2026-11-02"
    assert rating.case is not None  # a bad rating of a refusal is audited like any other
    assert not invitations.filter(status="pending").exists()


def test_the_invitation_goes_out_with_a_link_to_the_rating_form(world, issued):
    _deliver(_at(date(2026, 11, 2), 11))
    notice = world.contact_a.notices.get(url__startswith="/feedback/")
    assert notice.url == f"/feedback/rate/matter/{issued.pk}/"
    assert issued.licence_type.name_zh in notice.title  # written in the window's language


# --- audit cases --------------------------------------------------------------------------------------------


def test_a_bad_rating_opens_a_case_with_working_day_deadlines(world, bad):
    assert bad.step == Step.VERIFY and bad.concerns == world.butler_a
    assert bad.step_due == date(2026, 11, 3)  # the next working day
    assert bad.rectify_due == date(2026, 11, 23)  # 15 working days
    tasks = Reminder.objects.filter(subject=f"case:{bad.pk}", kind=K.AUDIT_STEP, status="pending")
    assert world.manager.pk in set(tasks.values_list("recipient", flat=True))


def test_the_whole_audit_life_cycle_with_its_deadlines(world, bad):
    manager = world.manager
    with time_machine.travel(_at(date(2026, 11, 3)), tick=False):
        case = cases.case_verify(actor=manager, case=bad, note="企业反映材料要求前后不一")
    assert (case.step, case.step_due, case.handler) == (Step.CLASSIFY, date(2026, 11, 5), manager)
    call = ContactRecord.objects.get(pk=case.verification_call_id)
    assert call.company == world.company_a and "材料要求前后不一" in call.summary
    with time_machine.travel(_at(date(2026, 11, 4)), tick=False):
        case = cases.case_classify(actor=manager, case=case, finding="valid")
    assert (case.step, case.step_due) == (Step.RECTIFY, date(2026, 11, 23))
    with time_machine.travel(_at(date(2026, 11, 13)), tick=False):
        case = cases.case_rectify(actor=manager, case=case, rectification="统一材料清单并公示")
    assert (case.step, case.step_due) == (Step.RETURN_VISIT, date(2026, 11, 20))
    with time_machine.travel(_at(date(2026, 11, 16)), tick=False):
        case = cases.case_return_visit(actor=manager, case=case, note="已告知企业整改情况")
    assert (case.step, case.step_due) == (Step.CLOSE, date(2026, 11, 18))
    with time_machine.travel(_at(date(2026, 11, 17)), tick=False):
        case = cases.case_close(actor=manager, case=case, note="已整改")
    assert case.is_closed and case.step_due is None
    assert not Reminder.objects.filter(subject=f"case:{case.pk}", status="pending").exists()
    assert ContactRecord.objects.filter(company=world.company_a, summary__contains=case.number).count() == 2
    assert case.history.count() == 6  # opened and five steps, each kept


def test_an_overdue_step_escalates_to_the_managers(world, bad):
    _deliver(_at(date(2026, 11, 4), 9))  # verification was due on the 3rd
    escalation = Reminder.objects.get(
        subject=f"case:{bad.pk}", kind=K.AUDIT_OVERDUE, recipient=world.manager, channel="in_app"
    )
    assert escalation.status == "sent"
    assert world.manager.notices.filter(url=f"/audit/{bad.pk}/", title__contains="逾期").count() == 1


def test_an_escalation_is_skipped_when_the_step_was_taken_in_time(world, bad):
    with time_machine.travel(_at(date(2026, 11, 3)), tick=False):
        cases.case_verify(actor=world.manager, case=bad, note="已核实")
    _deliver(_at(date(2026, 11, 4), 9))
    escalations = Reminder.objects.filter(
        subject=f"case:{bad.pk}", kind=K.AUDIT_OVERDUE, due_on=date(2026, 11, 3)
    )
    assert set(escalations.values_list("status", flat=True)) == {"cancelled"}


def test_mistaken_or_malicious_needs_the_reason_and_keeps_it(world, bad):
    case = cases.case_verify(actor=world.manager, case=bad, note="企业误点")
    with pytest.raises(ValidationError) as error:
        cases.case_classify(actor=world.manager, case=case, finding="mistaken", reason=" ")
    assert "reason" in error.value.message_dict
    case = cases.case_classify(actor=world.manager, case=case, finding="mistaken", reason="企业确认误操作")
    assert case.history.filter(finding="mistaken", finding_reason="企业确认误操作").exists()
    # A dispute (申诉) goes to the reviewer outside the window; the rating still counts meanwhile.
    assert (case.step, case.dispute.grounds, case.dispute.reasons, case.dispute.upheld) == (
        Step.REVIEW,
        "mistaken",
        "企业确认误操作",
        None,
    )
    assert case.step_due == date(2026, 11, 16)  # 10 working days
    assert _counted() == 1


def _counted() -> int:
    return dashboard_figures(since=date(2026, 11, 1), until=date(2026, 11, 30)).ratings


def test_only_the_reviewer_decides_a_dispute_and_only_an_upheld_one_leaves_the_figures(world, bad):
    case = cases.case_verify(actor=world.manager, case=bad, note="企业误点")
    case = cases.case_classify(actor=world.manager, case=case, finding="malicious", reason="评价与事实不符")
    for someone in (world.manager, world.butler_b.user):
        with pytest.raises(PermissionDenied):
            cases.dispute_decide(actor=someone, case=case, upheld=True, reasons="同意")
    reviewer = make_user("reviewer", roles.REVIEWER)
    with pytest.raises(ValidationError) as error:
        cases.dispute_decide(actor=reviewer, case=case, upheld=True, reasons=" ")
    assert "reasons" in error.value.message_dict
    assert _counted() == 1
    case = cases.dispute_decide(actor=reviewer, case=case, upheld=True, reasons="调阅记录，评价与事实不符")
    assert (case.step, case.dispute.upheld, case.dispute.decided_by) == (Step.CLOSE, True, reviewer)
    assert _counted() == 0


def test_a_dispute_not_upheld_is_rectified_within_the_limit_of_the_rating(world, bad):
    case = cases.case_verify(actor=world.manager, case=bad, note="企业误点")
    case = cases.case_classify(actor=world.manager, case=case, finding="mistaken", reason="企业误操作")
    reviewer = make_user("reviewer", roles.REVIEWER)
    case = cases.dispute_decide(actor=reviewer, case=case, upheld=False, reasons="企业否认误操作，应予整改")
    assert (case.step, case.finding, case.step_due) == (Step.RECTIFY, "valid", date(2026, 11, 23))
    assert _counted() == 1


def test_a_butler_cannot_take_a_step_of_a_case_about_themselves(world, bad):
    assert bad.concerns == world.butler_a
    with pytest.raises(PermissionDenied):
        cases.case_verify(actor=world.butler_a.user, case=bad, note="是我")
    case = cases.case_verify(actor=world.manager, case=bad, note="核实")
    case = cases.case_classify(actor=world.manager, case=case, finding="explained", reason="依法需要")
    case = cases.case_return_visit(actor=world.manager, case=case, note="已告知企业核查结果")
    with pytest.raises(PermissionDenied):
        cases.case_close(actor=world.butler_a.user, case=case)
    assert AuditCase.objects.get(pk=case.pk).step == Step.CLOSE


def test_a_butler_handles_a_case_on_their_company_about_someone_else_but_never_classifies(world):
    suggestion = suggestion_submit(actor=world.contact_a, category="waiting", text="排队时间太长")
    case = suggestion.case
    assert case.concerns is None
    with pytest.raises(PermissionDenied):
        cases.case_verify(actor=world.butler_b.user, case=case, note="不是我的企业")
    case = cases.case_verify(actor=world.butler_a.user, case=case, note="高峰期排队约40分钟")
    assert case.handler == world.butler_a.user
    with pytest.raises(PermissionDenied):
        cases.case_classify(actor=world.butler_a.user, case=case, finding="valid")


def test_a_step_taken_twice_is_refused(world, bad):
    cases.case_verify(actor=world.manager, case=bad, note="核实")
    with pytest.raises(ValidationError, match="already been taken"):
        cases.case_verify(actor=world.manager, case=bad, note="又核实")


# --- suggestions --------------------------------------------------------------------------------------------


def test_suggestions_from_the_portal_and_recorded_by_the_butler_keep_their_source(world):
    own = suggestion_submit(actor=world.contact_a, category="online", text="网上系统经常掉线")
    heard = suggestion_submit(
        actor=world.butler_a.user,
        company=world.company_a,
        category="materials",
        text="企业建议取消重复提交的营业执照复印件",
    )
    assert (own.source, own.contact, own.company) == ("portal", world.contact_a.contact, world.company_a)
    assert (heard.source, heard.submitted_by, heard.butler) == ("butler", world.butler_a.user, world.butler_a)
    assert AuditCase.objects.filter(suggestion__in=[own, heard]).count() == 2
    with pytest.raises(PermissionDenied):
        suggestion_submit(actor=world.butler_b.user, company=world.company_a, category="other", text="x")
    with pytest.raises(ValidationError) as error:
        suggestion_submit(actor=world.contact_a, category="nonsense", text="")
    assert set(error.value.message_dict) == {"category", "text"}


# --- improvements ------------------------------------------------------------------------------------------


def test_a_material_removed_shows_in_the_reduction_since_a_date(world):
    material = LicenceMaterial.objects.filter(licence_type__code="road_freight_licence").first()
    licence_type = material.licence_type
    before = material_reduction(since=date(2026, 11, 1))
    with time_machine.travel(_at(date(2026, 11, 10))):
        material.delete()
    after_change = material_reduction(since=date(2026, 11, 1))
    assert after_change.before == before.after  # the materials of 1 November
    assert after_change.after == before.after - 1
    assert [(row.licence_type, row.before - row.after) for row in after_change.rows] == [(licence_type, 1)]
    assert material_reduction(since=date(2026, 11, 11)).rows == []  # nothing changed since then
    with time_machine.travel(_at(date(2026, 11, 12))):
        action = improvement_create(
            actor=world.manager,
            title="取消重复提交的复印件",
            owner=world.manager,
            due_on=date(2026, 12, 31),
            licence_type=licence_type,
            changed_on=date(2026, 11, 10),
        )
    n = licence_type.materials.count()
    assert licence_type_counts(action) == (n + 1, n)


def test_only_a_manager_creates_an_improvement_and_it_needs_a_title_and_a_date(world):
    with pytest.raises(PermissionDenied):
        improvement_create(
            actor=world.butler_a.user, title="x", owner=world.manager, due_on=date(2026, 12, 1)
        )
    with pytest.raises(ValidationError) as error:
        improvement_create(actor=world.manager, title=" ", owner=world.contact_a, due_on=None)
    assert set(error.value.message_dict) == {"title", "owner", "due_on"}


def test_a_step_cannot_be_dated_before_the_step_it_follows(world, bad):
    with pytest.raises(ValidationError) as error:
        cases.case_verify(actor=world.manager, case=bad, note="核实", called_at=_at(date(2026, 10, 1)))
    assert "called_at" in error.value.message_dict
    case = cases.case_verify(actor=world.manager, case=bad, note="核实")
    case = cases.case_classify(actor=world.manager, case=case, finding="valid")
    with pytest.raises(ValidationError) as error:
        cases.case_rectify(
            actor=world.manager, case=case, rectification="已整改", done_at=_at(date(2026, 11, 2), 9)
        )
    assert "done_at" in error.value.message_dict
    assert AuditCase.objects.get(pk=case.pk).step == Step.RECTIFY
