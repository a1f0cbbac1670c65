"""A licence's steps as the butler records them, and the trips they cost the company."""

import hashlib
from datetime import date

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext_noop

from butler.contactlog.reminding import period_reminders_plan
from butler.feedback.reminding import licence_invitations_plan
from butler.licences.reminding import licence_reminders_plan
from butler.service.models import ServicePeriod
from butler.service.planning import company_reminders_plan
from companies import services as registry
from companies.models import CompanyLicence, LicenceStatus
from companies.services import application_file, commitment_verify, licence_transition, trip_record
from reminders.notices import notice_send
from reminders.texts import Text, joined, named, text


def _missing_key(licence, materials) -> str:
    """One notice per licence, day and set of missing materials, whatever the number of materials."""
    ids = ",".join(str(pk) for pk in sorted(material.pk for material in materials))
    digest = hashlib.sha256(ids.encode()).hexdigest()[:16]
    noted = licence.missing_noted_on or licence.accepted_on
    return f"missing:{licence.pk}:{licence.status}:{noted:%Y%m%d}:{digest}"


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


ASKING = (LicenceStatus.MATERIALS_MISSING, LicenceStatus.SUPPLEMENTING, LicenceStatus.DEFERRED)


def licence_step(*, actor: AbstractBaseUser, licence, to: str, **details):
    """Take a licence one step along its life cycle for the company. When materials are asked for, the
    company's portal users get the one complete notice (一次性告知): each material, why, and the date to
    supply them by; a refusal reaches them with its reasons."""
    with transaction.atomic():
        licence = licence_transition(actor=actor, licence=licence, to=to, **details)
        licence_reminders_plan(licence=licence)
        if to in (LicenceStatus.ISSUED, LicenceStatus.REFUSED):
            licence_invitations_plan(licence=licence)
        if to in ASKING or to == LicenceStatus.REFUSED:
            _tell_the_company(licence, to)
    return licence


def application_add(*, actor: AbstractBaseUser, licences, **details):
    """Several licences filed together as one matter, each accepted; their reminders follow, and a visit at
    the window counts as contact for the butler's tasks."""
    with transaction.atomic():
        application = application_file(actor=actor, licences=licences, to=LicenceStatus.APPLIED, **details)
        for licence in application.licences.select_related("company", "licence_type", "vehicle", "person"):
            licence_reminders_plan(licence=licence)
        for active in (
            ServicePeriod.objects.active()
            .select_related("company", "butler__user")
            .filter(company_id=application.company_id)
        ):
            period_reminders_plan(period=active)
    return application


def commitment_check(*, actor: AbstractBaseUser, licence, on: date, kept: bool, note: str = ""):
    """The later check of a commitment-based approval; a broken commitment revokes the licence, and its
    reminders stop."""
    with transaction.atomic():
        licence = commitment_verify(actor=actor, licence=licence, on=on, kept=kept, note=note)
        licence_reminders_plan(licence=licence)
    return licence


def cancel_notice_record(*, actor: AbstractBaseUser, licence, on: date):
    """A lapsed licence noticed for cancellation: the company, its butler and the managers are reminded
    before the day it is cancelled, so that the company can apply again in time."""
    with transaction.atomic():
        licence = registry.licence_cancel_notice(actor=actor, licence=licence, on=on)
        licence_reminders_plan(licence=licence)
    return licence


def _replan(licence_ids) -> None:
    for licence in CompanyLicence.objects.select_related("company", "licence_type").filter(
        pk__in=licence_ids
    ):
        licence_reminders_plan(licence=licence)


def change_open(*, actor: AbstractBaseUser, licence, **details):
    """A change of a held licence (变更) to apply for: the company and its butler are reminded by its date."""
    with transaction.atomic():
        change = registry.licence_change_open(actor=actor, licence=licence, **details)
        _replan([change.licence_id])
    return change


def changes_file(*, actor: AbstractBaseUser, changes, **details):
    """Changes applied for as one matter: their reminders stop, and a visit at the window counts as
    contact for the butler's tasks."""
    with transaction.atomic():
        changes = registry.licence_changes_file(actor=actor, changes=changes, **details)
        _replan({change.licence_id for change in changes})
        company_id = changes[0].licence.company_id
        for active in (
            ServicePeriod.objects.active()
            .select_related("company", "butler__user")
            .filter(company_id=company_id)
        ):
            period_reminders_plan(period=active)
    return changes


def change_decide(*, actor: AbstractBaseUser, change, **details):
    with transaction.atomic():
        change = registry.licence_change_decide(actor=actor, change=change, **details)
    return change


def change_withdraw(*, actor: AbstractBaseUser, change):
    with transaction.atomic():
        change = registry.licence_change_withdraw(actor=actor, change=change)
        _replan([change.licence_id])
    return change


def _tell_the_company(licence, to: str) -> None:
    recipients = [contact.user for contact in licence.company.contacts.select_related("user") if contact.user]
    if to == LicenceStatus.REFUSED:
        title = text(gettext_noop("%(licence)s: refused"), licence=named(licence))
        body, due_on = licence.refusal_reasons, None
        key = f"refused:{licence.pk}:{licence.decided_on:%Y%m%d}"
    else:
        title = text(
            gettext_noop("%(licence)s: materials to supply by %(date)s"),
            licence=named(licence),
            date=f"{licence.supply_by:%Y-%m-%d}",
        )
        body, due_on = notice_lines(licence), licence.supply_by
        key = _missing_key(licence, licence.missing_materials.all())
    notice_send(
        recipients=recipients,
        title=title,
        body=body,
        url=reverse("portal:licences"),
        key=key,
        due_on=due_on,
        audience=f"company:{licence.company_id}",
    )


def notice_lines(licence) -> Text:
    """The notice's list: "1. 行驶证复印件（不清晰）" — each material and, where given, why."""
    lines = []
    for number, material in enumerate(licence.missing_materials.order_by("position"), start=1):
        reason = licence.missing_reasons.get(str(material.pk), "")
        what = text(gettext_noop("%(material)s (%(reason)s)"), material=named(material), reason=reason)
        lines.append(joined([f"{number}. ", what if reason else named(material)], ""))
    return joined(lines)


def trip_undo(*, actor: AbstractBaseUser, trip) -> None:
    """A visit recorded by mistake taken back; the butler's contact tasks follow."""
    with transaction.atomic():
        company_id = trip.licence.company_id
        registry.trip_undo(actor=actor, trip=trip)
        for active in (
            ServicePeriod.objects.active()
            .select_related("company", "butler__user")
            .filter(company_id=company_id)
        ):
            period_reminders_plan(period=active)


SUBJECTS = {"vehicle": registry.vehicle_add, "person": registry.person_add, "vessel": registry.vessel_add}


def company_subject_add(*, actor: AbstractBaseUser, company, kind: str, **fields):
    """A vehicle, person or vessel: the licence plan and the reminders follow in the same transaction."""
    with transaction.atomic():
        subject = SUBJECTS[kind](actor=actor, company=company, **fields)
        company_reminders_plan(company=company)
    return subject


def trip_permit_add(*, actor: AbstractBaseUser, company, licence_type, note: str = "", **details):
    """A trip permit to apply for (an oversize load, say), planned and reminded like any licence."""
    with transaction.atomic():
        licence = registry.licence_add_trip_permit(
            actor=actor, company=company, licence_type=licence_type, note=note, **details
        )
        company_reminders_plan(company=company)
    return licence
