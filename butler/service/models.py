"""The service's records: butlers, service periods, card numbers, portal invitations and the
administrator's reminder rules."""

from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
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
    handover_note = models.TextField(
        _("handover note"),
        blank=True,
        max_length=4000,
        help_text=_(
            "What the company should know now the service ends: open matters, next dates, whom to call."
        ),
    )

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
        indexes = [
            models.Index(fields=["butler", "status", "end_date"], name="period_butler_status_end"),
            # Cards issued in a date range (the dashboard, its series), without reading every period.
            models.Index(fields=["start_date"], name="period_start"),
        ]

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

    @property
    def last_day(self) -> date:
        """The last day of service, as printed: ``end_date`` is the first day after it (180 days from the
        start, the start counted), or the day the period was ended early or handed over."""
        if self.ended_on and self.status in (self.Status.ENDED_EARLY, self.Status.TRANSFERRED):
            return self.ended_on
        return self.end_date - timedelta(days=1)


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


def validate_offsets(value: str) -> None:
    try:
        days = [int(part) for part in value.replace("，", ",").split(",") if part.strip()]
    except ValueError as error:
        raise ValidationError(_("Give whole numbers of days separated by commas, e.g. 60,30,7,1.")) from error
    if not days:
        raise ValidationError(_("Give at least one number of days."))
    if any(not 0 <= day <= 366 for day in days):
        raise ValidationError(_("Each number of days is between 0 and 366."))


class ReminderRule(models.Model):
    """Who is reminded of what, when and how: editable by the administrator.

    A rule for a kind of date applies to every licence type unless a rule for that kind and a licence type
    says otherwise. Escalations and butler tasks count days after their date, reminders days before it.
    """

    class Kind(models.TextChoices):
        OBTAIN_BY = "obtain_by", _("Deadline to obtain a licence")
        RENEW_BY = "renew_by", _("Last day to apply for renewal")
        OBTAIN_MISSED = "obtain_missed", _("Deadline to obtain missed (escalation)")
        EXPIRED = "expired", _("Expired without renewal (escalation)")
        VERIFY_BY = "verify_by", _("Commitment to be checked (butler task)")
        CANCEL_BY = "cancel_by", _("Lapsed licence to be cancelled after public notice")
        CHANGE_BY = "change_by", _("Change of a licence (变更) to be applied for")
        OBLIGATION_DUE = "obligation_due", _("A vehicle's or a person's periodic obligation due")
        OBLIGATION_MISSED = "obligation_late", _("A periodic obligation overdue (escalation)")
        NO_CONTACT = "no_contact", _("No contact with a company (butler task)")
        PERIOD_ENDING = "period_ending", _("Service period ending (butler task)")
        RETURN_VISIT = "return_visit", _("Return visit due (butler task)")
        RETURN_VISIT_OVERDUE = "return_visit_late", _("Return visit overdue (escalation)")
        RATE_MATTER = "rate_matter", _("Invitation to rate a licence just issued")
        RATE_PERIOD = "rate_period", _("Invitation to rate a service period that ended")
        AUDIT_STEP = "audit_step", _("Audit case step due (task for its handler and the managers)")
        AUDIT_OVERDUE = "audit_late", _("Audit case step overdue (escalation)")

    LICENCE_KINDS = (
        Kind.OBTAIN_BY,
        Kind.RENEW_BY,
        Kind.OBTAIN_MISSED,
        Kind.EXPIRED,
        Kind.VERIFY_BY,
        Kind.CANCEL_BY,
        Kind.CHANGE_BY,
    )
    DAYS_AFTER = (
        Kind.OBTAIN_MISSED,
        Kind.OBLIGATION_MISSED,
        Kind.EXPIRED,
        Kind.NO_CONTACT,
        Kind.RETURN_VISIT_OVERDUE,
        Kind.RATE_MATTER,
        Kind.RATE_PERIOD,
        Kind.AUDIT_OVERDUE,
    )

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    licence_type = models.ForeignKey(
        "companies.LicenceType",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="reminder_rules",
        verbose_name=_("licence type"),
        help_text=_("Empty: every licence type without a rule of its own."),
    )
    days = models.CharField(
        _("days"),
        max_length=60,
        validators=[validate_offsets],
        help_text=_(
            "Separated by commas. Reminders: days before the date (60,30,7,1). Escalations: days after the "
            "date passed. No contact: days since the last contact."
        ),
    )
    to_company = models.BooleanField(_("company contacts"), default=False)
    to_butler = models.BooleanField(_("butler"), default=False)
    to_manager = models.BooleanField(_("managers"), default=False)
    by_email = models.BooleanField(_("by e-mail"), default=True)
    by_sms = models.BooleanField(_("by SMS"), default=False)
    by_chat = models.BooleanField(
        _("in the staff chat"),
        default=False,
        help_text=_(
            "The butler and the managers are mentioned by their mobile in the window's work chat. Never "
            "company contacts."
        ),
    )
    statutory = models.BooleanField(
        _("statutory deadline"),
        default=True,
        help_text=_(
            "Companies cannot switch these off. For the rest they choose e-mail, SMS or the portal only."
        ),
    )
    active = models.BooleanField(_("active"), default=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["kind", "licence_type"]
        verbose_name = _("reminder rule")
        verbose_name_plural = _("reminder rules")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "licence_type"], name="one_rule_per_kind_and_licence_type"
            ),
            models.UniqueConstraint(
                fields=["kind"], condition=Q(licence_type__isnull=True), name="one_default_rule_per_kind"
            ),
        ]

    def __str__(self) -> str:
        scope = self.licence_type or _("every licence type")
        return (
            f"{self.get_kind_display()} · {scope}"
            if self.kind in self.LICENCE_KINDS
            else str(self.get_kind_display())
        )

    def clean(self) -> None:
        if self.licence_type_id and self.kind not in self.LICENCE_KINDS:
            raise ValidationError({"licence_type": _("Only licence dates have rules per licence type.")})
        if not (self.to_company or self.to_butler or self.to_manager):
            raise ValidationError(_("Choose at least one kind of recipient."))

    @property
    def offsets(self) -> tuple[int, ...]:
        """Days before the date as the engine counts them (negative: after it)."""
        days = sorted({int(part) for part in self.days.replace("，", ",").split(",") if part.strip()})
        return tuple(-day for day in days) if self.kind in self.DAYS_AFTER else tuple(days)

    @property
    def channels(self) -> tuple[str, ...]:
        return (
            "in_app",
            *(["email"] if self.by_email else []),
            *(["sms"] if self.by_sms else []),
            *(["chat"] if self.by_chat else []),
        )
