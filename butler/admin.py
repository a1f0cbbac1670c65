from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from butler import roles
from butler.models import Butler, CardCounter, PortalInvitation, ReminderRule, ServicePeriod


@admin.register(Butler)
class ButlerAdmin(SimpleHistoryAdmin):
    list_display = ["display_name", "user", "window", "office_phone", "mobile", "active"]
    list_filter = ["active"]
    search_fields = ["display_name", "user__username"]
    raw_id_fields = ["user"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        roles.add_role(obj.user, roles.BUTLER)


@admin.register(ServicePeriod)
class ServicePeriodAdmin(SimpleHistoryAdmin):
    list_display = ["card_number", "company", "butler", "start_date", "end_date", "status", "ended_on"]
    list_filter = ["status", "butler"]
    search_fields = ["card_number", "company__name", "=company__credit_code"]
    list_select_related = ["company", "butler"]
    raw_id_fields = ["company", "previous"]
    date_hierarchy = "start_date"


@admin.register(PortalInvitation)
class PortalInvitationAdmin(SimpleHistoryAdmin):
    list_display = ["contact", "created_at", "expires_at", "used_at", "revoked_at", "created_by"]
    list_select_related = ["contact__company", "created_by"]
    readonly_fields = ["token_hash", "created_at", "used_at"]
    raw_id_fields = ["contact", "created_by"]


@admin.register(CardCounter)
class CardCounterAdmin(admin.ModelAdmin):
    list_display = ["year", "last"]


@admin.register(ReminderRule)
class ReminderRuleAdmin(SimpleHistoryAdmin):
    """Who is reminded of which date, how many days before (or after), and by which channels."""

    list_display = [
        "kind",
        "licence_type",
        "days",
        "to_company",
        "to_butler",
        "to_manager",
        "by_email",
        "by_sms",
        "statutory",
        "active",
    ]
    list_filter = ["kind", "active", "statutory"]
    list_select_related = ["licence_type"]
    autocomplete_fields = ["licence_type"]
    fieldsets = [
        (None, {"fields": ["kind", "licence_type", "days", "active"]}),
        (_("Recipients"), {"fields": ["to_company", "to_butler", "to_manager"]}),
        (_("Channels (always in the app, and)"), {"fields": ["by_email", "by_sms", "statutory"]}),
    ]
