"""The butler service: window staff as butlers, service periods with their cards, portal invitations."""

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from companies.models import Company
from companies.phones import validate_mobile, validate_phone


class Butler(models.Model):
    """A window staff member who can become a company's butler."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="butler", verbose_name=_("user")
    )
    display_name = models.CharField(_("display name"), max_length=60)
    window = models.CharField(_("window"), max_length=120, help_text=_("Where the company finds its butler."))
    office_phone = models.CharField(_("office phone"), max_length=20, validators=[validate_phone])
    mobile = models.CharField(_("mobile"), max_length=11, blank=True, validators=[validate_mobile])
    active = models.BooleanField(
        _("active"), default=True, help_text=_("Only active butlers accept new companies.")
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["display_name"]
        verbose_name = _("butler")
        verbose_name_plural = _("butlers")

    def __str__(self) -> str:
        return self.display_name


class ServicePeriodQuerySet(models.QuerySet):
    def active(self) -> "ServicePeriodQuerySet":
        return self.filter(status=ServicePeriod.Status.ACTIVE)


class ServicePeriod(models.Model):
    """A company's time with one butler. Transfers close a period and open the next with the same end date."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("In service")
        COMPLETED = "completed", _("Completed")
        TRANSFERRED = "transferred", _("Transferred")
        ENDED_EARLY = "ended_early", _("Ended early")

    company = models.ForeignKey(
        Company, on_delete=models.PROTECT, related_name="service_periods", verbose_name=_("company")
    )
    butler = models.ForeignKey(
        Butler, on_delete=models.PROTECT, related_name="service_periods", verbose_name=_("butler")
    )
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.ACTIVE)
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    reason = models.TextField(
        _("reason"), blank=True, help_text=_("Why the period was transferred or ended early.")
    )
    card_number = models.CharField(_("card number"), max_length=20, unique=True)
    previous = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="next",
        verbose_name=_("previous period"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    history = HistoricalRecords()
    objects = ServicePeriodQuerySet.as_manager()

    class Meta:
        ordering = ["-start_date", "-id"]
        verbose_name = _("service period")
        verbose_name_plural = _("service periods")
        constraints = [
            models.UniqueConstraint(
                fields=["company"], condition=Q(status="active"), name="one_active_period_per_company"
            ),
            models.CheckConstraint(condition=Q(end_date__gt=F("start_date")), name="period_ends_after_start"),
            models.CheckConstraint(
                condition=Q(status="active", ended_on__isnull=True)
                | (~Q(status="active") & Q(ended_on__isnull=False)),
                name="period_ended_on_matches_status",
            ),
        ]
        indexes = [models.Index(fields=["butler", "status", "end_date"], name="period_butler_status_end")]

    def __str__(self) -> str:
        return f"{self.card_number} {self.company}"

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE

    def days_left(self, today: date | None = None) -> int:
        today = today or timezone.localdate()
        if not self.is_active:
            return 0
        return max((self.end_date - today).days, 0)

    def days_total(self) -> int:
        return (self.end_date - self.start_date).days


class CardCounter(models.Model):
    """The last card number issued in a year; locked while the next number is taken."""

    year = models.PositiveSmallIntegerField(_("year"), primary_key=True)
    last = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("card counter")
        verbose_name_plural = _("card counters")

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class PortalInvitation(models.Model):
    """A single-use link that lets a company contact set a password for the portal. Only its hash is kept."""

    contact = models.ForeignKey(
        "companies.Contact", on_delete=models.CASCADE, related_name="invitations", verbose_name=_("contact")
    )
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )

    history = HistoricalRecords(excluded_fields=["token_hash"])

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("portal invitation")
        verbose_name_plural = _("portal invitations")

    def __str__(self) -> str:
        return f"{self.contact} {self.created_at:%Y-%m-%d}"

    def is_usable(self, now=None) -> bool:
        now = now or timezone.now()
        return self.used_at is None and self.revoked_at is None and self.expires_at > now
