"""The API's integrations and what they sent: tokens with scopes; the approval system's cases and events."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from companies.models import CompanyLicence


class Scope(models.TextChoices):
    READ = "read", _("Read companies, licences, periods, contacts, reminders and figures")
    EVENTS = "events", _("Send approval events")
    REGISTRATIONS = "registrations", _("Send newly registered companies")


class ApiToken(models.Model):
    """One integration's key: it acts as ``user`` (and sees what that user sees), within its scopes. Only the
    key's SHA-256 is kept; the key itself is shown once, when the token is made."""

    name = models.CharField(_("integration"), max_length=80, help_text=_("Which system uses it."))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="api_tokens",
        verbose_name=_("acts as"),
        help_text=_("The calls see and change what this person may."),
    )
    scopes = models.JSONField(_("scopes"), default=list)
    prefix = models.CharField(_("key begins with"), max_length=12, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    rate = models.CharField(
        _("rate limit"),
        max_length=16,
        blank=True,
        help_text=_("Calls allowed, e.g. 600/min; empty: the default (BUTLER_API_RATE)."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    history = HistoricalRecords(excluded_fields=["last_used_at"])

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class ApprovalCase(models.Model):
    """A case of the provincial approval system (办件) and the licence it is about; ``applied_at`` is when the
    newest event applied to it happened, so that an older one arriving late is recorded, not applied."""

    number = models.CharField(_("case number"), max_length=64, unique=True)
    licence = models.ForeignKey(
        CompanyLicence, on_delete=models.CASCADE, related_name="approval_cases", verbose_name=_("licence")
    )
    applied_at = models.DateTimeField(_("newest event applied"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("approval case")
        verbose_name_plural = _("approval cases")

    def __str__(self) -> str:
        return self.number


class ApprovalEvent(models.Model):
    """One event the approval system sent, kept as it came with what became of it. The system's event id is
    unique: the same event sent again changes nothing."""

    class Kind(models.TextChoices):
        ACCEPTED = "accepted", pgettext_lazy("approval event", "Accepted")
        MATERIALS_MISSING = "materials_missing", _("Materials missing")
        ISSUED = "issued", pgettext_lazy("approval event", "Issued")
        REFUSED = "refused", pgettext_lazy("approval event", "Refused")

    class Outcome(models.TextChoices):
        APPLIED = "applied", _("Applied to the licence")
        STALE = "stale", _("Older than the licence's state: recorded, not applied")
        ALREADY = "already", _("The licence already stood so: recorded")

    event_id = models.CharField(_("event id"), max_length=64, unique=True)
    case = models.ForeignKey(
        ApprovalCase, on_delete=models.CASCADE, related_name="events", verbose_name=_("approval case")
    )
    kind = models.CharField(_("event"), max_length=20, choices=Kind.choices)
    occurred_at = models.DateTimeField(_("happened at"))
    payload = models.JSONField(_("as received"))
    outcome = models.CharField(_("outcome"), max_length=8, choices=Outcome.choices)
    status_after = models.CharField(_("licence status after it"), max_length=16, blank=True)
    token = models.ForeignKey(
        ApiToken, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("token")
    )
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("approval event")
        verbose_name_plural = _("approval events")
        indexes = [models.Index(fields=["case", "occurred_at"], name="approval_event_case_time")]

    def __str__(self) -> str:
        return f"{self.case} {self.kind} {self.occurred_at:%Y-%m-%d %H:%M}"
