"""The licence-type catalogue: what a transport company may have to hold, its time limits, its materials."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from companies.models.language import BilingualName
from companies.models.registry import BusinessType


class LicenceScope(models.TextChoices):
    COMPANY = "company", _("Company")
    VEHICLE = "vehicle", _("Vehicle")
    PERSON = "person", _("Person")
    VESSEL = "vessel", _("Vessel")
    TRIP = "trip", _("Per trip")


class IssuingLevel(models.TextChoices):
    COUNTY = "county", _("County authority")
    CITY = "city", _("City authority")
    PROVINCE = "province", _("Provincial authority")
    PORT = "port", _("Port authority")
    HIGHWAY = "highway", _("Highway authority")


class RenewalKind(models.TextChoices):
    EXTENSION = "extension", _("Renewal (延续)")
    EXCHANGE = "exchange", _("Exchange of the certificate (换证)")
    ANNUAL_REVIEW = "annual_review", _("Annual review (年审)")


class BusinessScope(BilingualName, models.Model):
    """A class of a freight licence's business scope (经营范围): 普通货运, 集装箱, 大件, 冷藏, 罐式, 危险货物.
    The scope on the licence decides which permits the company may apply for."""

    code = models.SlugField(_("code"), max_length=20, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=30)
    name_en = models.CharField(_("name (English)"), max_length=60)
    position = models.PositiveSmallIntegerField(_("sort order"), default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("business scope")
        verbose_name_plural = _("business scopes")

    def __str__(self) -> str:
        return self.name


class LicenceType(BilingualName, models.Model):
    """One entry of the catalogue. Every number here is data the administrator can edit."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=80)
    name_en = models.CharField(_("name (English)"), max_length=120)
    scope = models.CharField(_("scope"), max_length=8, choices=LicenceScope.choices)
    issuing_level = models.CharField(_("issued by"), max_length=10, choices=IssuingLevel.choices)
    business_types = models.ManyToManyField(
        BusinessType, verbose_name=_("business types"), related_name="licence_types", blank=True
    )
    person_roles = models.CharField(
        _("for people in the roles"),
        max_length=60,
        blank=True,
        help_text=_("Comma-separated roles (driver, escort, loader) for a licence held by people."),
    )
    statutory_limit_days = models.PositiveSmallIntegerField(
        _("statutory limit (working days)"), null=True, blank=True
    )
    committed_limit_days = models.PositiveSmallIntegerField(
        _("committed limit (working days)"), null=True, blank=True
    )
    validity_months = models.PositiveSmallIntegerField(
        _("validity (months)"), null=True, blank=True, help_text=_("Empty: the licence does not expire.")
    )
    renew_days_before = models.PositiveSmallIntegerField(
        _("apply for renewal (days before expiry)"), default=30
    )
    renewal_kind = models.CharField(
        _("kept valid by"),
        max_length=14,
        choices=RenewalKind.choices,
        default=RenewalKind.EXTENSION,
        help_text=_("What the holder does before the expiry: each has its own wording and materials."),
    )
    obtain_within_days = models.PositiveSmallIntegerField(
        _("window's target: obtain within (days after the service starts)"),
        null=True,
        blank=True,
        help_text=_("A date the window sets itself (取证期限), not a legal deadline."),
    )
    exempt_max_mass_kg = models.PositiveIntegerField(
        _("exempt up to total mass (kg)"),
        null=True,
        blank=True,
        help_text=_(
            "Ordinary freight vehicles up to this total mass need no such licence; for company and person "
            "licences, a company whose only business is ordinary freight with such vehicles is exempt."
        ),
    )
    online = models.BooleanField(_("can be done online"), default=False)
    on_the_spot = models.BooleanField(_("decided on the spot"), default=False)
    by_commitment = models.BooleanField(
        _("commitment-based approval"),
        default=False,
        help_text=_(
            "告知承诺制: decided on the spot against the applicant's signed commitment, verified later."
        ),
    )
    verify_within_days = models.PositiveSmallIntegerField(
        _("commitment verified within (days)"),
        null=True,
        blank=True,
        help_text=_("For commitment-based approval: days after the decision by which the window checks it."),
    )
    has_business_scope = models.BooleanField(
        _("states a business scope"),
        default=False,
        help_text=_("A freight licence: the scope classes it covers are recorded when it is issued."),
    )
    needs_scope = models.ForeignKey(
        BusinessScope,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("needs the business scope"),
        help_text=_("Only a company whose licence covers this scope may apply (e.g. 大件 for oversize)."),
    )
    issuer_by_route = models.BooleanField(
        _("issuer follows the route"),
        default=False,
        help_text=_("Within a county: the county; across counties: the city; across cities: the province."),
    )
    max_pass_months = models.PositiveSmallIntegerField(
        _("pass for repeated identical trips: up to (months)"),
        null=True,
        blank=True,
        help_text=_("Empty: no pass, one permit per journey."),
    )
    notes = models.TextField(_("notes"), blank=True)
    position = models.PositiveSmallIntegerField(_("sort order"), default=0)

    history = HistoricalRecords(m2m_fields=[business_types])

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("licence type")
        verbose_name_plural = _("licence types")

    def __str__(self) -> str:
        return self.name

    @property
    def roles(self) -> set[str]:
        return {role.strip() for role in self.person_roles.split(",") if role.strip()}


class MaterialStage(models.TextChoices):
    BOTH = "both", _("First issue and renewal")
    FIRST = "first", _("First issue only")
    RENEWAL = "renewal", _("Renewal only")


class LicenceMaterial(BilingualName, models.Model):
    """One of the materials an application needs, in the order the window lists them."""

    licence_type = models.ForeignKey(
        LicenceType, on_delete=models.CASCADE, related_name="materials", verbose_name=_("licence type")
    )
    position = models.PositiveSmallIntegerField(_("position in the list"), default=0)
    stage = models.CharField(
        _("asked for"), max_length=8, choices=MaterialStage.choices, default=MaterialStage.BOTH
    )
    name_zh = models.CharField(_("name (Chinese)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=160)
    by_data_sharing = models.BooleanField(
        _("obtained by data sharing"),
        default=False,
        help_text=_(
            "The window fetches it from another department's data: the applicant hands in no paper for it."
        ),
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["licence_type", "position", "id"]
        verbose_name = _("required material")
        verbose_name_plural = _("required materials")

    def __str__(self) -> str:
        return self.name
