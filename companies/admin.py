from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from companies.models import (
    BusinessScope,
    BusinessType,
    Cadence,
    CalendarDay,
    CalendarYear,
    Company,
    CompanyLicence,
    Contact,
    LicenceMaterial,
    LicenceType,
    Obligation,
    ObligationType,
    Person,
    Trip,
    Vehicle,
    Vessel,
)
from companies.services import licence_due_dates_recompute
from reminders.history_admin import SimpleHistoryAdmin


@admin.register(BusinessType)
class BusinessTypeAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name_zh", "name_en", "position"]
    list_editable = ["position"]


class ContactInline(admin.TabularInline):
    model = Contact
    extra = 0
    fields = ["name", "position", "mobile", "email", "is_primary", "user"]
    raw_id_fields = ["user"]


@admin.register(Company)
class CompanyAdmin(SimpleHistoryAdmin):
    list_display = ["name", "credit_code", "district", "status", "registered_on"]
    list_filter = ["status", "district", "business_types"]
    search_fields = ["name", "=credit_code"]
    filter_horizontal = ["business_types"]
    inlines = [ContactInline]
    date_hierarchy = "registered_on"


@admin.register(Contact)
class ContactAdmin(SimpleHistoryAdmin):
    list_display = ["name", "company", "mobile", "email", "is_primary", "user"]
    search_fields = ["name", "=mobile", "company__name"]
    list_select_related = ["company", "user"]
    raw_id_fields = ["company", "user"]


class LicenceMaterialInline(admin.TabularInline):
    model = LicenceMaterial
    extra = 0
    fields = ["position", "name_zh", "name_en"]


@admin.register(LicenceType)
class LicenceTypeAdmin(SimpleHistoryAdmin):
    list_display = [
        "name_zh",
        "code",
        "scope",
        "statutory_limit_days",
        "committed_limit_days",
        "validity_months",
        "renew_days_before",
        "material_count",
    ]
    list_filter = ["scope", "issuing_level", "business_types"]
    search_fields = ["code", "name_zh", "name_en"]
    filter_horizontal = ["business_types"]
    inlines = [LicenceMaterialInline]

    @admin.display(description=_("materials"))
    def material_count(self, obj) -> int:
        return obj.materials.count()


@admin.register(LicenceMaterial)
class LicenceMaterialAdmin(SimpleHistoryAdmin):
    list_display = ["name_zh", "licence_type", "position"]
    list_filter = ["licence_type"]
    search_fields = ["name_zh", "name_en"]


@admin.register(Vehicle)
class VehicleAdmin(SimpleHistoryAdmin):
    list_display = ["plate", "company", "vehicle_type", "total_mass_kg"]
    list_filter = ["vehicle_type"]
    search_fields = ["plate", "company__name"]
    raw_id_fields = ["company"]


@admin.register(Person)
class PersonAdmin(SimpleHistoryAdmin):
    list_display = ["name", "company", "role", "mobile"]
    list_filter = ["role"]
    search_fields = ["name", "company__name"]
    raw_id_fields = ["company"]


@admin.register(Vessel)
class VesselAdmin(SimpleHistoryAdmin):
    list_display = ["name", "registration_number", "company"]
    search_fields = ["name", "registration_number", "company__name"]
    raw_id_fields = ["company"]


class TripInline(admin.TabularInline):
    model = Trip
    extra = 0
    raw_id_fields = ["recorded_by"]


@admin.register(CompanyLicence)
class CompanyLicenceAdmin(SimpleHistoryAdmin):
    list_display = ["licence_type", "company", "subject_key", "status", "obtain_by", "expires_on"]
    list_filter = ["status", "licence_type"]
    search_fields = ["company__name", "certificate_number", "vehicle__plate", "person__name"]
    list_select_related = ["licence_type", "company"]
    raw_id_fields = ["company", "vehicle", "person", "vessel"]
    filter_horizontal = ["missing_materials"]
    inlines = [TripInline]


class RecomputesDueDates:
    """A calendar change moves the due dates of pending applications in the years it touches.

    The admin classes that use it say which year a row touches with ``year_of(obj)``.
    """

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        moved = licence_due_dates_recompute(years={self.year_of(obj)})
        if moved:
            self.message_user(
                request, _("%(count)d pending applications got new due dates.") % {"count": moved}
            )

    def delete_model(self, request, obj):
        year = self.year_of(obj)
        super().delete_model(request, obj)
        licence_due_dates_recompute(years={year})


@admin.register(CalendarDay)
class CalendarDayAdmin(RecomputesDueDates, SimpleHistoryAdmin):
    list_display = ["date", "kind", "note"]
    list_filter = ["kind"]
    date_hierarchy = "date"

    def year_of(self, obj) -> int:
        return obj.date.year


@admin.register(CalendarYear)
class CalendarYearAdmin(RecomputesDueDates, SimpleHistoryAdmin):
    list_display = ["year", "confirmed", "note"]

    def year_of(self, obj) -> int:
        return obj.year


@admin.register(BusinessScope)
class BusinessScopeAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name_zh", "name_en", "position"]
    list_editable = ["position"]


class CadenceInline(admin.TabularInline):
    model = Cadence
    extra = 0


@admin.register(ObligationType)
class ObligationTypeAdmin(SimpleHistoryAdmin):
    list_display = ["name_zh", "scope", "evidence", "every_months", "cadence_verified", "position"]
    list_filter = ["scope", "cadence_verified", "business_types"]
    inlines = [CadenceInline]


@admin.register(Obligation)
class ObligationAdmin(SimpleHistoryAdmin):
    list_display = ["company", "obligation_type", "subject_key", "due_on", "last_done_on", "ended_on"]
    list_filter = ["obligation_type"]
    search_fields = ["company__name", "vehicle__plate", "person__name"]
    raw_id_fields = ["company", "vehicle", "person", "vessel"]
    date_hierarchy = "due_on"
