"""Each company's licences: their life cycle, deadlines, missing materials and the trips made for them."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from companies.models.catalogue import LicenceMaterial, LicenceType
from companies.models.registry import Company
from companies.models.subjects import Person, Vehicle, Vessel


class LicenceStatus(models.TextChoices):
    REQUIRED = "required", _("Required")
    IN_PREPARATION = "preparing", pgettext_lazy("licence status", "In preparation")
    APPLIED = "applied", _("Applied")
    MATERIALS_MISSING = "missing", _("Materials missing")
    ISSUED = "issued", _("Issued")
    RENEWAL_DUE = "renewal_due", _("Renewal due")
    RENEWAL_APPLIED = "renewal_applied", _("Renewal applied")
    EXPIRED = "expired", _("Expired (lapsed)")
    NOT_REQUIRED = "not_required", _("Not required")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    CANCELLED = "cancelled", _("Cancelled")


class LicenceChannel(models.TextChoices):
    WINDOW = "window", _("At the window")
    ONLINE = "online", _("Online")
    MOBILE = "mobile", pgettext_lazy("licence channel", "Mobile")
    POST = "post", _("By post")


class CompanyLicence(models.Model):
    """A licence a company must obtain or keep, for itself or for one of its vehicles, people or vessels."""

    company = models.ForeignKey(
        Company, on_delete=models.CASCADE, related_name="licences", verbose_name=_("company")
    )
    licence_type = models.ForeignKey(
        LicenceType, on_delete=models.PROTECT, related_name="licences", verbose_name=_("licence type")
    )
    vehicle = models.ForeignKey(
        Vehicle,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="licences",
        verbose_name=_("vehicle"),
    )
    person = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="licences",
        verbose_name=_("person"),
    )
    vessel = models.ForeignKey(
        Vessel,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="licences",
        verbose_name=_("vessel"),
    )
    subject_key = models.CharField(
        _("subject"), max_length=40, editable=False, help_text=_("company, vehicle:<id>, person:<id> …")
    )
    status = models.CharField(
        _("status"), max_length=16, choices=LicenceStatus.choices, default=LicenceStatus.REQUIRED
    )
    certificate_number = models.CharField(_("certificate number"), max_length=40, blank=True)
    channel = models.CharField(_("channel"), max_length=8, choices=LicenceChannel.choices, blank=True)
    accepted_on = models.DateField(_("accepted on"), null=True, blank=True)
    statutory_due_on = models.DateField(_("statutory due date"), null=True, blank=True)
    committed_due_on = models.DateField(_("committed due date"), null=True, blank=True)
    issued_on = models.DateField(_("issued on"), null=True, blank=True)
    first_issued_on = models.DateField(
        _("first issued on"), null=True, blank=True, help_text=_("Kept when the licence is renewed.")
    )
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    obtain_by = models.DateField(_("obtain by"), null=True, blank=True)
    renew_by = models.DateField(
        _("apply for renewal by"),
        null=True,
        blank=True,
        help_text=_("The expiry less the catalogue's renewal lead."),
    )
    set_aside_by_plan = models.BooleanField(
        _("set aside by the licence plan"),
        default=False,
        help_text=_("Not required because the company no longer needs it; restored if it does again."),
    )
    status_before_set_aside = models.CharField(
        _("status before it was set aside"), max_length=16, choices=LicenceStatus.choices, blank=True
    )
    missing_materials = models.ManyToManyField(
        LicenceMaterial, verbose_name=_("missing materials"), related_name="missing_in", blank=True
    )
    missing_noted_on = models.DateField(_("missing materials noted on"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords(m2m_fields=[missing_materials])

    class Meta:
        ordering = ["licence_type__position", "subject_key"]
        verbose_name = _("company licence")
        verbose_name_plural = _("company licences")
        constraints = [
            models.UniqueConstraint(
                fields=["company", "licence_type", "subject_key"], name="one_licence_per_type_and_subject"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "expires_on"], name="licence_status_expiry"),
            models.Index(fields=["status", "obtain_by"], name="licence_status_obtain_by"),
            models.Index(fields=["status", "renew_by"], name="licence_status_renew_by"),
            models.Index(fields=["company", "status"], name="licence_company_status"),
            # The dashboard's figures of a date range: licences obtained, issued in it.
            models.Index(fields=["first_issued_on"], name="licence_first_issued"),
            models.Index(fields=["issued_on"], name="licence_issued"),
        ]

    def __str__(self) -> str:
        subject = self.vehicle or self.person or self.vessel
        return f"{self.licence_type} · {subject}" if subject else str(self.licence_type)

    @property
    def subject(self):
        return self.vehicle or self.person or self.vessel

    @property
    def is_pending(self) -> bool:
        """An application the authority is deciding."""
        return self.status in {
            LicenceStatus.APPLIED,
            LicenceStatus.MATERIALS_MISSING,
            LicenceStatus.RENEWAL_APPLIED,
        }


class Trip(models.Model):
    """An in-person visit the company made for a licence (the reform counts them)."""

    licence = models.ForeignKey(
        CompanyLicence, on_delete=models.CASCADE, related_name="trips", verbose_name=_("licence")
    )
    date = models.DateField(_("date"))
    purpose = models.CharField(_("purpose"), max_length=120)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("trip")
        verbose_name_plural = _("trips")

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.purpose}"
