"""The contact log (件件有记录，重要事情再回访): every consultation recorded, important ones revisited."""

from datetime import date, datetime

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from butler.contactlog.models import ContactRecord
from butler.contactlog.reminding import contact_reminders_plan, period_reminders_plan
from butler.service.models import ServicePeriod
from companies.credit_code import normalize_credit_code
from companies.models import Company, CompanyLicence
from companies.phones import normalize_phone, validate_phone
from companies.workdays import add_working_days

MAX_RETURN_VISIT_DAYS = 60


@transaction.atomic
def contact_record(
    *,
    actor: AbstractBaseUser,
    company: Company,
    channel: str,
    summary: str,
    occurred_at: datetime | None = None,
    participants: str = "",
    licence: CompanyLicence | None = None,
    important: bool = False,
    return_visit_in: int | None = None,
) -> ContactRecord:
    """Record a contact with a company. A return visit is due ``return_visit_in`` working days after it; it
    becomes a task for the butler and, once overdue, an escalation to the manager."""
    errors = {}
    if licence is not None and licence.company_id != company.pk:
        errors["licence"] = _("This licence belongs to another company.")
    return _save(
        actor,
        ContactRecord(company=company, channel=channel, participants=participants.strip(), licence=licence),
        errors=errors,
        summary=summary,
        occurred_at=occurred_at,
        important=important,
        return_visit_in=return_visit_in,
    )


@transaction.atomic
def enquiry_record(
    *,
    actor: AbstractBaseUser,
    enquirer_name: str,
    enquirer_phone: str,
    channel: str,
    summary: str,
    enquirer_company: str = "",
    enquirer_credit_code: str = "",
    occurred_at: datetime | None = None,
    important: bool = False,
    return_visit_in: int | None = None,
    source: str = ContactRecord.Source.WINDOW,
    work_order: str = "",
    reply_by: date | None = None,
) -> ContactRecord:
    """Record a consultation from someone whose company may not be registered yet (a walk-in, a call, a 12345
    work order). The company they name by its credit code is linked now if registered, else when it
    registers (:func:`enquiries_link`); ``reply_by`` (a work order's deadline) or ``return_visit_in`` make
    the answer a task for whoever recorded it."""
    name, phone = (enquirer_name or "").strip(), normalize_phone(enquirer_phone or "")
    code = normalize_credit_code(enquirer_credit_code or "")
    errors = {}
    if not name and not phone:
        errors["enquirer_name"] = _("Say who asked: a name or a phone number.")
    if phone:
        try:
            validate_phone(phone)
        except ValidationError as error:
            errors["enquirer_phone"] = error.messages
    record = ContactRecord(
        company=Company.objects.filter(credit_code=code).first() if code else None,
        source=source,
        work_order=work_order.strip(),
        channel=channel,
        enquirer_name=name,
        enquirer_phone=phone,
        enquirer_company=(enquirer_company or "").strip(),
        enquirer_credit_code=code,
    )
    return _save(
        actor,
        record,
        errors=errors,
        summary=summary,
        occurred_at=occurred_at,
        important=important,
        return_visit_in=return_visit_in,
        reply_by=reply_by,
    )


def _save(
    actor,
    record: ContactRecord,
    *,
    errors: dict,
    summary: str,
    occurred_at: datetime | None,
    important: bool,
    return_visit_in: int | None,
    reply_by: date | None = None,
) -> ContactRecord:
    """Check what every consultation needs (with the caller's ``errors`` so far: all come back at once),
    then save it and plan its answer."""
    now = timezone.now()
    occurred_at = occurred_at or now
    if not (summary or "").strip():
        errors["summary"] = _("Say in a sentence what the contact was about.")
    if occurred_at > now:
        errors["occurred_at"] = _("A contact cannot be recorded ahead of time.")
    if return_visit_in is not None and not 1 <= return_visit_in <= MAX_RETURN_VISIT_DAYS:
        errors["return_visit_in"] = _("A return visit is due within 1 to %(n)d working days.") % {
            "n": MAX_RETURN_VISIT_DAYS
        }
    if reply_by is not None and reply_by < timezone.localtime(occurred_at).date():
        errors["reply_by"] = _("The reply cannot be due before the request came in.")
    if errors:
        raise ValidationError(errors)
    if reply_by is None and return_visit_in:
        reply_by = add_working_days(timezone.localtime(occurred_at).date(), return_visit_in)
    record.period = (
        ServicePeriod.objects.active().filter(company=record.company).first() if record.company_id else None
    )
    record.recorded_by = actor
    record.occurred_at = occurred_at
    record.summary = summary.strip()
    record.important = important or reply_by is not None
    record.return_visit_due = reply_by
    record.full_clean()
    record._history_user = actor
    record.save()
    _plan(record)
    return record


def enquiries_link(*, actor: AbstractBaseUser | None, company: Company) -> int:
    """A company has just registered: the consultations that named it by its credit code (or, without a
    code, by its exact name) join its contact log, and their open answers go to its butler.
    Returns how many."""
    linked = 0
    named = Q(enquirer_credit_code=company.credit_code) | Q(
        enquirer_credit_code="", enquirer_company=company.name
    )
    for record in ContactRecord.objects.select_for_update().filter(named, company__isnull=True):
        record.company = company
        record.period = ServicePeriod.objects.active().filter(company=company).first()
        record._history_user = actor
        record.save(update_fields=["company", "period"])
        _plan(record)
        linked += 1
    return linked


@transaction.atomic
def return_visit_complete(
    *, actor: AbstractBaseUser, record: ContactRecord, outcome: str, done_at: datetime | None = None
) -> ContactRecord:
    """The butler made the return visit: its outcome is kept and the task closes."""
    record = ContactRecord.objects.select_for_update().get(pk=record.pk)
    if not record.return_visit_open:
        raise ValidationError(_("This contact has no return visit waiting."))
    if not (outcome or "").strip():
        raise ValidationError({"outcome": _("Say what came of the return visit.")})
    record.return_visit_done_at = done_at or timezone.now()
    record.return_visit_outcome = outcome.strip()
    record._history_user = actor
    record.save(update_fields=["return_visit_done_at", "return_visit_outcome"])
    _plan(record)
    return record


def _plan(record: ContactRecord) -> None:
    contact_reminders_plan(record=record)
    if record.company_id is None:
        return
    for period in (
        ServicePeriod.objects.active()
        .filter(company_id=record.company_id)
        .select_related("company", "butler__user")
    ):
        period_reminders_plan(period=period)  # a contact moves the "no contact" task
