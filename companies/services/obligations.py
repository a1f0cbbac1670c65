"""Periodic obligations as they are met, and vehicles leaving the fleet."""

from datetime import date

from dateutil.relativedelta import relativedelta
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from companies.lifecycle import CLOSED
from companies.models import CompanyLicence, Evidence, LicenceStatus, Obligation, Vehicle, VehicleExit
from companies.services.plan import licence_plan_sync

RECORDED_YEARS = 5  # an older "last time" says nothing about the next date
VALID_YEARS = 10  # no certificate or policy of the catalogue runs longer


def age_years(vehicle: Vehicle | None, on: date) -> int:
    """Whole years since the vehicle's first registration on ``on`` (0 when not known)."""
    if vehicle is None or vehicle.registered_on is None or on < vehicle.registered_on:
        return 0
    return relativedelta(on, vehicle.registered_on).years


def cadence_months(obligation: Obligation, on: date) -> int | None:
    """How many months after ``on`` the obligation is next due: the age band of the vehicle's type that
    covers its age on that day, else the catalogue's cadence; None when the evidence's expiry says."""
    kind = obligation.obligation_type
    vehicle = obligation.vehicle
    if vehicle is not None:
        age = age_years(vehicle, on)
        for cadence in kind.cadences.all():
            if cadence.covers(vehicle.vehicle_type, age):
                return cadence.every_months
    return kind.every_months


@transaction.atomic
def obligation_record(
    *,
    actor: AbstractBaseUser | None,
    obligation: Obligation,
    done_on: date,
    reference: str = "",
    valid_until: date | None = None,
    from_sheet: bool = False,
) -> Obligation:
    """The obligation met on ``done_on``: the next date follows from the cadence (an inspection a year
    later), or is the expiry of the new certificate or policy (``valid_until``, required then). The number
    of a certificate or policy is required, except from the company's own sheet (which often has only the
    expiry)."""
    obligation = (
        Obligation.objects.select_for_update(of=("self",))
        .select_related("obligation_type", "vehicle")
        .get(pk=obligation.pk)
    )
    if obligation.ended_on is not None:
        raise ValidationError(_("This obligation has ended: the subject left or no longer needs it."))
    today = timezone.localdate()
    if done_on > today:
        raise ValidationError({"done_on": _("The date cannot be in the future.")})
    if done_on < today - relativedelta(years=RECORDED_YEARS):
        raise ValidationError(
            {"done_on": _("Give the last time, within the last %(years)s years.") % {"years": RECORDED_YEARS}}
        )
    if valid_until is not None and valid_until > done_on + relativedelta(years=VALID_YEARS):
        raise ValidationError(
            {
                "valid_until": _("No certificate or policy runs more than %(years)s years.")
                % {"years": VALID_YEARS}
            }
        )
    kind = obligation.obligation_type
    reference = reference.strip()
    if kind.evidence != Evidence.DONE and not reference and not from_sheet:
        raise ValidationError({"reference": _("Enter the certificate or policy number.")})
    months = cadence_months(obligation, done_on)
    if months is None:
        if valid_until is None:
            raise ValidationError({"valid_until": _("Give the date it is valid until.")})
        if valid_until <= done_on:
            raise ValidationError({"valid_until": _("It must be valid after the day it was done.")})
        due_on = valid_until
    else:
        due_on = valid_until or done_on + relativedelta(months=months)
    obligation.last_done_on = done_on
    obligation.due_on = due_on
    obligation.reference = reference
    obligation._history_user = actor
    obligation.save()
    return obligation


@transaction.atomic
def vehicle_retire(
    *, actor: AbstractBaseUser | None, vehicle: Vehicle, on: date, reason: str, note: str = ""
) -> Vehicle:
    """A vehicle sold on or scrapped leaves the fleet: its road transport certificate is cancelled
    (注销), its obligations end, and the plan no longer counts it. Everything stays in the history."""
    vehicle = Vehicle.objects.select_for_update().get(pk=vehicle.pk)
    if vehicle.retired_on is not None:
        raise ValidationError(_("This vehicle has already left the fleet."))
    if reason not in VehicleExit.values:
        raise ValidationError({"reason": _("Say whether it was sold on or scrapped.")})
    if on > timezone.localdate():
        raise ValidationError({"on": _("The date cannot be in the future.")})
    vehicle.retired_on, vehicle.retired_reason = on, reason
    vehicle._history_user = actor
    vehicle.save(update_fields=["retired_on", "retired_reason"])
    stamp = f"{on:%Y-%m-%d} " + _("The vehicle left the fleet (%(reason)s): cancelled.") % {
        "reason": VehicleExit(reason).label
    }
    if note.strip():
        stamp = f"{stamp} {note.strip()}"
    for licence in CompanyLicence.objects.select_for_update().filter(vehicle=vehicle):
        untouched = licence.status == LicenceStatus.REQUIRED and not licence.application_id
        if licence.status in CLOSED or untouched:
            continue  # nothing to cancel: the plan removes or keeps it as it is
        licence.status = LicenceStatus.CANCELLED
        licence.notes = f"{licence.notes}\n{stamp}".strip()
        licence._history_user = actor
        licence.save(update_fields=["status", "notes", "updated_at"])
    for obligation in Obligation.objects.select_for_update().filter(vehicle=vehicle, ended_on__isnull=True):
        obligation.ended_on = on
        obligation._history_user = actor
        obligation.save(update_fields=["ended_on", "updated_at"])
    licence_plan_sync(company=vehicle.company, actor=actor)
    return vehicle
