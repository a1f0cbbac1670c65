"""Reading messages: who sees which threads and on which side, unread counts, a thread's page, the
company page's card, and the first answer's time in working minutes (office hours on working days)."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _

from butler.messaging.models import Attachment, Message, MessageThread
from butler.security import roles
from butler.service.access import can_serve
from butler.service.models import Butler, ServicePeriod
from companies.models import Company, Contact
from companies.workdays import Calendar

COMPANY = "company"


WINDOW = "window"


# The window's office hours (Asia/Shanghai) on working days: the first-response time counts only these.
OFFICE_TIMEZONE = ZoneInfo("Asia/Shanghai")


OFFICE_HOURS = ((time(8, 30), time(12, 0)), (time(13, 30), time(17, 0)))


def working_minutes_between(
    start: datetime, end: datetime, *, is_working_day: Callable[[date], bool] | None = None
) -> int:
    """The minutes from ``start`` to ``end`` that fall inside office hours on working days.

    Nights, weekends and public holidays do not count; make-up working days (调休) do. Whole minutes,
    rounded down; 0 if ``end`` is not after ``start``.
    """
    if end <= start:
        return 0
    start, end = start.astimezone(OFFICE_TIMEZONE), end.astimezone(OFFICE_TIMEZONE)
    if is_working_day is None:
        is_working_day = Calendar.for_dates(start.date(), end.date()).is_working_day
    seconds = 0.0
    day = start.date()
    while day <= end.date():
        if is_working_day(day):
            for opens, closes in OFFICE_HOURS:
                begin = max(start, datetime.combine(day, opens, OFFICE_TIMEZONE))
                finish = min(end, datetime.combine(day, closes, OFFICE_TIMEZONE))
                if finish > begin:
                    seconds += (finish - begin).total_seconds()
        day += timedelta(days=1)
    return int(seconds // 60)


def side_of(user, company: Company) -> str | None:
    """Which side of the company's threads the user is on: its own contacts (``company``), its butler in
    service or a manager (``window``), or none."""
    if roles.is_company(user):
        return COMPANY if Contact.objects.filter(user=user, company=company).exists() else None
    if roles.is_staff_role(user) and can_serve(user, company):
        return WINDOW
    return None


def threads_visible_to(user) -> QuerySet:
    """The threads a user may read: a manager all, a butler those of the companies they serve now, a
    company contact their own company's."""
    threads = MessageThread.objects.all()
    if roles.is_manager(user):
        return threads
    if roles.is_butler(user):
        serving = ServicePeriod.objects.active().filter(
            company=OuterRef("company"), butler__user=user, butler__active=True
        )
        return threads.filter(Exists(serving))
    if roles.is_company(user):
        return threads.filter(company__contacts__user=user)
    return threads.none()


def thread_for(user, pk: int) -> MessageThread:
    """The thread if the user may read it, else 404 — never "exists but forbidden"."""
    thread = threads_visible_to(user).select_related("company").filter(pk=pk).first()
    if thread is None:
        raise Http404
    return thread


def attachment_for(user, pk: int) -> Attachment:
    """An attachment of a thread the user may read, else 404 (also for anonymous users)."""
    attachment = (
        Attachment.objects.filter(message__thread__in=threads_visible_to(user), pk=pk)
        .select_related("message__thread")
        .first()
    )
    if attachment is None:
        raise Http404
    return attachment


def current_butler(company: Company) -> Butler | None:
    period = ServicePeriod.objects.active().filter(company=company).select_related("butler__user").first()
    return period.butler if period else None


def thread_url(user, thread_id: int) -> str:
    if roles.is_company(user):
        return reverse("messaging:portal_thread", args=[thread_id])
    return reverse("messaging:thread", args=[thread_id])


def _unread(side: str) -> Q:
    field = "company_read_at" if side == COMPANY else "window_read_at"
    return Q(**{f"{field}__isnull": True}) | Q(**{f"{field}__lt": F("last_message_at")})


def threads_of_company(company: Company, *, side: str) -> QuerySet:
    """A company's threads, newest first, each with ``unread`` (for the reading side) and its
    ``message_count``."""
    return (
        MessageThread.objects.filter(company=company)
        .select_related("started_by")
        .annotate(
            unread=Case(
                When(_unread(side), then=Value(True)), default=Value(False), output_field=BooleanField()
            ),
            message_count=Count("messages"),
        )
        .order_by("-last_message_at", "-pk")
    )


def unread_count(company: Company, *, side: str) -> int:
    return MessageThread.objects.filter(company=company).filter(_unread(side)).count()


def threads_awaiting_window(user) -> QuerySet:
    """The threads a butler (or the manager) still has to answer: the company wrote last."""
    return (
        threads_visible_to(user)
        .filter(awaiting_window=True)
        .select_related("company")
        .order_by("last_message_at", "pk")
    )


@dataclass
class ThreadPage:
    thread: MessageThread
    messages: list
    side: str
    butler: Butler | None


def thread_page(thread: MessageThread, *, side: str) -> ThreadPage:
    """A thread with its messages, their authors and attachments, in a fixed number of queries."""
    messages = list(
        thread.messages.select_related("author__contact", "author__butler").prefetch_related("attachments")
    )
    for message in messages:
        message.author_name = _author_name(message)
        message.mine = message.from_company == (side == COMPANY)
    return ThreadPage(thread=thread, messages=messages, side=side, butler=current_butler(thread.company))


def _author_name(message: Message) -> str:
    """A contact's name, a butler's name, else the window (a manager answers for the window)."""
    author = message.author
    try:
        return author.contact.name if message.from_company else author.butler.display_name
    except ObjectDoesNotExist:
        return author.get_full_name() or (author.username if message.from_company else _("The window"))


@dataclass
class ThreadsCard:
    threads: list
    unread: int


def company_threads_card(company: Company, *, limit: int = 10) -> ThreadsCard:
    """The company page's messages, for the window side only (its butler in service, a manager: those who
    ``can_serve``) — a past butler reads none of the company's messages. One query, however many threads:
    the count of all unread threads comes with the newest ``limit`` of them."""
    unread = (
        MessageThread.objects.filter(company=company)
        .filter(_unread(WINDOW))
        .order_by()
        .values("company")
        .annotate(n=Count("pk"))
        .values("n")
    )
    threads = list(threads_of_company(company, side=WINDOW).annotate(unread_threads=Subquery(unread))[:limit])
    return ThreadsCard(threads=threads, unread=(threads[0].unread_threads or 0) if threads else 0)
