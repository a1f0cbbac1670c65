from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from companies.models import BusinessType, Company, Contact


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
