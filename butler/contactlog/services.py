"""The contact log (件件有记录，重要事情再回访): every consultation recorded, important ones revisited."""

from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from butler.contactlog.models import ContactRecord
from butler.contactlog.reminding import contact_reminders_plan, period_reminders_plan
from butler.service.models import ServicePeriod
from companies.models import Company, CompanyLicence
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
    now = timezone.now()
    occurred_at = occurred_at or now
    errors = {}
    if not (summary or "").strip():
        errors["summary"] = _("Say in a sentence what the contact was about.")
    if occurred_at > now:
        errors["occurred_at"] = _("A contact cannot be recorded ahead of time.")
    if licence is not None and licence.company_id != company.pk:
        errors["licence"] = _("This licence belongs to another company.")
    if return_visit_in is not None and not 1 <= return_visit_in <= MAX_RETURN_VISIT_DAYS:
        errors["return_visit_in"] = _("A return visit is due within 1 to %(n)d working days.") % {
            "n": MAX_RETURN_VISIT_DAYS
        }
    if errors:
        raise ValidationError(errors)
    record = ContactRecord(
        company=company,
        period=ServicePeriod.objects.active().filter(company=company).first(),
        recorded_by=actor,
        channel=channel,
        occurred_at=occurred_at,
        participants=participants.strip(),
        summary=summary.strip(),
        licence=licence,
        important=important or return_visit_in is not None,
        return_visit_due=(
            add_working_days(timezone.localtime(occurred_at).date(), return_visit_in)
            if return_visit_in
            else None
        ),
    )
    record.full_clean()
    record._history_user = actor
    record.save()
    _plan(record)
    return record


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
    for period in (
        ServicePeriod.objects.active()
        .filter(company_id=record.company_id)
        .select_related("company", "butler__user")
    ):
        period_reminders_plan(period=period)  # a contact moves the "no contact" task
