"""The registry and the licence domain: companies, contacts, subjects, catalogue, licences, calendar."""

from companies.models.calendar import CalendarDay, CalendarYear
from companies.models.catalogue import (
    BusinessScope,
    LicenceMaterial,
    LicenceScope,
    LicenceType,
    MaterialStage,
    RenewalKind,
)
from companies.models.changes import ChangeItem, ChangeStatus, LicenceChange
from companies.models.licences import (
    Application,
    CompanyLicence,
    LicenceChannel,
    LicenceStatus,
    ResultDelivery,
    RouteSpan,
    Trip,
    TripEvent,
)
from companies.models.obligations import Cadence, Evidence, Obligation, ObligationType
from companies.models.registry import (
    BusinessType,
    Company,
    CompanyQuerySet,
    Contact,
    District,
    ReminderChoice,
)
from companies.models.subjects import Person, PersonRole, Vehicle, VehicleExit, VehicleType, Vessel

__all__ = [
    "ChangeItem",
    "ChangeStatus",
    "LicenceChange",
    "BusinessScope",
    "Cadence",
    "Evidence",
    "Obligation",
    "ObligationType",
    "VehicleExit",
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
    "MaterialStage",
    "RenewalKind",
    "Application",
    "ResultDelivery",
    "RouteSpan",
    "TripEvent",
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
