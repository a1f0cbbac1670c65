"""The licence plan: which licences a company must hold, derived from what it does and what it runs."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from companies.lifecycle import CLOSED
from companies.models import (
    Company,
    CompanyLicence,
    LicenceScope,
    LicenceStatus,
    LicenceType,
    Obligation,
    ObligationType,
    Person,
    PersonRole,
    Vehicle,
    VehicleType,
    Vessel,
)

# Business types whose vehicles never fall under the light-freight exemption.
NOT_LIGHT_FREIGHT = {"dangerous_goods", "passenger"}
# Escorts (押运员) and loading managers (装卸管理人员) work in dangerous goods transport only.
DANGEROUS_GOODS_ROLES = {PersonRole.ESCORT, PersonRole.LOADER}


def roles_needed(type_codes: set[str], roles: set[str]) -> set[str]:
    """The people's roles a person licence covers for a company doing these businesses."""
    return roles if "dangerous_goods" in type_codes else roles - DANGEROUS_GOODS_ROLES


@dataclass(frozen=True)
class Need:
    licence_type: LicenceType
    subject_key: str
    vehicle: Vehicle | None = None
    person: Person | None = None
    vessel: Vessel | None = None


@dataclass(frozen=True)
class ObligationNeed:
    kind: ObligationType
    subject_key: str
    vehicle: Vehicle | None = None
    person: Person | None = None
    vessel: Vessel | None = None


@dataclass(frozen=True)
class PlanResult:
    created: int
    reactivated: int
    removed: int
    marked_not_required: int


# Ordinary freight vehicles: the only ones the light-vehicle exemption covers.
FREIGHT_VEHICLES = {VehicleType.TRUCK, VehicleType.VAN, VehicleType.TRACTOR, VehicleType.TRAILER}


def _light(vehicle: Vehicle, limit: int | None) -> bool:
    return limit is not None and vehicle.total_mass_kg <= limit and vehicle.vehicle_type in FREIGHT_VEHICLES


def licence_needs(company: Company) -> list[Need]:
    """Every licence the company must hold now, exemptions applied. Reads a fixed number of queries."""
    type_codes = {bt.code for bt in company.business_types.all()}
    vehicles = list(company.vehicles.in_fleet())
    people = list(company.people.all())
    vessels = list(company.vessels.all())
    catalogue = (
        LicenceType.objects.exclude(scope=LicenceScope.TRIP)
        .filter(business_types__code__in=type_codes)
        .distinct()
        .prefetch_related("business_types")
    )
    only_ordinary_freight = not (type_codes & NOT_LIGHT_FREIGHT)
    needs: list[Need] = []
    for licence_type in catalogue:
        limit = licence_type.exempt_max_mass_kg
        # A company that carries ordinary freight only, in light vehicles, needs neither the company nor the
        # person licence that the exemption names.
        all_light = only_ordinary_freight and bool(vehicles) and all(_light(v, limit) for v in vehicles)
        if licence_type.scope == LicenceScope.COMPANY:
            if not (limit is not None and all_light):
                needs.append(Need(licence_type, "company"))
        elif licence_type.scope == LicenceScope.VEHICLE:
            for vehicle in vehicles:
                if not (only_ordinary_freight and _light(vehicle, limit)):
                    needs.append(Need(licence_type, f"vehicle:{vehicle.pk}", vehicle=vehicle))
        elif licence_type.scope == LicenceScope.PERSON:
            if limit is not None and all_light:
                continue
            roles = roles_needed(type_codes, licence_type.roles)
            for person in people:
                if person.role in roles:
                    needs.append(Need(licence_type, f"person:{person.pk}", person=person))
        elif licence_type.scope == LicenceScope.VESSEL:
            for vessel in vessels:
                needs.append(Need(licence_type, f"vessel:{vessel.pk}", vessel=vessel))
    return needs


def _has_progress(licence: CompanyLicence) -> bool:
    return (
        licence.status != LicenceStatus.REQUIRED
        or licence.accepted_on is not None
        or bool(licence.certificate_number)
        or licence.trip_count > 0
    )


@transaction.atomic
def licence_plan_sync(
    *, company: Company, actor: AbstractBaseUser | None = None, start: date | None = None
) -> PlanResult:
    """Bring the company's licences in line with its needs. Idempotent.

    New needs become ``required`` licences with an obtain-by date counted from ``start`` (the service
    period's start when it opens; otherwise today, the day the need arose). A licence no longer needed is
    removed only if nothing happened to it yet; one with progress is set aside as not required, and given
    back its status if the need returns. A licence a butler marked not required stays so.
    """
    Company.objects.select_for_update().filter(pk=company.pk).values_list("pk", flat=True).first()
    restart = start is not None
    start = start or timezone.localdate()
    needs = {(need.licence_type.pk, need.subject_key): need for need in licence_needs(company)}
    existing = {
        (licence.licence_type_id, licence.subject_key): licence
        for licence in company.licences.exclude(licence_type__scope=LicenceScope.TRIP).annotate(
            trip_count=Count("trips")
        )
    }
    created = reactivated = removed = marked = 0
    for key, need in needs.items():
        licence = existing.get(key)
        if licence is None:
            within = need.licence_type.obtain_within_days
            licence = CompanyLicence(
                company=company,
                licence_type=need.licence_type,
                subject_key=need.subject_key,
                vehicle=need.vehicle,
                person=need.person,
                vessel=need.vessel,
                obtain_by=start + timedelta(days=within) if within else None,
            )
            licence._history_user = actor
            licence.save()
            created += 1
        elif licence.status == LicenceStatus.NOT_REQUIRED and licence.set_aside_by_plan:
            licence.status = licence.status_before_set_aside or LicenceStatus.REQUIRED
            licence.set_aside_by_plan = False
            licence.status_before_set_aside = ""
            within = need.licence_type.obtain_within_days
            if licence.status == LicenceStatus.REQUIRED and within:
                licence.obtain_by = start + timedelta(days=within)
            licence._history_user = actor
            licence.save(
                update_fields=[
                    "status",
                    "set_aside_by_plan",
                    "status_before_set_aside",
                    "obtain_by",
                    "updated_at",
                ]
            )
            reactivated += 1
        elif restart and licence.status == LicenceStatus.REQUIRED and need.licence_type.obtain_within_days:
            # The service period starts: deadlines not yet worked on count from its first day.
            obtain_by = start + timedelta(days=need.licence_type.obtain_within_days)
            if licence.obtain_by != obtain_by:
                licence.obtain_by = obtain_by
                licence._history_user = actor
                licence.save(update_fields=["obtain_by", "updated_at"])
    for key, licence in existing.items():
        if key in needs:
            continue
        if not _has_progress(licence):
            licence._history_user = actor
            licence.delete()
            removed += 1
        elif licence.status not in CLOSED and licence.status != LicenceStatus.EXPIRED:
            licence.status_before_set_aside = licence.status
            licence.status = LicenceStatus.NOT_REQUIRED
            licence.set_aside_by_plan = True
            licence._history_user = actor
            licence.save(
                update_fields=["status", "status_before_set_aside", "set_aside_by_plan", "updated_at"]
            )
            marked += 1
    obligation_plan_sync(company=company, actor=actor, type_codes=type_codes_of(company))
    return PlanResult(created, reactivated, removed, marked)


def type_codes_of(company: Company) -> set[str]:
    return {bt.code for bt in company.business_types.all()}


def obligation_needs(company: Company, type_codes: set[str]) -> list[ObligationNeed]:
    """Every periodic obligation the company's fleet, people and vessels carry now (a fixed number of
    queries): by business type, vehicle type or role, light ordinary freight exempt where the catalogue
    says."""
    vehicles = list(company.vehicles.in_fleet())
    people = list(company.people.all())
    vessels = list(company.vessels.all())
    only_ordinary_freight = not (type_codes & NOT_LIGHT_FREIGHT)
    kinds = (
        ObligationType.objects.filter(business_types__code__in=type_codes)
        .distinct()
        .prefetch_related("cadences")
    )
    needs = []
    for kind in kinds:
        limit = kind.exempt_max_mass_kg
        all_light = only_ordinary_freight and bool(vehicles) and all(_light(v, limit) for v in vehicles)
        if kind.scope == LicenceScope.VEHICLE:
            types = kind.for_vehicle_types
            for vehicle in vehicles:
                if types and vehicle.vehicle_type not in types:
                    continue
                if only_ordinary_freight and _light(vehicle, limit):
                    continue
                needs.append(ObligationNeed(kind, f"vehicle:{vehicle.pk}", vehicle=vehicle))
        elif kind.scope == LicenceScope.PERSON:
            if limit is not None and all_light:
                continue
            roles = roles_needed(type_codes, kind.for_roles or set(PersonRole.values))
            for person in people:
                if person.role in roles:
                    needs.append(ObligationNeed(kind, f"person:{person.pk}", person=person))
        elif kind.scope == LicenceScope.VESSEL:
            for vessel in vessels:
                needs.append(ObligationNeed(kind, f"vessel:{vessel.pk}", vessel=vessel))
    return needs


def obligation_plan_sync(
    *, company: Company, actor: AbstractBaseUser | None = None, type_codes: set[str] | None = None
) -> int:
    """Bring the company's periodic obligations in line with its fleet: new ones open with no date until the
    last time is recorded; one no longer needed ends (kept, with its history), and opens again if needed
    again. Idempotent; returns how many changed."""
    today = timezone.localdate()
    type_codes = type_codes_of(company) if type_codes is None else type_codes
    needs = {(need.kind.pk, need.subject_key): need for need in obligation_needs(company, type_codes)}
    existing = {(o.obligation_type_id, o.subject_key): o for o in company.obligations.all()}
    changed = 0
    for key, need in needs.items():
        obligation = existing.get(key)
        if obligation is None:
            obligation = Obligation(
                company=company,
                obligation_type=need.kind,
                subject_key=need.subject_key,
                vehicle=need.vehicle,
                person=need.person,
                vessel=need.vessel,
            )
        elif obligation.ended_on is not None:
            obligation.ended_on = None
        else:
            continue
        obligation._history_user = actor
        obligation.save()
        changed += 1
    for key, obligation in existing.items():
        if key not in needs and obligation.ended_on is None:
            obligation.ended_on = today
            obligation._history_user = actor
            obligation.save(update_fields=["ended_on", "updated_at"])
            changed += 1
    return changed
