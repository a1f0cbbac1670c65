"""Each company's licences: their life cycle, deadlines, missing materials and the trips made for them."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from companies.models.catalogue import BusinessScope, IssuingLevel, LicenceMaterial, LicenceType
from companies.models.registry import Company
from companies.models.subjects import Person, Vehicle, Vessel


class LicenceStatus(models.TextChoices):
    REQUIRED = "required", _("Required")
    IN_PREPARATION = "preparing", pgettext_lazy("licence status", "In preparation")
    # Handed in incomplete: one complete notice given, not accepted, no clock running (补正).
    MATERIALS_MISSING = "missing", _("Incomplete: to be supplied")
    APPLIED = "applied", _("Accepted")
    # Accepted with minor items to follow by a date (容缺受理): the clocks run.
    DEFERRED = "deferred", _("Accepted, items to follow")
    # Materials asked for during the review: the clocks stop until they arrive.
    SUPPLEMENTING = "supplementing", _("Supplementing during review")
    ISSUED = "issued", _("Issued")
    REFUSED = "refused", _("Refused")
    RENEWAL_DUE = "renewal_due", _("Renewal due")
    RENEWAL_APPLIED = "renewal_applied", _("Renewal accepted")
    EXPIRED = "expired", _("Expired (lapsed)")
    NOT_REQUIRED = "not_required", _("Not required")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    CANCELLED = "cancelled", _("Cancelled")


class LicenceChannel(models.TextChoices):
    WINDOW = "window", _("At the window")
    ONLINE = "online", _("Online")
    MOBILE = "mobile", pgettext_lazy("licence channel", "Mobile")
    POST = "post", _("By post")


class RouteSpan(models.TextChoices):
    """How far a permitted journey goes: it decides which authority issues the permit."""

    COUNTY = "county", _("Within one county")
    CITY = "city", _("Across counties of one city")
    PROVINCE = "province", _("Across cities of the province")


ISSUER_BY_ROUTE = {
    RouteSpan.COUNTY: IssuingLevel.COUNTY,
    RouteSpan.CITY: IssuingLevel.CITY,
    RouteSpan.PROVINCE: IssuingLevel.PROVINCE,
}


class ResultDelivery(models.TextChoices):
    IN_PERSON = "in_person", _("Collected at the window")
    POST = "post", _("Posted")
    ONLINE = "online", _("Electronic certificate")


class Application(models.Model):
    """One matter (一件事): what the company filed together — a licence, or a fleet's certificates at once —
    how it went in and how the result comes back. Trips and the zero-trip share count per application."""

    company = models.ForeignKey(
        Company, on_delete=models.CASCADE, related_name="applications", verbose_name=_("company")
    )
    filed_on = models.DateField(_("filed on"))
    channel = models.CharField(_("channel"), max_length=8, choices=LicenceChannel.choices)
    result_by = models.CharField(
        _("result delivered"), max_length=10, choices=ResultDelivery.choices, default=ResultDelivery.IN_PERSON
    )
    by_proxy = models.BooleanField(
        _("filed by the butler for the company"),
        default=False,
        help_text=_("帮办代办, with its authorisation."),
    )
    authorisation = models.CharField(
        _("authorisation"),
        max_length=120,
        blank=True,
        help_text=_("The letter of authorisation kept on file."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-filed_on", "-id"]
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        indexes = [models.Index(fields=["filed_on"], name="application_filed_on")]

    def __str__(self) -> str:
        return f"{self.filed_on:%Y-%m-%d} · {self.get_channel_display()}"


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
    application = models.ForeignKey(
        Application,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="licences",
        verbose_name=_("application"),
        help_text=_("The matter it was last filed in."),
    )
    subject_key = models.CharField(
        pgettext_lazy("licence", "subject"),
        max_length=40,
        editable=False,
        help_text=_("company, vehicle:<id>, person:<id> …"),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=LicenceStatus.choices, default=LicenceStatus.REQUIRED
    )
    certificate_number = models.CharField(_("certificate number"), max_length=40, blank=True)
    channel = models.CharField(_("channel"), max_length=8, choices=LicenceChannel.choices, blank=True)
    submitted_on = models.DateField(
        _("materials handed in on"),
        null=True,
        blank=True,
        help_text=_("The one complete notice of anything missing is due within 5 working days of it."),
    )
    accepted_on = models.DateField(_("accepted on"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    statutory_due_on = models.DateField(_("statutory due date"), null=True, blank=True)
    committed_due_on = models.DateField(_("committed due date"), null=True, blank=True)
    paused_on = models.DateField(
        _("clock stopped on"), null=True, blank=True, help_text=_("Materials asked for during the review.")
    )
    paused_days = models.PositiveSmallIntegerField(
        _("working days the clock stood still"),
        default=0,
        help_text=_("Time the company spent supplying materials during the review: added to the due dates."),
    )
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    refusal_reasons = models.TextField(_("reasons for the refusal"), blank=True)
    issued_on = models.DateField(_("certificate issued on"), null=True, blank=True)
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
    missing_reasons = models.JSONField(
        _("why each material is missing"), default=dict, blank=True, help_text=_("By material id.")
    )
    missing_noted_on = models.DateField(_("notice given on"), null=True, blank=True)
    notice_given_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("notice given by"),
    )
    supply_by = models.DateField(_("materials to be supplied by"), null=True, blank=True)
    cancel_notice_on = models.DateField(
        _("public notice of cancellation on"),
        null=True,
        blank=True,
        help_text=_("A lapsed licence: the authority's notice (公告) that it will be cancelled (注销)."),
    )
    cancel_on = models.DateField(_("to be cancelled on"), null=True, blank=True)
    business_scopes = models.ManyToManyField(
        BusinessScope, verbose_name=_("business scope"), related_name="licences", blank=True
    )
    route_span = models.CharField(
        _("route"), max_length=8, choices=RouteSpan.choices, blank=True, help_text=_("For a trip permit.")
    )
    is_pass = models.BooleanField(
        _("pass for repeated identical trips"),
        default=False,
        help_text=_("Valid for a period, not one journey."),
    )
    commitment = models.CharField(
        _("signed commitment"),
        max_length=120,
        blank=True,
        help_text=_("告知承诺制: the commitment the applicant signed, kept on file."),
    )
    change_by = models.DateField(
        _("change to be applied for by"),
        null=True,
        blank=True,
        help_text=_("The earliest date by which a change of the certificate (变更) is to be applied for."),
    )
    verify_by = models.DateField(_("commitment to be verified by"), null=True, blank=True)
    verified_on = models.DateField(_("commitment verified on"), null=True, blank=True)
    verification_note = models.CharField(_("what the verification found"), max_length=300, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords(m2m_fields=[missing_materials, business_scopes])

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
            models.Index(fields=["decided_on"], name="licence_decided"),
        ]

    def __str__(self) -> str:
        subject = self.vehicle or self.person or self.vessel
        return f"{self.licence_type} · {subject}" if subject else str(self.licence_type)

    @property
    def subject(self):
        return self.vehicle or self.person or self.vessel

    @property
    def issuer(self) -> str:
        """The authority that decides it: the catalogue's, or for a permit whose issuer follows the route,
        the one the route's span names."""
        if self.licence_type.issuer_by_route and self.route_span:
            return IssuingLevel(ISSUER_BY_ROUTE[self.route_span]).label
        return self.licence_type.get_issuing_level_display()

    @property
    def is_pending(self) -> bool:
        """An accepted application not decided yet (its clocks running, or stopped while the company
        supplies materials)."""
        return self.status in {
            LicenceStatus.APPLIED,
            LicenceStatus.DEFERRED,
            LicenceStatus.SUPPLEMENTING,
            LicenceStatus.RENEWAL_APPLIED,
        }

    @property
    def companys_move(self) -> bool:
        """Waiting for the company's materials: none of that time is the window's."""
        return self.status in {LicenceStatus.MATERIALS_MISSING, LicenceStatus.SUPPLEMENTING}


class TripEvent(models.TextChoices):
    ACCEPTED = "accepted", _("Application handed in at the window")
    SUPPLIED = "supplied", _("Materials handed in at the window")
    COLLECTED = "collected", _("Certificate collected at the window")
    OTHER = "other", _("Other visit")


class Trip(models.Model):
    """A visit to the window (到窗) the company made for a matter, recorded by the event that made it: the
    application handed in, materials supplied, the certificate collected. The reform counts them."""

    application = models.ForeignKey(
        Application,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="trips",
        verbose_name=_("application"),
    )
    licence = models.ForeignKey(
        CompanyLicence, on_delete=models.CASCADE, related_name="trips", verbose_name=_("licence")
    )
    event = models.CharField(_("event"), max_length=10, choices=TripEvent.choices, default=TripEvent.OTHER)
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
        constraints = [
            # One visit is one trip, however many certificates of the matter it moved.
            models.UniqueConstraint(
                fields=["application", "event", "date"],
                condition=~models.Q(event="other"),
                name="one_trip_per_matter_event_and_day",
            ),
        ]
        verbose_name = _("trip")
        verbose_name_plural = _("trips")

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.what}"

    @property
    def what(self) -> str:
        """What the visit was for, in the reader's language: its event, or what the butler wrote."""
        return self.purpose if self.event == TripEvent.OTHER or not self.event else self.get_event_display()
