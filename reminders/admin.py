from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from reminders.history_admin import SimpleHistoryAdmin
from reminders.models import Notice, OutboxMessage, Reminder
from reminders.services import reminders_retry


@admin.register(Notice)
class NoticeAdmin(SimpleHistoryAdmin):
    list_display = ["title", "recipient", "due_on", "created_at", "read_at"]
    list_select_related = ["recipient"]
    search_fields = ["title", "recipient__username"]
    raw_id_fields = ["recipient"]


@admin.register(Reminder)
class ReminderAdmin(SimpleHistoryAdmin):
    list_display = [
        "subject",
        "kind",
        "due_on",
        "offset_days",
        "channel",
        "recipient",
        "status",
        "late",
        "sent_at",
    ]
    list_filter = ["status", "channel", "kind", "late"]
    search_fields = ["subject", "scope", "label", "recipient__username"]
    actions = ["send_again"]
    list_select_related = ["recipient"]
    raw_id_fields = ["recipient", "message"]
    readonly_fields = ["message", "attempts", "last_error", "provider_message_id", "sent_at", "created_at"]

    @admin.action(description=_("Send the failed ones again"))
    def send_again(self, request, queryset):
        retried = reminders_retry(ids=queryset.values_list("pk", flat=True))
        self.message_user(request, _("%(n)d reminders will be sent again.") % {"n": retried})


@admin.register(OutboxMessage)
class OutboxMessageAdmin(SimpleHistoryAdmin):
    """Read-only: a message is made once by the engine and never changed by hand."""

    list_display = ["key", "recipient", "channel", "kind", "day", "state", "attempts", "sent_at"]
    list_filter = ["state", "channel", "kind"]
    search_fields = ["key", "recipient__username", "title", "address"]
    list_select_related = ["recipient"]
    date_hierarchy = "day"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
