"""Vehicles, people and vessels: each change re-derives the company's licence plan."""

from datetime import date

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from companies.models import Company, Person, Vehicle, Vessel
from companies.phones import normalize_mobile
from companies.plates import normalize_plate
from companies.services.plan import DANGEROUS_GOODS_ROLES, licence_plan_sync

ROLE_OUTSIDE_DANGEROUS_GOODS = _lazy(
    "Escorts and loading managers work in dangerous goods transport only; this company does not carry "
    "dangerous goods."
)


def carries_dangerous_goods(company: Company) -> bool:
    return company.business_types.filter(code="dangerous_goods").exists()


def _save(instance, actor) -> None:
    instance.full_clean()
    instance._history_user = actor
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError as error:  # the same plate or registration number, saved a moment ago
        raise ValidationError(_("This is already registered.")) from error


@transaction.atomic
def vehicle_add(
    *,
    actor: AbstractBaseUser | None,
    company: Company,
    plate: str,
    vehicle_type: str,
    total_mass_kg: int,
    registered_on: date | None = None,
    sync_plan: bool = True,
) -> Vehicle:
    vehicle = Vehicle(
        company=company,
        plate=normalize_plate(plate),
        vehicle_type=vehicle_type,
        total_mass_kg=total_mass_kg,
        registered_on=registered_on,
    )
    _save(vehicle, actor)
    if sync_plan:
        licence_plan_sync(company=company, actor=actor)
    return vehicle


@transaction.atomic
def vehicle_update(
    *,
    actor: AbstractBaseUser | None,
    vehicle: Vehicle,
    plate: str,
    vehicle_type: str,
    total_mass_kg: int,
    registered_on: date | None = None,
    sync_plan: bool = True,
) -> Vehicle:
    """A vehicle of the fleet as the company's sheet has it now (the plate is the key); what is not given
    is kept."""
    vehicle.vehicle_type = vehicle_type
    vehicle.total_mass_kg = total_mass_kg
    vehicle.registered_on = registered_on or vehicle.registered_on
    _save(vehicle, actor)
    if sync_plan:
        licence_plan_sync(company=vehicle.company, actor=actor)
    return vehicle


@transaction.atomic
def person_add(
    *,
    actor: AbstractBaseUser | None,
    company: Company,
    name: str,
    role: str,
    mobile: str = "",
    sync_plan: bool = True,
) -> Person:
    if role in DANGEROUS_GOODS_ROLES and not carries_dangerous_goods(company):
        raise ValidationError({"role": str(ROLE_OUTSIDE_DANGEROUS_GOODS)})
    person = Person(
        company=company, name=name.strip(), role=role, mobile=normalize_mobile(mobile) if mobile else ""
    )
    _save(person, actor)
    if sync_plan:
        licence_plan_sync(company=company, actor=actor)
    return person


@transaction.atomic
def person_update(*, actor: AbstractBaseUser | None, person: Person, mobile: str = "") -> Person:
    """A person already on the company's list, as its sheet has them now (name and role are the key); a
    mobile number not given is kept."""
    if mobile:
        person.mobile = normalize_mobile(mobile)
        _save(person, actor)
    return person


@transaction.atomic
def vessel_add(
    *,
    actor: AbstractBaseUser | None,
    company: Company,
    name: str,
    registration_number: str,
    sync_plan: bool = True,
) -> Vessel:
    vessel = Vessel(
        company=company, name=name.strip(), registration_number=registration_number.strip().upper()
    )
    _save(vessel, actor)
    if sync_plan:
        licence_plan_sync(company=company, actor=actor)
    return vessel
