"""What the pages show of notices and reminders, each in a fixed number of queries."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Q

from reminders.models import Notice, Reminder

S = Reminder.Status


def notices_for(recipient):
    return Notice.objects.filter(recipient=recipient)


def unread_count(recipient) -> int:
    return Notice.objects.filter(recipient=recipient, read_at__isnull=True).count()


@dataclass(frozen=True)
class ScopeReminders:
    upcoming: list[Reminder]
    recent: list[Reminder]


def reminders_for_scope(scope: str, *, limit: int = 10) -> ScopeReminders:
    """The next reminders planned for a company (or any scope) and the latest that went out or failed."""
    rows = Reminder.objects.filter(scope=scope).select_related("recipient")
    return ScopeReminders(
        upcoming=list(rows.filter(status=S.PENDING).order_by("scheduled_at", "pk")[:limit]),
        recent=list(
            rows.filter(status__in=[S.SENT, S.FAILED, S.SKIPPED]).order_by("-scheduled_at", "-pk")[:limit]
        ),
    )


@dataclass(frozen=True)
class DeliveryCounts:
    sent: int
    late: int
    failed: int
    pending: int
    skipped: int
    cancelled: int


def delivery_counts(*, since: datetime, until: datetime) -> DeliveryCounts:
    """How the reminders scheduled in a period fared, counted in one query."""
    counts = Reminder.objects.filter(scheduled_at__gte=since, scheduled_at__lt=until).aggregate(
        sent=Count("pk", filter=Q(status=S.SENT)),
        late=Count("pk", filter=Q(status=S.SENT, late=True)),
        failed=Count("pk", filter=Q(status=S.FAILED)),
        pending=Count("pk", filter=Q(status__in=[S.PENDING, S.SENDING])),
        skipped=Count("pk", filter=Q(status=S.SKIPPED)),
        cancelled=Count("pk", filter=Q(status=S.CANCELLED)),
    )
    return DeliveryCounts(**counts)


FILTERS = {
    "sent": Q(status=S.SENT),
    "late": Q(status=S.SENT, late=True),
    "failed": Q(status=S.FAILED),
    "pending": Q(status__in=[S.PENDING, S.SENDING]),
    "skipped": Q(status=S.SKIPPED),
    "cancelled": Q(status=S.CANCELLED),
}


def deliveries(*, status: str, since: datetime, until: datetime):
    """The reminders of one kind of outcome scheduled in a period, latest first."""
    return (
        Reminder.objects.filter(FILTERS[status], scheduled_at__gte=since, scheduled_at__lt=until)
        .select_related("recipient")
        .order_by("-scheduled_at", "-pk")
    )
