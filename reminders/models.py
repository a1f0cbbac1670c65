"""The delivery engine's rows. It knows people (users) and texts, nothing of companies or butlers."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from reminders.texts import render


class Notice(models.Model):
    """An in-app notice: always delivered, shown under the recipient's notifications until read."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notices",
        verbose_name=_("recipient"),
    )
    title = models.CharField(
        _("title"),
        max_length=200,
        help_text=_("As the window reads it; each reader sees it in their language."),
    )
    body = models.TextField(_("text"), blank=True)
    title_text = models.JSONField(_("title as written"), null=True, blank=True, editable=False)
    body_text = models.JSONField(_("text as written"), null=True, blank=True, editable=False)
    url = models.CharField(_("link"), max_length=300, blank=True)
    key = models.CharField(
        _("key"),
        max_length=120,
        blank=True,
        help_text=_("Sending twice with the same key creates one notice."),
    )
    due_on = models.DateField(
        _("deadline"), null=True, blank=True, help_text=_("The date it asks something to be done by, if any.")
    )
    audience = models.CharField(
        _("given to"),
        max_length=60,
        blank=True,
        help_text=_(
            "Given to everyone of a company (e.g. company:7): a contact who joins later receives it too."
        ),
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
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notice_recipient_unread"),
            models.Index(fields=["audience"], condition=~Q(audience=""), name="notice_audience"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def shown_title(self) -> str:
        """The title in the reader's (the active) language."""
        return render(self.title_text) if self.title_text else self.title

    @property
    def shown_body(self) -> str:
        return render(self.body_text) if self.body_text else self.body


class LanguagePreference(models.Model):
    """The language a person reads: their pages once signed in, their e-mails and text messages."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="language_preference",
        verbose_name=_("person"),
    )
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("language preference")
        verbose_name_plural = _("language preferences")

    def __str__(self) -> str:
        return f"{self.user} · {self.get_language_display()}"


class Channel(models.TextChoices):
    IN_APP = "in_app", _("In the app")
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")
    CHAT = "chat", _("Staff chat")


class ReminderQuerySet(models.QuerySet):
    def pending_due(self, now):
        """Pending reminders whose time has come (read from the index ``reminder_pending_due``)."""
        return self.filter(status=Reminder.Status.PENDING, scheduled_at__lte=now)


class Reminder(models.Model):
    """One message to one person about one deadline, by one channel, at one offset before it.

    The database is the source of truth for what is due; Celery only carries the work. The natural key
    makes planning idempotent: planning the same reminder twice creates it once.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")  # in a message on its way
        SENT = "sent", _("Sent")
        SKIPPED = "skipped", _("Skipped")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", pgettext_lazy("reminder status", "Cancelled")

    subject = models.CharField(
        pgettext_lazy("reminder", "subject"), max_length=60, help_text=_("What it is about, e.g. licence:42.")
    )
    scope = models.CharField(
        _("scope"),
        max_length=60,
        blank=True,
        help_text=_("Whose reminders these are, for listing them together, e.g. company:7."),
    )
    label = models.CharField(_("about"), max_length=200, blank=True)
    label_text = models.JSONField(_("about, as written"), null=True, blank=True, editable=False)
    kind = models.CharField(_("kind"), max_length=30, help_text=_("Which date of the subject, e.g. expiry."))
    due_on = models.DateField(_("due on"))
    offset_days = models.SmallIntegerField(
        _("days before"), help_text=_("Days before the date; a negative number means days after it.")
    )
    channel = models.CharField(pgettext_lazy("reminder", "channel"), max_length=8, choices=Channel.choices)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="reminders",
        verbose_name=_("recipient"),
    )
    scheduled_at = models.DateTimeField(_("scheduled at"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    message = models.ForeignKey(
        "OutboxMessage",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reminders",
        verbose_name=_("message"),
        help_text=_("The message it goes out in, with what else was due for the same person and channel."),
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
            # A claim reads the first due rows in order from here and stops, rather than sorting all of them.
            models.Index(
                fields=["scheduled_at", "id"], condition=Q(status="pending"), name="reminder_pending_due"
            ),
            # A person's due reminders on a channel, for a digest that carries all of them.
            models.Index(
                fields=["recipient", "channel", "scheduled_at"],
                condition=Q(status="pending"),
                name="reminder_pending_recipient",
            ),
            models.Index(fields=["subject", "kind", "status"], name="reminder_subject_kind"),
            models.Index(fields=["scope", "scheduled_at"], name="reminder_scope_scheduled"),
            models.Index(
                fields=["recipient", "channel", "sent_at"],
                condition=Q(status="sent"),
                name="reminder_sent_to",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject} {self.kind} −{self.offset_days}d {self.channel}"

    @property
    def about(self) -> str:
        """What it is about, in the reader's language."""
        return render(self.label_text) if self.label_text else self.label


class OutboxMessage(models.Model):
    """What one person receives on one channel at one time: made once, never changed.

    The reminders it carries, its idempotency key and — once it is first taken for sending — its text and
    address never change, whatever holds, retries, re-claims or crashes happen: a message that may have
    been sent goes again only as itself, under its key, which a gateway or mail system uses to drop a
    repeat. E-mail, SMS and staff-chat reminders due together for a person become one message, the day's
    digest; the database allows one digest a day per person and channel.
    """

    class State(models.TextChoices):
        QUEUED = "queued", _("Waiting to be sent")
        SENDING = "sending", pgettext_lazy("message state", "Being sent")
        SENT = "sent", pgettext_lazy("message state", "Sent")
        FAILED = "failed", pgettext_lazy("message state", "Failed")
        SKIPPED = "skipped", _("Not sent: resolved before it went out")

    class Kind(models.TextChoices):
        SINGLE = "single", _("One reminder")
        DIGEST = "digest", _("The day's digest")
        URGENT = "urgent", _("Due within a day")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="outbox_messages",
        verbose_name=_("recipient"),
    )
    channel = models.CharField(pgettext_lazy("reminder", "channel"), max_length=8, choices=Channel.choices)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    day = models.DateField(_("day"), help_text=_("The day it was made for, in Beijing time."))
    key = models.CharField(
        _("idempotency key"),
        max_length=40,
        unique=True,
        help_text=_("Travels with the message; a gateway that has seen it does not send it again."),
    )
    state = models.CharField(_("state"), max_length=8, choices=State.choices, default=State.QUEUED)
    not_before = models.DateTimeField(_("not before"))
    lease_until = models.DateTimeField(
        _("lease until"), null=True, blank=True, help_text=_("Handed to a worker until then.")
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    language = models.CharField(
        _("language"),
        max_length=10,
        blank=True,
        help_text=_("The recipient's language, which it is written in."),
    )
    title = models.CharField(_("title"), max_length=200, blank=True)
    body = models.TextField(_("text"), blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    short = models.TextField(
        _("text message"), blank=True, help_text=_("What a text or a staff-chat message says, as sent.")
    )
    texts = models.JSONField(
        _("as written"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("Its title, text and text message as message keys and parameters; its deadline."),
    )
    address = models.CharField(
        _("address"),
        max_length=254,
        blank=True,
        help_text=_("The e-mail address or mobile number it goes to (in the staff chat, the one mentioned)."),
    )
    rendered_at = models.DateTimeField(_("written at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    provider_message_id = models.CharField(_("provider message id"), max_length=100, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("outgoing message")
        verbose_name_plural = _("outgoing messages")
        constraints = [
            # One digest a day per person and channel, however many sweeps run at once; a digest that went
            # unsent (everything in it resolved) does not count.
            models.UniqueConstraint(
                fields=["recipient", "channel", "day"],
                condition=Q(kind="digest") & ~Q(state="skipped"),
                name="one_digest_a_day",
            ),
        ]
        indexes = [
            models.Index(fields=["not_before", "id"], condition=Q(state="queued"), name="outbox_queued_due"),
            models.Index(
                fields=["lease_until", "id"], condition=Q(state="sending"), name="outbox_sending_lease"
            ),
            models.Index(fields=["recipient", "channel", "day"], name="outbox_recipient_day"),
        ]

    def __str__(self) -> str:
        return f"{self.key} {self.channel} → {self.recipient_id}"
