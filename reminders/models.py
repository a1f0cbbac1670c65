"""The delivery engine's rows. It knows people (users) and texts, nothing of companies or butlers."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class Notice(models.Model):
    """An in-app notice: always delivered, shown under the recipient's notifications until read."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notices",
        verbose_name=_("recipient"),
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    key = models.CharField(
        _("key"),
        max_length=120,
        blank=True,
        help_text=_("Sending twice with the same key creates one notice."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "key"], condition=~Q(key=""), name="one_notice_per_key"
            ),
        ]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notice_recipient_unread")]

    def __str__(self) -> str:
        return self.title


class Channel(models.TextChoices):
    IN_APP = "in_app", _("In the app")
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")


class ReminderQuerySet(models.QuerySet):
    def pending_due(self, now):
        """Pending reminders whose time has come (read from the index ``reminder_pending_due``)."""
        return self.filter(status=Reminder.Status.PENDING, scheduled_at__lte=now)

    def lease_expired(self, now):
        """Claimed reminders whose lease ran out: their worker died."""
        return self.filter(status=Reminder.Status.SENDING, lease_until__lt=now)


class Reminder(models.Model):
    """One message to one person about one deadline, by one channel, at one offset before it.

    The database is the source of truth for what is due; Celery only carries the work. The natural key
    makes planning idempotent: planning the same reminder twice creates it once.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        SKIPPED = "skipped", _("Skipped")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    subject = models.CharField(_("subject"), max_length=60, help_text=_("What it is about, e.g. licence:42."))
    scope = models.CharField(
        _("scope"),
        max_length=60,
        blank=True,
        help_text=_("Whose reminders these are, for listing them together, e.g. company:7."),
    )
    label = models.CharField(_("about"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=30, help_text=_("Which date of the subject, e.g. expiry."))
    due_on = models.DateField(_("due on"))
    offset_days = models.SmallIntegerField(
        _("days before"), help_text=_("Days before the date; a negative number means days after it.")
    )
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="reminders",
        verbose_name=_("recipient"),
    )
    scheduled_at = models.DateTimeField(_("scheduled at"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    lease_until = models.DateTimeField(_("lease until"), null=True, blank=True)
    batch = models.CharField(
        _("batch"),
        max_length=20,
        blank=True,
        help_text=_("The message it went out in: reminders due together for one person and channel."),
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    provider_message_id = models.CharField(_("provider message id"), max_length=100, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    late = models.BooleanField(
        _("late"), default=False, help_text=_("Sent after its time, e.g. after downtime.")
    )
    reason = models.CharField(
        _("reason"), max_length=200, blank=True, help_text=_("Why it was skipped or cancelled.")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    history = HistoricalRecords()
    objects = ReminderQuerySet.as_manager()

    class Meta:
        ordering = ["scheduled_at", "id"]
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        constraints = [
            models.UniqueConstraint(
                fields=["subject", "kind", "due_on", "offset_days", "channel", "recipient"],
                name="one_reminder_per_natural_key",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "scheduled_at"], name="reminder_status_scheduled"),
            models.Index(fields=["status", "lease_until"], name="reminder_status_lease"),
            # A claim reads the first due rows in order from here and stops, rather than sorting all of them.
            models.Index(
                fields=["scheduled_at", "id"], condition=Q(status="pending"), name="reminder_pending_due"
            ),
            models.Index(fields=["subject", "kind", "status"], name="reminder_subject_kind"),
            models.Index(fields=["scope", "scheduled_at"], name="reminder_scope_scheduled"),
            models.Index(fields=["batch"], condition=~Q(batch=""), name="reminder_batch"),
            models.Index(
                fields=["recipient", "channel", "sent_at"],
                condition=Q(status="sent"),
                name="reminder_sent_to",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject} {self.kind} −{self.offset_days}d {self.channel}"
