"""A licence's steps as the butler records them, and the trips they cost the company."""

import hashlib
from datetime import date

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from butler.contactlog.reminding import period_reminders_plan
from butler.feedback.reminding import licence_invitations_plan
from butler.licences.reminding import licence_reminders_plan
from butler.service.models import ServicePeriod
from butler.service.planning import company_reminders_plan
from companies import services as registry
from companies.models import LicenceStatus
from companies.services import licence_transition, trip_record
from reminders.notices import notice_send


def _missing_key(licence, materials) -> str:
    """One notice per licence, day and set of missing materials, whatever the number of materials."""
    ids = ",".join(str(pk) for pk in sorted(material.pk for material in materials))
    digest = hashlib.sha256(ids.encode()).hexdigest()[:16]
    return f"missing:{licence.pk}:{licence.missing_noted_on:%Y%m%d}:{digest}"


@transaction.atomic
def trip_add(*, actor: AbstractBaseUser, licence, on: date, purpose: str):
    """Record a visit the company made for a licence: it counts as contact for the butler's tasks."""
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
    with transaction.atomic():
        licence = licence_transition(actor=actor, licence=licence, to=to, **details)
        licence_reminders_plan(licence=licence)
        if to == LicenceStatus.ISSUED:
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


SUBJECTS = {"vehicle": registry.vehicle_add, "person": registry.person_add, "vessel": registry.vessel_add}


def company_subject_add(*, actor: AbstractBaseUser, company, kind: str, **fields):
    """A vehicle, person or vessel: the licence plan and the reminders follow in the same transaction."""
    with transaction.atomic():
        subject = SUBJECTS[kind](actor=actor, company=company, **fields)
        company_reminders_plan(company=company)
    return subject


def trip_permit_add(*, actor: AbstractBaseUser, company, licence_type, note: str = ""):
    """A trip permit to apply for (an oversize load, say), planned and reminded like any licence."""
    with transaction.atomic():
        licence = registry.licence_add_trip_permit(
            actor=actor, company=company, licence_type=licence_type, note=note
        )
        company_reminders_plan(company=company)
    return licence
