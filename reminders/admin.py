from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from reminders.models import Notice


@admin.register(Notice)
class NoticeAdmin(SimpleHistoryAdmin):
    list_display = ["title", "recipient", "created_at", "read_at"]
    list_select_related = ["recipient"]
    search_fields = ["title", "recipient__username"]
    raw_id_fields = ["recipient"]
