from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from reminders.history_admin import SimpleHistoryAdmin
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
    search_fields = ["subject", "scope", "label", "recipient__username"]
    actions = ["send_again"]
    list_select_related = ["recipient"]
    raw_id_fields = ["recipient"]
    readonly_fields = [
        "lease_until",
        "attempts",
        "last_error",
        "provider_message_id",
        "sent_at",
        "created_at",
        "batch",
    ]

    @admin.action(description=_("Send the failed ones again"))
    def send_again(self, request, queryset):
        from reminders.services import reminders_retry

        retried = reminders_retry(ids=queryset.values_list("pk", flat=True))
        self.message_user(request, _("%(n)d reminders will be sent again.") % {"n": retried})
