"""The service period's life: staff accounts, opening a period, its card number, transfer, ending early,
completing the periods that are due, and the hand-over note."""

from datetime import date

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from butler.security import roles
from butler.service.models import Butler, CardCounter, ServicePeriod
from butler.service.planning import company_reminders_plan
from butler.service.selectors import butler_for_user
from butler.service.window import service_hours, window_name
from companies.models import Company
from companies.phones import normalize_mobile, normalize_phone
from reminders.people import languages_of


@transaction.atomic
def butler_create(
    *,
    actor: AbstractBaseUser | None,
    user: AbstractBaseUser,
    display_name: str,
    window: str,
    office_phone: str,
    mobile: str = "",
) -> Butler:
    butler = Butler(
        user=user,
        display_name=display_name.strip(),
        window=window.strip(),
        office_phone=normalize_phone(office_phone),
        mobile=normalize_mobile(mobile) if mobile else "",
    )
    butler.full_clean()
    butler._history_user = actor
    butler.save()
    roles.add_role(user, roles.BUTLER)
    return butler


def card_number_next(*, on: date) -> str:
    """The next card number of the year, e.g. ``BL-2026-0001``. Call inside a transaction."""
    counter, _created = CardCounter.objects.select_for_update().get_or_create(year=on.year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"{settings.BUTLER_CARD_PREFIX}-{on.year}-{counter.last:04d}"


def _period_open(
    *, actor, company: Company, butler: Butler, start: date, end: date, previous=None
) -> ServicePeriod:
    period = ServicePeriod(
        company=company,
        butler=butler,
        start_date=start,
        end_date=end,
        previous=previous,
        card_number=card_number_next(on=start),
    )
    period.full_clean(validate_constraints=False)
    period._history_user = actor
    period.save()
    return period


def _acting_butler(actor: AbstractBaseUser) -> Butler:
    butler = butler_for_user(actor)
    if butler is None:
        raise ValidationError(
            _("Only a window staff member with a butler profile can accept a company's first matter.")
        )
    if not butler.active:
        raise ValidationError(_("Your butler profile is inactive, so you cannot accept new companies."))
    return butler


def _lock_active(period: ServicePeriod, today: date) -> ServicePeriod:
    period = (
        ServicePeriod.objects.select_for_update(of=("self",))
        .select_related("company", "butler")
        .get(pk=period.pk)
    )
    if not period.is_active:
        raise ValidationError(_("This service period is no longer in service."))
    if period.end_date <= today:
        raise ValidationError(_("This service period has run its full term and is being completed."))
    return period


@transaction.atomic
def service_period_transfer(
    *,
    actor: AbstractBaseUser,
    period: ServicePeriod,
    to_butler: Butler,
    reason: str,
    today: date | None = None,
) -> ServicePeriod:
    """Hand a company to another butler: the old period is kept as transferred, a new card is issued,
    the end date stays, and the company is told."""
    today = today or timezone.localdate()
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for the transfer; it is kept in the record.")})
    period = _lock_active(period, today)
    if to_butler.pk == period.butler_id:
        raise ValidationError({"to_butler": _("The company is already served by this butler.")})
    if not to_butler.active:
        raise ValidationError({"to_butler": _("This butler is inactive and cannot take on companies.")})
    period.status = ServicePeriod.Status.TRANSFERRED
    period.ended_on = today
    period.reason = reason
    period._history_user = actor
    period.save(update_fields=["status", "ended_on", "reason"])
    new_period = _period_open(
        actor=actor,
        company=period.company,
        butler=to_butler,
        start=today,
        end=period.end_date,
        previous=period,
    )
    company_reminders_plan(company=period.company)
    # butler.tasks imports this module for its tasks: the task is looked up when a transfer is made.
    from butler.tasks import notify_company_of_transfer

    # robust: the transfer stands even if the broker is briefly unreachable; the failure is logged.
    transaction.on_commit(lambda: notify_company_of_transfer.delay(new_period.pk), robust=True)
    return new_period


@transaction.atomic
def service_period_end_early(
    *, actor: AbstractBaseUser, period: ServicePeriod, reason: str, today: date | None = None
) -> ServicePeriod:
    today = today or timezone.localdate()
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(
            {"reason": _("Give the reason for ending the period early; it is kept in the record.")}
        )
    period = _lock_active(period, today)
    period.status = ServicePeriod.Status.ENDED_EARLY
    period.ended_on = today
    period.reason = reason
    period._history_user = actor
    period.save(update_fields=["status", "ended_on", "reason"])
    company_reminders_plan(company=period.company)
    return period


def service_periods_complete_due(*, today: date | None = None, batch_size: int = 500) -> int:
    """Complete every period in service whose 180 days have run. Safe to run often and in parallel."""
    today = today or timezone.localdate()
    completed = 0
    while True:
        with transaction.atomic():
            due = list(
                ServicePeriod.objects.active()
                .filter(end_date__lte=today)
                .select_for_update(skip_locked=True)
                .order_by("end_date", "pk")[:batch_size]
            )
            for period in due:
                period.status = ServicePeriod.Status.COMPLETED
                period.ended_on = period.end_date
                period._history_user = None
                period.save(update_fields=["status", "ended_on"])
                company_reminders_plan(
                    company=period.company
                )  # butler tasks stop; the company is invited to rate
        completed += len(due)
        if len(due) < batch_size:
            return completed


def transfer_notify_company(*, period_id: int) -> int:
    """E-mail the company's contacts who its new butler is. Returns the number of messages sent."""
    period = ServicePeriod.objects.select_related("company", "butler", "previous__butler").get(pk=period_id)
    contacts = [c for c in period.company.contacts.all() if c.email]
    if not contacts:
        return 0
    languages = languages_of(c.user_id for c in contacts if c.user_id)
    by_language: dict[str, list[str]] = {}
    for contact in contacts:
        language = languages.get(contact.user_id, settings.LANGUAGE_CODE)
        by_language.setdefault(language, []).append(contact.email)
    sent = 0
    for language, recipients in sorted(by_language.items()):
        with translation.override(language):  # each contact reads it in their language
            context = {"period": period, "window_name": window_name(), "service_hours": service_hours()}
            subject = render_to_string("service/email/transfer_subject.txt", context).strip()
            body = render_to_string("service/email/transfer_body.txt", context)
        sent += send_mail(subject, body, None, recipients)
    return sent


@transaction.atomic
def handover_note_save(*, actor: AbstractBaseUser, period: ServicePeriod, note: str) -> ServicePeriod:
    period = ServicePeriod.objects.select_for_update().get(pk=period.pk)
    if period.handover_note == (note or "").strip():
        return period  # nothing changed: no history record
    period.handover_note = (note or "").strip()
    period._history_user = actor
    period.save(update_fields=["handover_note"])
    return period
