"""The audit of a bad rating or a suggestion: verify → classify → rectify → report back → close.

Each step has a deadline in working days and becomes a task (and, when overdue, an escalation) through the
reminder engine. A named person calls the company back within a working day (the call goes into the contact
log); the manager classifies — valid (rectify), explained (no legal basis), mistaken or malicious (the reason
is required and stays in the history). Rectification **and the report back to the rater** fit inside one
limit, ``BUTLER_AUDIT_RECTIFY_DAYS`` working days from the rating. After the report back the rater may re-rate
once (追评), which the figures take as the final word; the manager closes the case.

A rating the window holds mistaken or malicious is disputed (申诉): a reviewer outside the window decides,
and only an upheld dispute takes the rating out of the figures; a dispute not upheld is rectified like any
valid case.

A butler may call back, record the rectification and the report back for the companies they serve, but
never for a case about themselves; classifying and closing are the manager's, the dispute the reviewer's.
"""

from datetime import date, datetime

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from butler.contactlog.models import ContactRecord
from butler.contactlog.services import contact_record
from butler.feedback.follow_up import follow_up_invite
from butler.feedback.models import AuditCase, Dispute, Rating, Suggestion
from butler.feedback.reminding import case_reminders_plan
from butler.security import roles
from butler.service.access import can_serve
from companies.workdays import add_working_days

Step = AuditCase.Step
Finding = AuditCase.Finding

# Working days each step may take from the previous one (rectification: the setting, from the rating).
STEP_DAYS = {Step.VERIFY: 1, Step.CLASSIFY: 2, Step.RETURN_VISIT: 5, Step.CLOSE: 2}
DISPUTED = (Finding.MISTAKEN, Finding.MALICIOUS)
BUTLER_STEPS = (Step.VERIFY, Step.RECTIFY, Step.RETURN_VISIT)
NEXT_AFTER_FINDING = {
    Finding.VALID: Step.RECTIFY,
    Finding.EXPLAINED: Step.RETURN_VISIT,
    Finding.MISTAKEN: Step.REVIEW,
    Finding.MALICIOUS: Step.REVIEW,
}


def may_take(user, case: AuditCase, step: str) -> bool:
    """May this user take this step of the case (whatever step the case is at)?"""
    if case.is_closed or not user.is_active:
        return False
    if step == Step.REVIEW:
        return roles.is_reviewer(user)  # a body outside the window: never the rated unit itself
    if roles.is_manager(user):
        return True
    if step not in BUTLER_STEPS or not roles.is_butler(user):
        return False
    if case.concerns_id is not None and case.concerns.user_id == user.pk:
        return False  # never a case about oneself
    return can_serve(user, case.company)


def steps_open_to(user, case: AuditCase) -> list[str]:
    """The step the case is at, if this user may take it (a list, for templates)."""
    return [case.step] if not case.is_closed and may_take(user, case, case.step) else []


def _local_day(moment: datetime) -> date:
    return timezone.localtime(moment).date()


def _due(start: date, step: str) -> date:
    return add_working_days(start, STEP_DAYS[step])


def _report_due(case: AuditCase, start: date) -> date:
    """The report back to the rater: within the case's limit, counted from the rating (never after it)."""
    due = _due(start, Step.RETURN_VISIT)
    if case.rectify_due is not None:
        due = min(due, max(case.rectify_due, start))
    return due


def _plan(case: AuditCase) -> None:
    case_reminders_plan(case=case)


@transaction.atomic
def case_open(
    *, rating: Rating | None = None, suggestion: Suggestion | None = None, now: datetime | None = None
) -> AuditCase:
    """Open the case of a bad rating or a suggestion: to be verified by the next working day, rectified
    within the setting's working days of the rating."""
    feedback = rating or suggestion
    opened = now or feedback.created_at
    day = _local_day(opened)
    if rating is not None:
        concerns = rating.butler
    else:
        concerns = suggestion.butler if suggestion.category == Suggestion.Category.ATTITUDE else None
    case = AuditCase(
        rating=rating,
        suggestion=suggestion,
        company=feedback.company,
        concerns=concerns,
        opened_at=opened,
        step=Step.VERIFY,
        step_due=_due(day, Step.VERIFY),
        rectify_due=add_working_days(day, settings.BUTLER_AUDIT_RECTIFY_DAYS),
    )
    case.full_clean()
    case.save()
    _plan(case)
    return case


def _lock(case: AuditCase, actor: AbstractBaseUser, step: str) -> AuditCase:
    case = (
        AuditCase.objects.select_for_update(of=("self",))
        .select_related("company", "concerns", "rating", "suggestion")
        .get(pk=case.pk)
    )
    if case.step != step:
        raise ValidationError(
            _("This step has already been taken; the case is at: %(step)s.")
            % {"step": case.get_step_display()}
        )
    if not may_take(actor, case, step):
        raise PermissionDenied(_("You may not take this step of the case."))
    return case


def _required(text: str, field: str, message: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError({field: message})
    return text


def _moment(value: datetime | None, field: str, *, not_before: datetime) -> datetime:
    """When a step was taken: not ahead of time, and not before the step it follows."""
    now = timezone.now()
    value = value or now
    if value > now:
        raise ValidationError({field: _("This cannot be recorded ahead of time.")})
    if value < not_before.replace(second=0, microsecond=0):  # the forms give minutes
        raise ValidationError(
            {
                field: _("This cannot be before the previous step (%(when)s).")
                % {"when": timezone.localtime(not_before).strftime("%Y-%m-%d %H:%M")}
            }
        )
    return max(value, not_before)


def _call(*, actor, case: AuditCase, summary: str, at: datetime) -> ContactRecord:
    return contact_record(
        actor=actor,
        company=case.company,
        channel=ContactRecord.Channel.PHONE,
        summary=summary,
        occurred_at=at,
        important=True,
    )


def _save(case: AuditCase, actor, fields: list[str]) -> AuditCase:
    case._history_user = actor
    case.save(update_fields=[*fields, "step", "step_due"])
    _plan(case)
    return case


@transaction.atomic
def case_verify(
    *, actor: AbstractBaseUser, case: AuditCase, note: str, called_at: datetime | None = None
) -> AuditCase:
    """The named person called the company back: what they heard is kept and the call is logged."""
    case = _lock(case, actor, Step.VERIFY)
    note = _required(note, "note", _("Say what the company told you on the call."))
    called_at = _moment(called_at, "called_at", not_before=case.opened_at)
    case.verification_call = _call(
        actor=actor,
        case=case,
        summary=_("Call back on case %(case)s: %(note)s") % {"case": case.number, "note": note},
        at=called_at,
    )
    case.handler, case.verified_at, case.verification_note = actor, called_at, note
    case.step, case.step_due = Step.CLASSIFY, _due(_local_day(called_at), Step.CLASSIFY)
    return _save(case, actor, ["verification_call", "handler", "verified_at", "verification_note"])


@transaction.atomic
def case_classify(*, actor: AbstractBaseUser, case: AuditCase, finding: str, reason: str = "") -> AuditCase:
    """The manager classifies the case. Explained, mistaken and malicious need the reason, kept for good. A
    rating held mistaken or malicious goes to the reviewer as a dispute (申诉), with that reason."""
    case = _lock(case, actor, Step.CLASSIFY)
    if finding not in Finding.values:
        raise ValidationError({"finding": _("Choose what the verification found.")})
    reason = (reason or "").strip()
    if finding != Finding.VALID and not reason:
        raise ValidationError(
            {"reason": _("Give the reason for this finding; it stays in the case's history.")}
        )
    now = timezone.now()
    case.finding, case.finding_reason, case.classified_at, case.classified_by = finding, reason, now, actor
    case.step = NEXT_AFTER_FINDING[finding]
    if case.step == Step.REVIEW and case.rating_id is None:
        case.step = Step.CLOSE  # a suggestion is not counted anywhere: nothing to dispute
    if case.step == Step.RECTIFY:
        case.step_due = case.rectify_due
    elif case.step == Step.RETURN_VISIT:
        case.step_due = _report_due(case, _local_day(now))
    elif case.step == Step.REVIEW:
        case.step_due = add_working_days(_local_day(now), settings.BUTLER_DISPUTE_REVIEW_DAYS)
        dispute = Dispute(case=case, grounds=finding, reasons=reason, filed_by=actor, filed_at=now)
        dispute._history_user = actor
        dispute.save()
    else:
        case.step_due = _due(_local_day(now), case.step)
    return _save(case, actor, ["finding", "finding_reason", "classified_at", "classified_by"])


@transaction.atomic
def dispute_decide(*, actor: AbstractBaseUser, case: AuditCase, upheld: bool, reasons: str) -> AuditCase:
    """The reviewer decides the dispute, with reasons kept. Upheld: the rating leaves the figures and the
    manager closes the case. Not upheld: the case is valid and is rectified within its limit."""
    case = _lock(case, actor, Step.REVIEW)
    reasons = _required(reasons, "reasons", _("Give the reasons for the decision; they are kept."))
    dispute = Dispute.objects.select_for_update().get(case=case)
    now = timezone.now()
    dispute.upheld, dispute.decision_reasons, dispute.decided_by, dispute.decided_at = (
        upheld,
        reasons,
        actor,
        now,
    )
    dispute._history_user = actor
    dispute.save()
    if upheld:
        case.step, case.step_due = Step.CLOSE, _due(_local_day(now), Step.CLOSE)
    else:
        case.finding = Finding.VALID
        case.step = Step.RECTIFY
        case.step_due = max(case.rectify_due, _local_day(now)) if case.rectify_due else _local_day(now)
    return _save(case, actor, ["finding"])


@transaction.atomic
def case_rectify(
    *, actor: AbstractBaseUser, case: AuditCase, rectification: str, done_at: datetime | None = None
) -> AuditCase:
    """What was put right; then the company is visited again."""
    case = _lock(case, actor, Step.RECTIFY)
    case.rectification = _required(rectification, "rectification", _("Say what was put right."))
    case.rectified_at, case.rectified_by = _moment(done_at, "done_at", not_before=case.classified_at), actor
    case.step, case.step_due = Step.RETURN_VISIT, _report_due(case, _local_day(case.rectified_at))
    return _save(case, actor, ["rectification", "rectified_at", "rectified_by"])


@transaction.atomic
def case_return_visit(
    *,
    actor: AbstractBaseUser,
    case: AuditCase,
    note: str,
    at: datetime | None = None,
) -> AuditCase:
    """The rater was told what was found and done (the report back); the call is logged, and the rater is
    invited to re-rate once (追评) — their own word on whether they are satisfied now."""
    case = _lock(case, actor, Step.RETURN_VISIT)
    note = _required(note, "note", _("Say what the rater was told."))
    at = _moment(at, "at", not_before=case.rectified_at or case.classified_at)
    case.return_visit_note, case.return_visit_at = note, at
    summary = _("Report back on case %(case)s: %(note)s") % {"case": case.number, "note": note}
    case.return_visit_call = _call(actor=actor, case=case, summary=summary, at=at)
    case.step, case.step_due = Step.CLOSE, _due(_local_day(at), Step.CLOSE)
    case = _save(case, actor, ["return_visit_note", "return_visit_at", "return_visit_call"])
    if case.rating_id is not None and case.rating.follows_id is None:
        follow_up_invite(case.rating, reported_at=at)
    return case


@transaction.atomic
def case_close(*, actor: AbstractBaseUser, case: AuditCase, note: str = "") -> AuditCase:
    """The manager closes the case: nothing is due any more."""
    case = _lock(case, actor, Step.CLOSE)
    case.closing_note, case.closed_at, case.closed_by = (note or "").strip(), timezone.now(), actor
    case.step, case.step_due = Step.CLOSED, None
    return _save(case, actor, ["closing_note", "closed_at", "closed_by"])
