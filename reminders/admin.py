from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from reminders.models import Notice, Reminder


@admin.register(Notice)
class NoticeAdmin(SimpleHistoryAdmin):
    list_display = ["title", "recipient", "created_at", "read_at"]
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
    search_fields = ["subject", "recipient__username"]
    list_select_related = ["recipient"]
    raw_id_fields = ["recipient"]
    readonly_fields = [
        "lease_until",
        "attempts",
        "last_error",
        "provider_message_id",
        "sent_at",
        "created_at",
    ]
