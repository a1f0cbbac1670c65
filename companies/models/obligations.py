"""Periodic obligations of a company's vehicles, people and vessels: inspections, insurance policies, a
driver's yearly assessment — what keeps each certificate valid between its renewals. The catalogue says what,
for whom and how often (the cadence may depend on vehicle type and age: data, not code); each subject has one
obligation of each kind, with the date it is next due and the evidence of the last time."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from companies.models.catalogue import LicenceScope
from companies.models.language import BilingualName, in_english
from companies.models.registry import BusinessType, Company
from companies.models.subjects import Person, Vehicle, Vessel


class Evidence(models.TextChoices):
    DONE = "done", _("Date done (the next is due a cadence later)")
    CERTIFICATE = "certificate", _("Certificate number and its expiry")
    POLICY = "policy", _("Policy number and its expiry")


class ObligationType(BilingualName, models.Model):
    """One kind of periodic obligation. Every number here is data the administrator can edit; an unverified
    cadence says so."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=80)
    name_en = models.CharField(_("name (English)"), max_length=120)
    scope = models.CharField(
        _("for"),
        max_length=8,
        choices=[
            (LicenceScope.VEHICLE, LicenceScope.VEHICLE.label),
            (LicenceScope.PERSON, LicenceScope.PERSON.label),
            (LicenceScope.VESSEL, LicenceScope.VESSEL.label),
        ],
    )
    business_types = models.ManyToManyField(
        BusinessType, verbose_name=_("business types"), related_name="obligation_types", blank=True
    )
    vehicle_types = models.CharField(
        _("for vehicle types"),
        max_length=80,
        blank=True,
        help_text=_("Comma-separated (truck, tanker, bus …); empty: every type."),
    )
    person_roles = models.CharField(
        _("for people in the roles"),
        max_length=60,
        blank=True,
        help_text=_("Comma-separated; empty: everyone."),
    )
    exempt_max_mass_kg = models.PositiveIntegerField(
        _("exempt up to total mass (kg)"),
        null=True,
        blank=True,
        help_text=_("Ordinary freight vehicles up to this mass, of a company doing only ordinary freight."),
    )
    evidence = models.CharField(_("evidence"), max_length=12, choices=Evidence.choices, default=Evidence.DONE)
    every_months = models.PositiveSmallIntegerField(
        _("every (months)"),
        null=True,
        blank=True,
        help_text=_(
            "The cadence when no age band says otherwise; empty: the evidence's expiry sets the date."
        ),
    )
    cadence_verified = models.BooleanField(
        _("cadence checked against the rules"),
        default=False,
        help_text=_("Unchecked: the cadence is an assumption to confirm with the rules in force."),
    )
    consequence_zh = models.CharField(_("what a lapse leads to (Chinese)"), max_length=200, blank=True)
    consequence_en = models.CharField(_("what a lapse leads to (English)"), max_length=240, blank=True)
    position = models.PositiveSmallIntegerField(_("sort order"), default=0)

    history = HistoricalRecords(m2m_fields=[business_types])

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("obligation type")
        verbose_name_plural = _("obligation types")

    def __str__(self) -> str:
        return self.name

    @property
    def consequence(self) -> str:
        return (self.consequence_en or self.consequence_zh) if in_english() else self.consequence_zh

    @staticmethod
    def _listed(text: str) -> set[str]:
        return {item.strip() for item in text.split(",") if item.strip()}

    @property
    def for_vehicle_types(self) -> set[str]:
        return self._listed(self.vehicle_types)

    @property
    def for_roles(self) -> set[str]:
        return self._listed(self.person_roles)


class Cadence(models.Model):
    """How often, for vehicles of some types within an age band (years since first registration)."""

    obligation_type = models.ForeignKey(
        ObligationType, on_delete=models.CASCADE, related_name="cadences", verbose_name=_("obligation type")
    )
    vehicle_types = models.CharField(
        _("for vehicle types"), max_length=80, blank=True, help_text=_("Comma-separated; empty: every type.")
    )
    from_age_years = models.PositiveSmallIntegerField(_("from age (years)"), default=0)
    until_age_years = models.PositiveSmallIntegerField(
        _("below age (years)"), null=True, blank=True, help_text=_("Empty: no upper bound.")
    )
    every_months = models.PositiveSmallIntegerField(_("every (months)"))

    history = HistoricalRecords()

    class Meta:
        ordering = ["obligation_type", "from_age_years", "id"]
        verbose_name = _("cadence by age")
        verbose_name_plural = _("cadences by age")

    def __str__(self) -> str:
        upper = f"–{self.until_age_years}" if self.until_age_years is not None else "+"
        return f"{self.obligation_type} {self.from_age_years}{upper}: {self.every_months}"

    def covers(self, vehicle_type: str, age_years: int) -> bool:
        types = ObligationType._listed(self.vehicle_types)
        return (
            (not types or vehicle_type in types)
            and age_years >= self.from_age_years
            and (self.until_age_years is None or age_years < self.until_age_years)
        )


class Obligation(models.Model):
    """One periodic obligation of one vehicle, person or vessel, and when it is next due."""

    company = models.ForeignKey(
        Company, on_delete=models.CASCADE, related_name="obligations", verbose_name=_("company")
    )
    obligation_type = models.ForeignKey(
        ObligationType,
        on_delete=models.PROTECT,
        related_name="obligations",
        verbose_name=_("obligation type"),
    )
    vehicle = models.ForeignKey(
        Vehicle,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="obligations",
        verbose_name=_("vehicle"),
    )
    person = models.ForeignKey(
        Person,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="obligations",
        verbose_name=_("person"),
    )
    vessel = models.ForeignKey(
        Vessel,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="obligations",
        verbose_name=_("vessel"),
    )
    subject_key = models.CharField(pgettext_lazy("licence", "subject"), max_length=40, editable=False)
    due_on = models.DateField(
        _("next due"), null=True, blank=True, help_text=_("Empty: the last time is not recorded yet.")
    )
    last_done_on = models.DateField(_("last done on"), null=True, blank=True)
    reference = models.CharField(_("certificate or policy number"), max_length=40, blank=True)
    ended_on = models.DateField(
        _("ended on"),
        null=True,
        blank=True,
        help_text=_("The vehicle left the fleet, or no longer needs it."),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["due_on", "subject_key"]
        verbose_name = _("obligation")
        verbose_name_plural = _("obligations")
        constraints = [
            models.UniqueConstraint(
                fields=["company", "obligation_type", "subject_key"],
                name="one_obligation_per_type_and_subject",
            ),
        ]
        indexes = [
            # The sweep and the calendars read what is open and due by a date.
            models.Index(fields=["due_on"], condition=Q(ended_on__isnull=True), name="obligation_open_due"),
            models.Index(fields=["company", "due_on"], name="obligation_company_due"),
        ]

    def __str__(self) -> str:
        return f"{self.obligation_type} · {self.subject}"

    @property
    def subject(self):
        return self.vehicle or self.person or self.vessel

    @property
    def is_open(self) -> bool:
        return self.ended_on is None
