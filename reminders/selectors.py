"""What the pages show of notices and reminders, each in a fixed number of queries."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Case, Count, F, Field, Func, Q, Subquery, Value, When
from django.db.models.functions import Coalesce, TruncDate
from django.db.models.lookups import LessThan

from reminders.models import Notice, Reminder

S = Reminder.Status


def notices_for(recipient):
    """The person's notices as they act on them: unread first, the soonest deadline first (one that asks for
    nothing by a date counts from the day it was given), then those read, the newest first."""
    unread = Q(read_at__isnull=True)
    return (
        Notice.objects.filter(recipient=recipient)
        .alias(
            read=Case(When(unread, then=Value(0)), default=Value(1)),
            deadline=Case(When(unread, then=Coalesce("due_on", TruncDate("created_at")))),
        )
        .order_by("read", F("deadline").asc(nulls_last=True), "-created_at", "-pk")
    )


def unread_count(recipient) -> int:
    return Notice.objects.filter(recipient=recipient, read_at__isnull=True).count()


def unread_count_expression(recipient) -> Coalesce:
    """:func:`unread_count` as an expression, for a page to read the bell's count in the query of its main
    object rather than in a query of its own."""
    unread = Notice.objects.filter(recipient=recipient, read_at__isnull=True).order_by()
    return Coalesce(Subquery(unread.values("recipient").annotate(n=Count("pk")).values("n")), 0)


@dataclass
class ReminderGroup:
    """One reminder as people think of it: one date, one moment, everyone it goes to by every channel."""

    when: datetime
    subject: str
    kind: str
    due_on: object
    label: str
    reminders: list[Reminder]

    @property
    def failed(self) -> bool:
        return any(r.status == S.FAILED for r in self.reminders)

    @property
    def late(self) -> bool:
        return any(r.late for r in self.reminders)

    @property
    def skipped_reason(self) -> str:
        return next((r.reason for r in self.reminders if r.status == S.SKIPPED), "")

    @property
    def recipients(self) -> list[tuple[str, list[str]]]:
        people: dict = {}
        for reminder in self.reminders:
            name = reminder.recipient.get_full_name() or reminder.recipient.username
            people.setdefault(name, []).append(reminder.get_channel_display())
        return list(people.items())


def _grouped(rows, limit: int) -> list[ReminderGroup]:
    groups: dict = {}
    for reminder in rows:
        key = (reminder.scheduled_at, reminder.subject, reminder.kind, reminder.due_on)
        if key not in groups:
            if len(groups) == limit:
                break
            groups[key] = ReminderGroup(*key, label=reminder.about, reminders=[])
        groups[key].reminders.append(reminder)
    return list(groups.values())


@dataclass(frozen=True)
class ScopeReminders:
    upcoming: list[ReminderGroup]
    recent: list[ReminderGroup]


def reminders_for_scope(scope: str, *, limit: int = 8, rows_per_group: int = 12) -> ScopeReminders:
    """The next reminders planned for a company (or any scope) and the latest that went out, failed or
    were skipped, each grouped as one reminder to several people by several channels."""
    rows = Reminder.objects.filter(scope=scope)
    window = limit * rows_per_group
    upcoming_order = ("scheduled_at", "subject", "kind", "pk")
    recent_order = ("-scheduled_at", "subject", "kind", "pk")
    upcoming = rows.filter(status=S.PENDING).order_by(*upcoming_order)[:window]
    recent = rows.filter(status__in=[S.SENT, S.FAILED, S.SKIPPED]).order_by(*recent_order)[:window]
    # Both windows in one query (each chosen by its own ordered subquery), told apart by status here. The
    # limit changes no result (each window holds at most ``window`` rows) but tells PostgreSQL that few
    # rows come out: it then looks their recipients up by key instead of hashing the whole user table.
    both = list(
        rows.filter(Q(pk__in=upcoming.values("pk")) | Q(pk__in=recent.values("pk")))
        .select_related("recipient")
        .order_by(*upcoming_order)[: 2 * window]
    )
    pending = [r for r in both if r.status == S.PENDING]
    done = sorted(
        (r for r in both if r.status != S.PENDING),
        key=lambda r: (-r.scheduled_at.timestamp(), r.subject, r.kind, r.pk),
    )
    return ScopeReminders(upcoming=_grouped(pending, limit), recent=_grouped(done, limit))


@dataclass(frozen=True)
class DeliveryCounts:
    sent: int
    late: int
    failed: int
    pending: int
    skipped: int
    cancelled: int


FILTERS = {
    "sent": Q(status=S.SENT),
    "late": Q(status=S.SENT, late=True),
    "failed": Q(status=S.FAILED),
    "pending": Q(status__in=[S.PENDING, S.SENDING]),
    "skipped": Q(status=S.SKIPPED),
    "cancelled": Q(status=S.CANCELLED),
}


def delivery_counts(*, since: datetime, until: datetime) -> DeliveryCounts:
    """How the reminders scheduled in a period fared, counted in one query."""
    # Counted on scheduled_at (never null), not the id: PostgreSQL counts from the (scheduled_at) INCLUDE
    # (status, late) index alone.
    counts = Reminder.objects.filter(scheduled_at__gte=since, scheduled_at__lt=until).aggregate(
        **{name: Count("scheduled_at", filter=condition) for name, condition in FILTERS.items()}
    )
    return DeliveryCounts(**counts)


FIRST_TABS = ("failed", "late", "pending", "sent")


def first_tab(counts: DeliveryCounts) -> str:
    """The outcome a delivery page opens on: what needs a look first — the failed, else the late, else the
    waiting, else what was sent — never an empty list when there is something to see."""
    return next((name for name in FIRST_TABS if getattr(counts, name)), "failed")


class _Row(Func):
    function = ""
    template = "(%(expressions)s)"
    output_field = Field()


def _before_row(after: tuple[datetime, int]):
    """(scheduled_at, id) < after, as one row comparison the planner reads as a single range."""
    return LessThan(_Row(F("scheduled_at"), F("id")), _Row(*(Value(value) for value in after)))


# Each read is of one status, so that it walks the (status, scheduled_at) index backwards and stops after a
# page; "waiting" is two statuses, read one after the other and merged.
_READS = {"pending": (Q(status=S.PENDING), Q(status=S.SENDING))}


def deliveries(
    *,
    status: str,
    since: datetime,
    until: datetime,
    after: tuple[datetime, int] | None = None,
    limit: int = 50,
) -> list[Reminder]:
    """Up to ``limit`` reminders of one kind of outcome scheduled in a period, latest first. ``after``: the
    (scheduled_at, id) of the last reminder of the previous page (keyset: no count, no offset)."""
    rows: list[Reminder] = []
    for condition in _READS.get(status, (FILTERS[status],)):
        reminders = Reminder.objects.filter(condition, scheduled_at__gte=since, scheduled_at__lt=until)
        if after is not None:
            reminders = reminders.filter(_before_row(after), scheduled_at__lte=after[0])
        rows += reminders.select_related("recipient").order_by("-scheduled_at", "-pk")[:limit]
    rows.sort(key=lambda reminder: (reminder.scheduled_at, reminder.pk), reverse=True)
    return rows[:limit]
