from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from butler.feedback.models import (
    AuditCase,
    CentrePush,
    Dispute,
    ImprovementAction,
    Rating,
    RatingTag,
    Suggestion,
)
from butler.security import roles
from butler.security.sessions import user_sessions_end
from butler.service.models import Butler, CardCounter, PortalInvitation, ReminderRule, ServicePeriod
from reminders.history_admin import SimpleHistoryAdmin
from reminders.models import LanguagePreference


@admin.register(Butler)
class ButlerAdmin(SimpleHistoryAdmin):
    list_display = ["display_name", "user", "window", "office_phone", "mobile", "active"]
    list_filter = ["active"]
    search_fields = ["display_name", "user__username"]
    raw_id_fields = ["user"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        roles.add_role(obj.user, roles.BUTLER)
        if change and "active" in form.changed_data and not obj.active:
            # A deactivated butler is signed out everywhere at once.
            user_sessions_end(user=obj.user, reason="butler_deactivated")


class LanguagePreferenceInline(admin.StackedInline):
    model = LanguagePreference
    can_delete = True
    extra = 0
    max_num = 1


class UserAdmin(DjangoUserAdmin):
    """Django's user admin; switching a user off (``is_active``) also ends their open sessions. The person's
    language (their pages once signed in, their e-mails and texts) is set here too."""

    inlines = [LanguagePreferenceInline]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "is_active" in form.changed_data and not obj.is_active:
            user_sessions_end(user=obj, reason="user_deactivated")


admin.site.unregister(get_user_model())
admin.site.register(get_user_model(), UserAdmin)


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
        "by_chat",
        "statutory",
        "active",
    ]
    list_filter = ["kind", "active", "statutory"]
    list_select_related = ["licence_type"]
    autocomplete_fields = ["licence_type"]
    fieldsets = [
        (None, {"fields": ["kind", "licence_type", "days", "active"]}),
        (_("Recipients"), {"fields": ["to_company", "to_butler", "to_manager"]}),
        (_("Channels (always in the app, and)"), {"fields": ["by_email", "by_sms", "by_chat", "statutory"]}),
    ]


# --- feedback -------------------------------------------------------------------------------------------


class ReadOnlyHistoryAdmin(SimpleHistoryAdmin):
    """Shown here with its history, changed nowhere here — not even by a superuser.

    Ratings and suggestions are the company's words and stay as given. Audit cases and improvement actions
    move only through their pages (the services behind them keep the deadlines, reminders, the contact log
    and the rules of each step right), so an edit here would bypass all of that."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        opts = self.model._meta
        return [field.name for field in (*opts.fields, *opts.many_to_many)]

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        """A past version may be looked at, never restored ("revert" would save it)."""
        if request.method != "GET":
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)


CENTRE_FIELDS = [
    *("key", "state", "attempts", "next_try_at"),
    *("answer_status", "answer_body", "centre_id", "sent_at", "last_error"),
]


class CentrePushInline(admin.TabularInline):
    """Under the rating: its push to the provincial rating centre, and what the centre answered."""

    model = CentrePush
    fields = readonly_fields = CENTRE_FIELDS
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Rating)
class RatingAdmin(ReadOnlyHistoryAdmin):
    list_display = ["created_at", "company", "kind", "overall", "butler", "contact"]
    list_filter = ["kind", "overall", "butler"]
    list_select_related = ["company", "butler", "contact"]
    search_fields = ["company__name", "=company__credit_code", "comment"]
    date_hierarchy = "created_at"
    inlines = [CentrePushInline]


@admin.register(CentrePush)
class CentrePushAdmin(ReadOnlyHistoryAdmin):
    """Every rating on its way to the provincial rating centre: sent, waiting for its next try, or failed
    with the centre's answer. Sent by the workers only (butler/feedback/centre.py)."""

    list_display = [
        *("key", "rating", "state", "attempts"),
        *("next_try_at", "answer_status", "centre_id", "sent_at"),
    ]
    list_filter = ["state"]
    list_select_related = ["rating__company"]
    search_fields = ["key", "centre_id", "rating__company__name", "=rating__company__credit_code"]
    date_hierarchy = "created_at"


@admin.register(Suggestion)
class SuggestionAdmin(ReadOnlyHistoryAdmin):
    list_display = ["created_at", "company", "category", "source", "butler"]
    list_filter = ["category", "source"]
    list_select_related = ["company", "butler"]
    search_fields = ["company__name", "=company__credit_code", "text"]
    date_hierarchy = "created_at"


@admin.register(AuditCase)
class AuditCaseAdmin(ReadOnlyHistoryAdmin):
    list_display = ["__str__", "company", "step", "step_due", "concerns", "finding", "opened_at"]
    list_filter = ["step", "finding"]
    list_select_related = ["company", "concerns"]
    search_fields = ["company__name", "=company__credit_code"]
    date_hierarchy = "opened_at"


@admin.register(Dispute)
class DisputeAdmin(ReadOnlyHistoryAdmin):
    list_display = ["__str__", "grounds", "filed_at", "upheld", "decided_at"]
    list_filter = ["grounds", "upheld"]
    list_select_related = ["case"]


@admin.register(RatingTag)
class RatingTagAdmin(SimpleHistoryAdmin):
    """The evaluation tags offered under the levels: catalogue data the window edits."""

    list_display = ["name_zh", "name_en", "polarity", "position", "active"]
    list_editable = ["position", "active"]
    list_filter = ["polarity", "active"]


@admin.register(ImprovementAction)
class ImprovementActionAdmin(ReadOnlyHistoryAdmin):
    list_display = ["title", "status", "owner", "due_on", "done_on", "licence_type", "changed_on"]
    list_filter = ["status"]
    list_select_related = ["owner", "licence_type"]
    search_fields = ["title", "description", "outcome"]


# --- the API's tokens and the approval system's events (butler/api/admin.py) ------------------------------

import butler.api.admin  # noqa: E402, F401
