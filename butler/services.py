"""Use-cases of the butler service: first visit, transfer, early end, completion and portal invitations.

Each function owns its transaction, validates before it writes, records the acting user in the
history and queues what leaves the process (e-mail) only after the transaction commits.
"""

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TypeVar

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from butler import roles
from butler.models import Butler, CardCounter, PortalInvitation, ServicePeriod
from butler.selectors import butler_for_user, invitation_by_token, token_hash
from companies.models import Company, Contact
from companies.phones import normalize_mobile, normalize_phone
from companies.services import Registration, company_register, licence_plan_sync

T = TypeVar("T")


@dataclass(frozen=True)
class FirstVisit:
    """What accepting a company's first matter led to.

    ``created`` is False when the company already had a butler: ``period`` then names who it is.
    """

    period: ServicePeriod
    created: bool
    company_created: bool = False
    invitation_token: str = ""


# --- butlers -----------------------------------------------------------------------------------------


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


# --- service periods ---------------------------------------------------------------------------------


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


def first_visit_accept(*, actor: AbstractBaseUser, company_id: int, today: date | None = None) -> FirstVisit:
    """Accept a company's first matter: whoever accepts it becomes its butler (首办负责制).

    The company row is locked, so two clerks accepting the same company at once end with one period;
    the second learns who the butler is. The partial unique index is the last line of defence.
    """
    butler = _acting_butler(actor)
    try:
        with transaction.atomic():
            return _first_visit_accept_locked(actor=actor, butler=butler, company_id=company_id, today=today)
    except IntegrityError:
        # Only the one-active-period index can collide here: another clerk's acceptance committed first.
        period = ServicePeriod.objects.active().select_related("butler").filter(company_id=company_id).first()
        if period is None:
            raise
        return FirstVisit(period=period, created=False)


def _first_visit_accept_locked(
    *, actor: AbstractBaseUser, butler: Butler, company_id: int, today: date | None
) -> FirstVisit:
    company = Company.objects.select_for_update().get(pk=company_id)
    earlier = (
        ServicePeriod.objects.filter(company=company).select_related("butler").order_by("-start_date", "-id")
    )
    latest = earlier.first()
    if latest is not None:
        return FirstVisit(period=latest, created=False)
    start = today or timezone.localdate()
    period = _period_open(
        actor=actor,
        company=company,
        butler=butler,
        start=start,
        end=start + timedelta(days=settings.BUTLER_SERVICE_DAYS),
    )
    licence_plan_sync(company=company, actor=actor, start=start)
    _plan_reminders(company)
    token = ""
    primary = company.contacts.filter(is_primary=True, user__isnull=True).first()
    if primary is not None:
        _invitation, token = invitation_issue(actor=actor, contact=primary)
    return FirstVisit(period=period, created=True, invitation_token=token)


@transaction.atomic
def first_visit_register(
    *, actor: AbstractBaseUser, registration: Registration, today: date | None = None
) -> FirstVisit:
    """Register a new company at the window and accept its first matter in one step."""
    _acting_butler(actor)
    result = company_register(actor=actor, registration=registration)
    visit = first_visit_accept(actor=actor, company_id=result.company.pk, today=today)
    return FirstVisit(
        period=visit.period,
        created=visit.created,
        company_created=result.created,
        invitation_token=visit.invitation_token,
    )


def _plan_reminders(company) -> None:
    """Who the company's reminders go to changed (a butler came or went): plan them again."""
    from butler.reminding import company_reminders_plan

    company_reminders_plan(company=company)


def company_change(*, company, change: Callable[[], T]) -> T:
    """Make a change to a company's registry, subjects or licences (a companies service) and plan its
    reminders again in the same transaction: new licences, dates and contacts are reminded at once."""
    with transaction.atomic():
        result = change()
        _plan_reminders(company)
    return result


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
    _plan_reminders(period.company)
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
    _plan_reminders(period.company)
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
                _plan_reminders(period.company)  # butler tasks stop; the company is invited to rate
        completed += len(due)
        if len(due) < batch_size:
            return completed


def transfer_notify_company(*, period_id: int) -> int:
    """E-mail the company's contacts who its new butler is. Returns the number of messages sent."""
    from django.core.mail import send_mail
    from django.template.loader import render_to_string
    from django.utils import translation

    period = ServicePeriod.objects.select_related("company", "butler", "previous__butler").get(pk=period_id)
    recipients = [c.email for c in period.company.contacts.all() if c.email]
    if not recipients:
        return 0
    with translation.override(settings.LANGUAGE_CODE):
        context = {"period": period, "window_name": window_name(), "service_hours": service_hours()}
        subject = render_to_string("butler/email/transfer_subject.txt", context).strip()
        body = render_to_string("butler/email/transfer_body.txt", context)
    return send_mail(subject, body, None, recipients)


def window_name() -> str:
    return settings.BUTLER_WINDOW_NAME or str(settings.WINDOW_DEFAULT_NAME)


def service_hours() -> str:
    return settings.BUTLER_SERVICE_HOURS or _("Mon–Fri 8:30–12:00, 13:30–17:00, except public holidays")


# --- portal invitations ------------------------------------------------------------------------------


@transaction.atomic
def invitation_issue(
    *, actor: AbstractBaseUser | None, contact: Contact, now=None
) -> tuple[PortalInvitation, str]:
    """Create a single-use invitation for the contact and revoke the earlier unused ones.

    Returns the invitation and its raw token; only the token's hash is stored.
    """
    if contact.user_id:
        raise ValidationError(_("%(name)s already has a portal account.") % {"name": contact.name})
    now = now or timezone.now()
    PortalInvitation.objects.filter(contact=contact, used_at__isnull=True, revoked_at__isnull=True).update(
        revoked_at=now
    )
    raw_token = secrets.token_urlsafe(32)
    invitation = PortalInvitation(
        contact=contact,
        token_hash=token_hash(raw_token),
        created_at=now,
        expires_at=now + timedelta(days=settings.BUTLER_INVITATION_DAYS),
        created_by=actor,
    )
    invitation._history_user = actor
    invitation.save()
    return invitation, raw_token


@transaction.atomic
def invitation_accept(*, raw_token: str, mobile: str, password: str, now=None):
    """The contact proves they hold the mobile on record, sets a password and gets a portal account."""
    now = now or timezone.now()
    invitation = invitation_by_token(raw_token, lock=True)
    if invitation is None or not invitation.is_usable(now):
        raise ValidationError(
            _("This invitation has expired or has been used. Ask your butler for a new one.")
        )
    contact = invitation.contact
    if contact.user_id:
        raise ValidationError(_("%(name)s already has a portal account.") % {"name": contact.name})
    if normalize_mobile(mobile) != contact.mobile:
        raise ValidationError(
            {"mobile": _("This is not the mobile number the window has on record for you.")}
        )
    User = get_user_model()
    user = User(first_name=contact.name, email=contact.email)
    validate_password(password, user=user)
    user.set_password(password)
    _save_with_free_username(user, base=contact.mobile)
    roles.add_role(user, roles.COMPANY)
    contact.user = user
    contact._history_user = user
    contact.save(update_fields=["user"])
    _plan_reminders(contact.company)  # the new portal user is reminded from now on
    invitation.used_at = now
    invitation._history_user = user
    invitation.save(update_fields=["used_at"])
    return user


def _save_with_free_username(user, *, base: str) -> None:
    """Save a new user under ``base`` or ``base-2``, ``base-3`` …, whichever is free when it is written."""
    User = get_user_model()
    for n in range(1, 50):
        candidate = base if n == 1 else f"{base}-{n}"
        if User.objects.filter(username=candidate).exists():
            continue
        user.username = candidate
        try:
            with transaction.atomic():
                user.save()
        except IntegrityError:
            continue  # taken a moment ago by someone else
        return
    raise ValidationError(_("No free username is left for this mobile number; ask the window for help."))


# --- licences: the butler's steps, and who is told --------------------------------------------------


def _missing_key(licence, materials) -> str:
    """One notice per licence, day and set of missing materials, whatever the number of materials."""
    import hashlib

    ids = ",".join(str(pk) for pk in sorted(material.pk for material in materials))
    digest = hashlib.sha256(ids.encode()).hexdigest()[:16]
    return f"missing:{licence.pk}:{licence.missing_noted_on:%Y%m%d}:{digest}"


@transaction.atomic
def trip_add(*, actor: AbstractBaseUser, licence, on: date, purpose: str):
    """Record a visit the company made for a licence: it counts as contact for the butler's tasks."""
    from butler.reminding import period_reminders_plan
    from companies.services import trip_record

    trip = trip_record(actor=actor, licence=licence, on=on, purpose=purpose)
    period = (
        ServicePeriod.objects.active()
        .select_related("company", "butler__user")
        .filter(company_id=licence.company_id)
    )
    for active in period:
        period_reminders_plan(period=active)
    return trip


def licence_step(*, actor: AbstractBaseUser, licence, to: str, **details):
    """Take a licence one step along its life cycle for the company; when materials are missing, the
    company's portal users get one complete notice (一次性告知) of everything missing."""
    from django.urls import reverse
    from django.utils import translation

    from butler.reminding import licence_reminders_plan
    from companies.models import LicenceStatus
    from companies.services import licence_transition
    from reminders.notices import notice_send

    with transaction.atomic():
        licence = licence_transition(actor=actor, licence=licence, to=to, **details)
        licence_reminders_plan(licence=licence)
        if to == LicenceStatus.ISSUED:
            from butler.feedback.reminding import licence_invitations_plan

            licence_invitations_plan(licence=licence)
        if to == LicenceStatus.MATERIALS_MISSING:
            recipients = [
                contact.user for contact in licence.company.contacts.select_related("user") if contact.user
            ]
            materials = list(licence.missing_materials.order_by("position"))
            with translation.override(settings.LANGUAGE_CODE):
                title = _("Materials missing for %(licence)s") % {"licence": licence}
                body = "\n".join(f"{n}. {m.name}" for n, m in enumerate(materials, start=1))
            notice_send(
                recipients=recipients,
                title=str(title),
                body=body,
                url=reverse("portal:licences"),
                key=_missing_key(licence, materials),
            )
    return licence


# --- a contact's choice of reminders ---------------------------------------------------------------------


@transaction.atomic
def reminder_choice_set(*, actor: AbstractBaseUser, contact, channel: str):
    """A company contact chooses how reminders that are not statutory reach them (statutory ones always
    come by the rule's channels). E-mail needs an address."""
    from companies.models import ReminderChoice

    if channel not in ReminderChoice.values:
        raise ValidationError({"channel": _("Choose e-mail, SMS or the portal only.")})
    if channel == ReminderChoice.EMAIL and not (contact.user and contact.user.email):
        raise ValidationError(
            {"channel": _("We have no e-mail address for you; ask your butler to add one, or choose SMS.")}
        )
    contact.reminder_channel = channel
    contact._history_user = actor
    contact.save(update_fields=["reminder_channel"])
    _plan_reminders(contact.company)
    return contact


@transaction.atomic
def handover_note_save(*, actor: AbstractBaseUser, period: ServicePeriod, note: str) -> ServicePeriod:
    period = ServicePeriod.objects.select_for_update().get(pk=period.pk)
    if period.handover_note == (note or "").strip():
        return period  # nothing changed: no history record
    period.handover_note = (note or "").strip()
    period._history_user = actor
    period.save(update_fields=["handover_note"])
    return period
