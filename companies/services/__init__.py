"""State changes of the registry and the licence domain (one module per concept, re-exported here)."""

from companies.services.changes import (
    company_changes_open,
    licence_change_decide,
    licence_change_open,
    licence_change_withdraw,
    licence_changes_file,
)
from companies.services.licences import (
    application_file,
    application_open,
    commitment_verify,
    licence_add_trip_permit,
    licence_cancel_notice,
    licence_due_dates_recompute,
    licence_record_held,
    licence_statuses_refresh,
    licence_transition,
    trip_record,
    trip_undo,
)
from companies.services.obligations import obligation_record, vehicle_retire
from companies.services.plan import licence_plan_sync, obligation_plan_sync
from companies.services.registry import (
    Registered,
    Registration,
    company_register,
    company_status_change,
    company_update,
    contact_add,
    contact_update,
)
from companies.services.subjects import person_add, person_update, vehicle_add, vehicle_update, vessel_add

__all__ = [
    "company_changes_open",
    "licence_change_decide",
    "licence_change_open",
    "licence_change_withdraw",
    "licence_changes_file",
    "application_file",
    "application_open",
    "commitment_verify",
    "Registered",
    "Registration",
    "company_register",
    "company_status_change",
    "company_update",
    "contact_add",
    "contact_update",
    "licence_add_trip_permit",
    "licence_cancel_notice",
    "licence_due_dates_recompute",
    "licence_record_held",
    "licence_plan_sync",
    "obligation_plan_sync",
    "obligation_record",
    "vehicle_retire",
    "licence_statuses_refresh",
    "licence_transition",
    "person_add",
    "person_update",
    "trip_record",
    "trip_undo",
    "vehicle_add",
    "vehicle_update",
    "vessel_add",
]
