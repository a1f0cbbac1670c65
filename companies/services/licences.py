"""A licence's life cycle: applications, missing materials, issue, renewal, lapse — and the trips made."""

from collections.abc import Iterable
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from companies import workdays
from companies.lifecycle import allowed
from companies.models import (
    Company,
    CompanyLicence,
    LicenceChannel,
    LicenceMaterial,
    LicenceScope,
    LicenceStatus,
    LicenceType,
    Trip,
)

S = LicenceStatus


def _refuse(licence: CompanyLicence, target: str) -> ValidationError:
    label = S(target).label if target in S.values else target
    return ValidationError(
        _("A licence that is “%(current)s” cannot become “%(target)s”.")
        % {"current": licence.get_status_display(), "target": label}
    )


@transaction.atomic
def licence_transition(
    *,
    actor: AbstractBaseUser | None,
    licence: CompanyLicence,
    to: str,
    on: date | None = None,
    channel: str = "",
    certificate_number: str = "",
    expires_on: date | None = None,
    materials: Iterable[LicenceMaterial] = (),
    note: str = "",
) -> CompanyLicence:
    """Move a licence to the next status of its life cycle; anything the life cycle does not allow is refused.

    - applied / renewal applied: ``on`` is the acceptance date; the statutory and committed due dates are
      counted from it in working days. Coming back from "materials missing" means the materials arrived.
    - materials missing: ``materials`` lists what is missing (one complete notice, 一次性告知).
    - issued: ``certificate_number`` is required; ``expires_on`` defaults to the catalogue's validity.
    """
    licence = (
        CompanyLicence.objects.select_for_update(of=("self",))
        .select_related("licence_type", "company")
        .get(pk=licence.pk)
    )
    if to not in S.values or not allowed(licence, to):
        raise _refuse(licence, to)
    today = timezone.localdate()
    on = on or today
    if on > today:
        raise ValidationError({"on": _("The date cannot be in the future.")})
    if on < licence.company.registered_on:
        raise ValidationError({"on": _("The date cannot be before the company was registered.")})
    kind = licence.licence_type
    clear_missing = False
    if to in (S.APPLIED, S.RENEWAL_APPLIED) and licence.status != S.MATERIALS_MISSING:
        licence.accepted_on = on
        licence.statutory_due_on = _due(on, kind.statutory_limit_days)
        licence.committed_due_on = _due(on, kind.committed_limit_days)
        if channel:
            if channel not in LicenceChannel.values:
                raise ValidationError({"channel": _("Choose how the application was made.")})
            licence.channel = channel
    if to in (S.APPLIED, S.RENEWAL_APPLIED) and licence.status == S.MATERIALS_MISSING:
        clear_missing = True  # the materials arrived
    if to == S.MATERIALS_MISSING:
        materials = list(materials)
        if not materials:
            raise ValidationError({"materials": _("Tick every material that is missing.")})
        if any(material.licence_type_id != kind.pk for material in materials):
            raise ValidationError({"materials": _("Only materials of this licence type can be missing.")})
        licence.missing_noted_on = on
    if to == S.ISSUED:
        certificate_number = certificate_number.strip()
        if not certificate_number:
            raise ValidationError({"certificate_number": _("Enter the certificate number.")})
        licence.certificate_number = certificate_number
        licence.issued_on = on
        licence.first_issued_on = licence.first_issued_on or on
        if expires_on is None and kind.validity_months:
            # Valid for N months: 2026-11-02 + 48 months is valid until 2030-11-01.
            expires_on = on + relativedelta(months=kind.validity_months) - relativedelta(days=1)
        if expires_on is not None and expires_on <= on:
            raise ValidationError({"expires_on": _("The expiry date must come after the issue date.")})
        licence.expires_on = expires_on
        licence.renew_by = expires_on - timedelta(days=kind.renew_days_before) if expires_on else None
        clear_missing = True
    if note.strip():
        stamp = f"{on:%Y-%m-%d} {S(to).label}: {note.strip()}"
        licence.notes = f"{licence.notes}\n{stamp}".strip()
    licence.status = to
    licence.set_aside_by_plan = False
    licence.status_before_set_aside = ""
    licence.full_clean()
    licence._history_user = actor
    licence.save()
    if to == S.MATERIALS_MISSING:
        licence._history_user = actor
        licence.missing_materials.set(materials)
    elif clear_missing:
        licence._history_user = actor
        licence.missing_materials.clear()
    return licence


def _due(accepted: date, limit: int | None) -> date | None:
    return workdays.add_working_days(accepted, limit) if limit else None


@transaction.atomic
def trip_record(*, actor: AbstractBaseUser | None, licence: CompanyLicence, on: date, purpose: str) -> Trip:
    """Record an in-person visit the company made for this licence."""
    if on > timezone.localdate():
        raise ValidationError({"on": _("The date cannot be in the future.")})
    trip = Trip(licence=licence, date=on, purpose=purpose.strip(), recorded_by=actor)
    trip.full_clean()
    trip._history_user = actor
    trip.save()
    return trip


@transaction.atomic
def licence_add_trip_permit(
    *, actor: AbstractBaseUser | None, company: Company, licence_type: LicenceType, note: str = ""
) -> CompanyLicence:
    """A per-trip permit (e.g. an oversize transport) for one journey."""
    if licence_type.scope != LicenceScope.TRIP:
        raise ValidationError(_("Only per-trip permits are added by hand; the plan derives the others."))
    Company.objects.select_for_update().filter(pk=company.pk).values_list("pk", flat=True).first()
    keys = company.licences.filter(licence_type=licence_type).values_list("subject_key", flat=True)
    number = max((int(key.split(":")[1]) for key in keys if key.startswith("trip:")), default=0) + 1
    licence = CompanyLicence(
        company=company, licence_type=licence_type, subject_key=f"trip:{number}", notes=note.strip()
    )
    licence.full_clean()
    licence._history_user = actor
    licence.save()
    return licence


def licence_statuses_refresh(*, today: date | None = None) -> dict[str, int]:
    """Move held licences along with the calendar: into "renewal due" ahead of the last day to apply for
    renewal (``BUTLER_RENEWAL_NOTICE_DAYS`` before it), and past expiry to expired.

    A renewal applied for before expiry stays valid until the authority decides (it counts as granted).
    Reads only licences near or past those dates (indexes on status and date).
    """
    today = today or timezone.localdate()
    notice = timedelta(days=getattr(settings, "BUTLER_RENEWAL_NOTICE_DAYS", 30))
    counts = {"expired": 0, "renewal_due": 0}
    with transaction.atomic():
        expired = CompanyLicence.objects.filter(status__in=[S.ISSUED, S.RENEWAL_DUE], expires_on__lt=today)
        for licence in expired.select_for_update(skip_locked=True):
            _set_status(licence, S.EXPIRED)
            counts["expired"] += 1
        due = CompanyLicence.objects.filter(
            status=S.ISSUED, renew_by__lte=today + notice, expires_on__gte=today
        )
        for licence in due.select_for_update(skip_locked=True):
            _set_status(licence, S.RENEWAL_DUE)
            counts["renewal_due"] += 1
    return counts


def _set_status(licence: CompanyLicence, status: str) -> None:
    licence.status = status
    licence._history_user = None
    licence.save(update_fields=["status", "updated_at"])


def licence_due_dates_recompute(*, years: set[int] | None = None) -> int:
    """Count pending applications' due dates again, after the working-day calendar changed.

    ``years``: only applications whose due dates reach one of these years. Returns how many moved.
    """
    pending = CompanyLicence.objects.filter(
        status__in=[S.APPLIED, S.MATERIALS_MISSING, S.RENEWAL_APPLIED], accepted_on__isnull=False
    ).select_related("licence_type")
    if years:
        reach = Q()
        for year in years:
            reach |= (
                Q(statutory_due_on__year=year) | Q(committed_due_on__year=year) | Q(accepted_on__year=year)
            )
        pending = pending.filter(reach)
    moved = 0
    with transaction.atomic():
        for licence in pending.select_for_update(of=("self",)):
            kind = licence.licence_type
            statutory, committed = (
                _due(licence.accepted_on, kind.statutory_limit_days),
                _due(licence.accepted_on, kind.committed_limit_days),
            )
            if (statutory, committed) != (licence.statutory_due_on, licence.committed_due_on):
                licence.statutory_due_on, licence.committed_due_on = statutory, committed
                licence._history_user = None
                licence.save(update_fields=["statutory_due_on", "committed_due_on", "updated_at"])
                moved += 1
    return moved
