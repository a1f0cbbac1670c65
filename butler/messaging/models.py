"""Threads between a company and the window, their messages and attachments (kept outside every public
path)."""

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from companies.models import Company


def private_storage():
    """Files only the views that check access may serve: kept outside any public path."""
    return FileSystemStorage(location=settings.BUTLER_PRIVATE_FILES, base_url=None)


class MessageThread(models.Model):
    """A conversation between a company's contacts and its butler; it follows the company to a new butler."""

    company = models.ForeignKey(
        Company, on_delete=models.PROTECT, related_name="message_threads", verbose_name=_("company")
    )
    subject = models.CharField(_("subject"), max_length=120)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("started by")
    )
    created_at = models.DateTimeField(_("started at"), default=timezone.now)
    last_message_at = models.DateTimeField(_("last message at"), default=timezone.now)
    awaiting_window = models.BooleanField(
        _("awaiting the window"), default=False, help_text=_("The company wrote last and has no answer yet.")
    )
    company_read_at = models.DateTimeField(_("read by the company at"), null=True, blank=True)
    window_read_at = models.DateTimeField(_("read by the window at"), null=True, blank=True)
    first_response_minutes = models.PositiveIntegerField(
        _("first response (working minutes)"), null=True, blank=True
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["-last_message_at", "-id"]
        verbose_name = _("message thread")
        verbose_name_plural = _("message threads")
        indexes = [
            models.Index(fields=["company", "last_message_at"], name="thread_company_last"),
            models.Index(fields=["awaiting_window", "last_message_at"], name="thread_awaiting"),
        ]

    def __str__(self) -> str:
        return self.subject


class Message(models.Model):
    thread = models.ForeignKey(
        MessageThread, on_delete=models.CASCADE, related_name="messages", verbose_name=_("thread")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("author")
    )
    from_company = models.BooleanField(_("from the company"))
    body = models.TextField(_("message"), max_length=4000)
    created_at = models.DateTimeField(_("sent at"), default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        indexes = [models.Index(fields=["thread", "created_at"], name="message_thread_when")]

    def __str__(self) -> str:
        return self.body[:60]


class Attachment(models.Model):
    """A PDF or photo sent with a message: stored privately, served only to those who may read the thread."""

    message = models.ForeignKey(
        Message, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("message")
    )
    file = models.FileField(_("file"), storage=private_storage, upload_to="attachments/%Y/%m/")
    name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=40)
    size = models.PositiveIntegerField(_("size in bytes"))

    history = HistoricalRecords()

    class Meta:
        ordering = ["id"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.name
