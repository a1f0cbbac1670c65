"""The fleet's use cases as the butler records them: an obligation met, a vehicle leaving the fleet — each
with its reminders planned again in the same transaction."""

from datetime import date

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from butler.fleet.reminding import obligation_reminders_plan
from butler.service.planning import company_reminders_plan
from companies import services as registry


def obligation_met(
    *, actor: AbstractBaseUser, obligation, done_on: date, reference: str = "", valid_until=None
):
    """The obligation met: its next date follows, and its reminders move with it."""
    with transaction.atomic():
        obligation = registry.obligation_record(
            actor=actor, obligation=obligation, done_on=done_on, reference=reference, valid_until=valid_until
        )
        obligation_reminders_plan(obligation=obligation)
    return obligation


def vehicle_leaves(*, actor: AbstractBaseUser, vehicle, on: date, reason: str, note: str = ""):
    """A vehicle sold on or scrapped: its certificate cancelled, its obligations ended, every reminder of
    them cancelled."""
    with transaction.atomic():
        vehicle = registry.vehicle_retire(actor=actor, vehicle=vehicle, on=on, reason=reason, note=note)
        company_reminders_plan(company=vehicle.company)
    return vehicle
