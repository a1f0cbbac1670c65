"""A person's calendar feed: a secret address their phone's calendar subscribes to."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from companies.models import Company


class CalendarFeedQuerySet(models.QuerySet):
    def live(self) -> "CalendarFeedQuerySet":
        return self.filter(revoked_at__isnull=True)


class CalendarFeed(models.Model):
    """One person's calendar address. A company contact's holds their company's dates; a butler's or a
    manager's holds their tasks. Only the SHA-256 hash of the address's token is kept: the address is shown
    once, when it is made. Making a new one revokes the person's earlier one."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="calendar_feeds",
        verbose_name=_("person"),
    )
    company = models.ForeignKey(
        Company,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="calendar_feeds",
        verbose_name=_("company"),
        help_text=_("The company whose dates a contact's calendar holds; empty for the window's staff."),
    )
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    last_read_at = models.DateTimeField(_("last read by a calendar"), null=True, blank=True)

    history = HistoricalRecords(excluded_fields=["token_hash", "last_read_at"])
    objects = CalendarFeedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")
        constraints = [
            models.UniqueConstraint(
                fields=["owner"], condition=Q(revoked_at__isnull=True), name="one_live_calendar_per_person"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.owner} {timezone.localtime(self.created_at):%Y-%m-%d}"

    @property
    def is_live(self) -> bool:
        return self.revoked_at is None
