"""The registry and the licence domain: companies, contacts, subjects, catalogue, licences, calendar."""

from companies.models.calendar import CalendarDay, CalendarYear
from companies.models.catalogue import LicenceMaterial, LicenceScope, LicenceType
from companies.models.licences import CompanyLicence, LicenceChannel, LicenceStatus, Trip
from companies.models.registry import (
    BusinessType,
    Company,
    CompanyQuerySet,
    Contact,
    District,
    ReminderChoice,
)
from companies.models.subjects import Person, PersonRole, Vehicle, VehicleType, Vessel

__all__ = [
    "BusinessType",
    "CalendarDay",
    "CalendarYear",
    "Company",
    "CompanyLicence",
    "CompanyQuerySet",
    "Contact",
    "ReminderChoice",
    "District",
    "LicenceChannel",
    "LicenceMaterial",
    "LicenceScope",
    "LicenceStatus",
    "LicenceType",
    "Person",
    "PersonRole",
    "Trip",
    "Vehicle",
    "VehicleType",
    "Vessel",
]
