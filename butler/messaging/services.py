"""Writing messages between a company and its butler: starting a thread, answering, marking read,
attachments checked by content and size, and how the other side is told.

A thread hangs on the company, so it follows the company to a new butler. The company side is the
company's contacts with a portal account; the window side is the butler in service and the manager. A past
butler keeps no access to the threads (``butler.messaging.selectors``).

Subjects ``message:<id>`` tell the reminder engine about a new message: the notice in the app is created at
once, e-mail and SMS go through the engine (and are skipped if the thread was read in the app meanwhile).
"""

from collections.abc import Iterable
from datetime import datetime

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from butler.messaging.models import Attachment, Message, MessageThread
from butler.messaging.selectors import (
    COMPANY,
    WINDOW,
    current_butler,
    side_of,
    thread_url,
    working_minutes_between,
)
from butler.service.rules import managers
from butler.service.window import butler_line, mobile_of
from companies.models import Company, Contact, ReminderChoice
from reminders.models import Channel, Notice
from reminders.notices import notice_mark_read, notice_send
from reminders.registry import Message as ReminderMessage
from reminders.services import reminder_plan
from reminders.texts import Text, joined, text

MAX_FILES = 3


# What a file's first bytes must be: the type is told by the content, never by the name.
SIGNATURES = {
    "application/pdf": b"%PDF-",
    "image/jpeg": b"\xff\xd8\xff",
    "image/png": b"\x89PNG\r\n\x1a\n",
}


EXTENSIONS = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}


NAME_EXTENSIONS = {"application/pdf": (".pdf",), "image/jpeg": (".jpg", ".jpeg"), "image/png": (".png",)}


def _side_or_refuse(actor, company: Company) -> str:
    side = side_of(actor, company)
    if side is None:
        raise ValidationError(_("You may not write in this company's messages."))
    return side


def content_type_of(file) -> str | None:
    """The file's type by its first bytes (PDF, JPEG or PNG), or None for anything else."""
    file.seek(0)
    head = file.read(16)
    file.seek(0)
    return next((kind for kind, magic in SIGNATURES.items() if head.startswith(magic)), None)


def attachments_check(files: Iterable[UploadedFile]) -> list[tuple[UploadedFile, str]]:
    """Each file with its type, or a ValidationError that says what is wrong with which file."""
    files = [file for file in files if file]
    if len(files) > MAX_FILES:
        raise ValidationError(
            ngettext(
                "Attach at most %(count)d file to one message.",
                "Attach at most %(count)d files to one message.",
                MAX_FILES,
            )
            % {"count": MAX_FILES}
        )
    checked, errors = [], []
    limit = settings.BUTLER_ATTACHMENT_MAX_BYTES
    for file in files:
        kind = content_type_of(file)
        if kind is None:
            errors.append(
                _("“%(name)s” is not a PDF, JPG or PNG file. Only these can be sent.") % {"name": file.name}
            )
        elif file.size > limit:
            errors.append(
                _("“%(name)s” is %(size)s; a file may be at most %(limit)s.")
                % {"name": file.name, "size": filesizeformat(file.size), "limit": filesizeformat(limit)}
            )
        else:
            checked.append((file, kind))
    if errors:
        raise ValidationError(errors)
    return checked


def _file_name(file: UploadedFile, kind: str) -> str:
    """The sender's name for the file, with the extension of what it really is."""
    stem = (file.name or "file").rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
    _base, dot, extension = stem.rpartition(".")
    if dot and f".{extension.lower()}" in NAME_EXTENSIONS[kind]:
        return stem[:200]
    return f"{stem[:190]}{EXTENSIONS[kind]}"


def _add_message(*, actor, thread: MessageThread, side: str, body: str, files, now: datetime) -> Message:
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": _("Write a message.")})
    checked = attachments_check(files or [])
    message = Message(thread=thread, author=actor, from_company=side == COMPANY, body=body, created_at=now)
    message.full_clean(exclude=["thread", "author"])
    message._history_user = actor
    message.save()
    for file, kind in checked:
        attachment = Attachment(
            message=message, name=_file_name(file, kind), content_type=kind, size=file.size
        )
        attachment.file.save(f"{message.pk}{EXTENSIONS[kind]}", file, save=False)
        attachment._history_user = actor
        attachment.save()
    return message


@transaction.atomic
def thread_start(
    *,
    actor: AbstractBaseUser,
    company: Company,
    subject: str,
    body: str,
    files: Iterable[UploadedFile] = (),
    now: datetime | None = None,
) -> MessageThread:
    """Start a thread with its first message: a company contact writes to the window, or the window
    writes to the company. The other side is told."""
    now = now or timezone.now()
    side = _side_or_refuse(actor, company)
    subject = (subject or "").strip()
    if not subject:
        raise ValidationError({"subject": _("Say in a few words what it is about.")})
    thread = MessageThread(
        company=company,
        subject=subject,
        started_by=actor,
        created_at=now,
        last_message_at=now,
        awaiting_window=side == COMPANY,
        company_read_at=now if side == COMPANY else None,
        window_read_at=now if side == WINDOW else None,
    )
    thread.full_clean(exclude=["company", "started_by"])
    thread._history_user = actor
    thread.save()
    message = _add_message(actor=actor, thread=thread, side=side, body=body, files=files, now=now)
    _notify(message, thread)
    return thread


@transaction.atomic
def message_send(
    *,
    actor: AbstractBaseUser,
    thread: MessageThread,
    body: str,
    files: Iterable[UploadedFile] = (),
    now: datetime | None = None,
) -> Message:
    """Answer in a thread. The first answer of the window to a thread the company started records the
    response time in working minutes. The other side is told."""
    now = now or timezone.now()
    thread = MessageThread.objects.select_for_update().select_related("company").get(pk=thread.pk)
    side = _side_or_refuse(actor, thread.company)
    message = _add_message(actor=actor, thread=thread, side=side, body=body, files=files, now=now)
    thread.last_message_at = now
    thread.awaiting_window = side == COMPANY
    if side == COMPANY:
        thread.company_read_at = now
    else:
        thread.window_read_at = now
        started_by_company = thread.messages.order_by("created_at", "pk").values_list(
            "from_company", flat=True
        )[:1]
        if thread.first_response_minutes is None and list(started_by_company) == [True]:
            thread.first_response_minutes = working_minutes_between(thread.created_at, now)
    thread._history_user = actor
    thread.save()
    _notify(message, thread)
    return message


def thread_read(*, actor: AbstractBaseUser, thread: MessageThread, now: datetime | None = None) -> None:
    """The reader's side has read the thread up to now (a company contact, or the window)."""
    now = now or timezone.now()
    side = side_of(actor, thread.company)
    if side is None:
        return
    field = "company_read_at" if side == COMPANY else "window_read_at"
    # A plain update: reading is no change worth a line in the history.
    MessageThread.objects.filter(pk=thread.pk).update(**{field: now})
    setattr(thread, field, now)
    # The reader's notices of this thread's messages are read too.
    keys = [f"message-{pk}" for pk in thread.messages.values_list("pk", flat=True)]
    notices = Notice.objects.filter(recipient=actor, key__in=keys, read_at__isnull=True)
    notice_mark_read(recipient=actor, notice_ids=list(notices.values_list("pk", flat=True)))


def _window_people(company: Company) -> list:
    """Who hears of a company's message: its butler in service; without one, the managers."""
    butler = current_butler(company)
    if butler is not None and butler.user.is_active:
        return [butler.user]
    return managers()


def _company_contacts(company: Company) -> list[Contact]:
    return [
        contact
        for contact in company.contacts.select_related("user")
        if contact.user_id and contact.user.is_active
    ]


def _notify(message: Message, thread: MessageThread) -> None:
    """A notice in the app at once; e-mail or SMS through the reminder engine (company contacts as they
    chose, the window by e-mail)."""
    company = thread.company
    if message.from_company:
        people = [user for user in _window_people(company) if user.pk != message.author_id]
        routes = [(user, (Channel.EMAIL,)) for user in people if user.email]
    else:
        contacts = [contact for contact in _company_contacts(company) if contact.user_id != message.author_id]
        people = [contact.user for contact in contacts]
        routes = []
        for contact in contacts:
            if contact.reminder_channel == ReminderChoice.EMAIL and contact.user.email:
                routes.append((contact.user, (Channel.EMAIL,)))
            elif contact.reminder_channel == ReminderChoice.SMS and contact.mobile:
                routes.append((contact.user, (Channel.SMS,)))
    title = _message_title(message, thread)
    for user in people:
        notice_send(
            recipients=[user],
            title=title,
            body=message.body[:500],
            url=thread_url(user, thread.pk),
            key=f"message-{message.pk}",
            audience="" if message.from_company else f"company:{company.pk}",
        )
    if routes:
        reminder_plan(
            subject=f"message:{message.pk}",
            kind="message",
            due_on=timezone.localdate(message.created_at),
            offsets=(0,),
            routes=routes,
            scope=f"company:{company.pk}",
            label=joined([company.name, thread.subject], " · "),
            now=message.created_at,
            send_at=message.created_at,
        )


def _message_title(message: Message, thread: MessageThread) -> Text:
    if message.from_company:
        return text(
            gettext_noop("%(company)s wrote: %(subject)s"),
            company=thread.company.name,
            subject=thread.subject,
        )
    return text(gettext_noop("Your butler answered: %(subject)s"), subject=thread.subject)


class MessageHandler:
    """Tells the reminder engine about ``message:<id>`` subjects."""

    def _message(self, reminder) -> Message | None:
        return (
            Message.objects.select_related("thread__company")
            .filter(pk=int(reminder.subject.split(":", 1)[1]))
            .first()
        )

    def no_longer_due(self, reminder) -> str:
        message = self._message(reminder)
        if message is None:
            return gettext_noop("the message was removed")
        thread = message.thread
        read_at = thread.window_read_at if message.from_company else thread.company_read_at
        if read_at is not None and read_at >= message.created_at:
            return gettext_noop("read in the app")
        return ""

    def message(self, reminder) -> ReminderMessage:
        message = self._message(reminder)
        thread = message.thread
        title = _message_title(message, thread)
        lines = [message.body[:1000]]
        if not message.from_company:
            lines.append(butler_line(thread.company_id))
        short = text(gettext_noop("%(title)s — read and answer in the portal."), title=title)
        url = thread_url(reminder.recipient, thread.pk)
        return ReminderMessage(title=title, body=joined(lines, "\n\n"), url=url, short=short)

    def phone(self, user) -> str:
        return mobile_of(user)
